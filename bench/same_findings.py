#!/usr/bin/env python3
"""Do two JSON reports of tmpllint hold the same findings?

    python bench/same_findings.py BEFORE.json AFTER.json

Compares the findings as sets of (path, rule, line, column, message) and the files'
statuses as (path, status, error); prints what only one side has (up to 20 of each) and
exits 0 when both are identical, 1 otherwise. Made for optimisations, which must not
change a finding (issue 16):

    tmpllint lint CORPUS --format json -o /tmp/before.json --no-cache   # before
    tmpllint lint CORPUS --format json -o /tmp/after.json --no-cache    # after
    python bench/same_findings.py /tmp/before.json /tmp/after.json
"""

from __future__ import annotations

import json
import sys


def load(path: str) -> tuple[set, set]:
    with open(path, encoding="utf-8") as handle:
        report = json.load(handle)
    findings = {(f["path"], f["rule"], f["line"], f["column"], f["message"])
                for f in report["findings"]}
    files = {(f["path"], f["status"], f.get("error")) for f in report["files"]}
    return findings, files


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    (before, before_files), (after, after_files) = load(argv[0]), load(argv[1])
    same = True
    for label, a, b in (("findings", before, after), ("files", before_files, after_files)):
        only_a, only_b = sorted(a - b), sorted(b - a)
        if only_a or only_b:
            same = False
        print(f"{label}: {len(a)} before, {len(b)} after, {len(only_a)} only before, "
              f"{len(only_b)} only after")
        for side, items in (("only before", only_a), ("only after", only_b)):
            for item in items[:20]:
                print(f"  {side}: {item}")
    print("identical" if same else "DIFFERENT")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
