"""Which files a `tmpllint lint PATH...` run looks at.

Directories are walked recursively for `.yaml .yml .json .template` files, skipping
hidden folders (`.git`, `.venv`, `.tmpllint_cache`, ...) and `node_modules`. A file
named on the command line is always looked at, whatever its suffix; whether it is a
CloudFormation template at all is the engine's call.
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
