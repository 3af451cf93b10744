#!/usr/bin/env python3
"""Lint every template of a folder one by one, with the default limits, and print the
slowest files and any that could not be linted.

    python bench/slowest.py [FOLDER] [--top N]

FOLDER defaults to ../shared/corpus beside the checkout (skipped with a message when
absent). Each file is timed inside one engine (the rule collection is built once).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FOLDER = ROOT.parent / "shared" / "corpus"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", default=str(DEFAULT_FOLDER))
    parser.add_argument("--top", type=int, default=5)
    args = parser.parse_args()
    folder = Path(args.folder)
    if not folder.is_dir():
        print(f"skipped: {folder} is not here")
        return 0
    from tmpllint.discovery import discover
    from tmpllint.engine import Engine
    from tmpllint.runner import DEFAULT_TIMEOUT

    files = discover([str(folder)])
    engine = Engine()
    timings, statuses, errors = [], Counter(), []
    started = time.perf_counter()
    for path in files:
        begin = time.perf_counter()
        result = engine.lint_path(path, timeout=DEFAULT_TIMEOUT)
        timings.append((time.perf_counter() - begin, path))
        statuses[result.status] += 1
        if result.status == "error":
            errors.append((path, result.error))
    total = time.perf_counter() - started
    print(f"{len(files)} files answered in {total:.1f} s: {dict(statuses)}")
    print(f"slowest {args.top}:")
    for seconds, path in sorted(timings, reverse=True)[:args.top]:
        print(f"  {seconds:7.2f} s  {Path(path).relative_to(folder)}")
    for path, error in errors:
        print(f"  error: {Path(path).relative_to(folder)}: {error}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
