"""Which files a `tmpllint lint PATH...` run looks at.

Directories are walked recursively for `.yaml .yml .json .template` files, skipping
hidden folders (`.git`, `.venv`, `.tmpllint_cache`, ...) and `node_modules`. A file
named on the command line is always looked at, whatever its suffix; whether it is a
CloudFormation template at all is the engine's call.

`--shard K/N` keeps the files whose path hash falls in shard K (see `in_shard`).
"""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path

SUFFIXES = (".yaml", ".yml", ".json", ".template")
SKIPPED_DIRS = ("node_modules",)


class MissingPath(Exception):
    """A path given on the command line does not exist."""


def discover(paths: list[str], exclude: list[str] = ()) -> list[str]:
    """The files to lint, in a stable order, each once, minus those an `exclude` glob
    matches (against the path relative to the working directory, or any folder of it;
    named files too, so a pre-commit hook honours the configuration)."""
    found: list[str] = []
    seen: set[str] = set()
    for given in paths:
        root = Path(given)
        if not root.exists():
            raise MissingPath(given)
        candidates = [root] if root.is_file() else sorted(_walk(root))
        for path in candidates:
            key = os.path.normpath(str(path))
            if key not in seen and not _excluded(path, exclude):
                seen.add(key)
                found.append(str(path))
    return found


def _walk(root: Path):
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in SKIPPED_DIRS]
        for name in files:
            if name.endswith(SUFFIXES):
                yield Path(folder) / name


def _excluded(path: Path, patterns) -> bool:
    if not patterns:
        return False
    relative = Path(os.path.relpath(os.path.abspath(path)))
    candidates = [relative.as_posix()] + [parent.as_posix() for parent in relative.parents
                                          if parent.as_posix() != "."]
    return any(fnmatch.fnmatch(candidate, pattern) for candidate in candidates for pattern in patterns)


def parse_shard(text: str) -> tuple[int, int]:
    """'2/4' -> (2, 4); K runs from 1 to N."""
    try:
        index, count = (int(part) for part in text.strip().split("/"))
    except ValueError:
        raise ValueError(f"--shard takes K/N like 2/4, not '{text}'") from None
    if count < 1 or not 1 <= index <= count:
        raise ValueError(f"--shard {text}: K must be between 1 and N, and N at least 1")
    return index, count


def shard_key(path: str) -> str:
    """The name a file is sharded by: its POSIX path relative to the working directory,
    so every CI machine that checks the repository out anywhere agrees."""
    try:
        relative = os.path.relpath(os.path.abspath(path))
    except ValueError:  # another drive on Windows
        relative = path
    return Path(relative).as_posix()


def in_shard(path: str, index: int, count: int) -> bool:
    """Whether `path` belongs to shard `index` (1-based) of `count`: a hash of the path
    alone, so adding or removing other files never moves a file to another shard."""
    import hashlib

    digest = hashlib.sha256(shard_key(path).encode("utf-8", "surrogateescape")).digest()
    return int.from_bytes(digest[:8], "big") % count == index - 1
