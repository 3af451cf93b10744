"""One way to replace a file: write a temporary file beside it, then rename it over.

A crash, a full disk or a signal leaves the old file or the new one, never half of one,
and no temporary file behind. The new file keeps the mode of the file it replaces, or
gets the mode a plain open() would give (mkstemp's own is 0600).
"""

from __future__ import annotations

import os
import tempfile
from typing import IO, Callable


def replace_atomic(path: str | os.PathLike, write: Callable[[IO[str]], None], *,
                   newline: str | None = None, prefix: str = ".tmpllint-") -> None:
    """Give `write` a text stream for the new content of `path`, then put it in place in
    one step; OSError when it cannot be written."""
    target = os.path.abspath(path)
    handle, temporary = tempfile.mkstemp(dir=os.path.dirname(target), prefix=prefix,
                                         suffix=".tmp")
    try:
        if os.path.exists(target):
            mode = os.stat(target).st_mode & 0o7777
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(temporary, mode)
        with os.fdopen(handle, "w", encoding="utf-8", newline=newline) as stream:
            write(stream)
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def write_text_atomic(path: str | os.PathLike, text: str, **options) -> None:
    """`replace_atomic` with `text` as the new content."""
    replace_atomic(path, lambda stream: stream.write(text), **options)
