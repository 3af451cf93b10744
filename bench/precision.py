#!/usr/bin/env python3
"""A precision review you can rerun: a fixed-seed sample of what the default gate reports.

    python bench/precision.py [FOLDER] [--json REPORT] [--out SHEET.md] [--size 60]
                              [--seed 12] [--jobs N]

Lints FOLDER (default: ../shared/corpus beside this checkout; skipped with a message
when absent), or reads REPORT (a `tmpllint lint --format json` report, e.g.
/work/baseline/corpus_before.json) instead of linting again. Only what the default gate
reports counts: findings at warning or error, cfn-lint's superseded rules
(tmpllint.selection.SUPERSEDED) left out even if the report holds them.

It prints, per corpus folder (the first folder below the common root of the files),
the findings per template at warning and above (median and 90th percentile, nearest
rank, over every linted template including clean ones) and the count per rule; and it
writes SHEET.md: SIZE findings drawn with random.Random(SEED), each with its rule,
file:line, the template lines around it (6 either side) and the message, and a verdict
to fill in: acted on / suppress on purpose / not worth a warning / wrong.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
CONTEXT = 6
VERDICTS = "acted on / suppress on purpose / not worth a warning / wrong"


def lint(folder: str, jobs: int) -> dict:
    """A JSON report (the `--format json` shape) of the default gate over `folder`."""
    from tmpllint.discovery import discover
    from tmpllint.report.json import render
    from tmpllint.runner import RunOptions, lint_files

    results = lint_files(discover([folder]), RunOptions(jobs=jobs, cache=False))
    return json.loads(render(results, color=False, verbose=False, extra={}))


def gate_findings(report: dict) -> list[dict]:
    """Findings the default gate reports: warning or error, superseded rules left out."""
    from tmpllint.selection import SUPERSEDED

    return [f for f in report["findings"]
            if f["severity"] in ("warning", "error") and f["rule"] not in SUPERSEDED]


def folder_of(path: str, root: str) -> str:
    relative = os.path.relpath(path, root)
    return relative.split(os.sep)[0] if os.sep in relative else "."


def nearest_rank(values: list[int], fraction: float) -> int:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)] if ordered else 0


def statistics_by_folder(report: dict, findings: list[dict]) -> dict[str, dict]:
    linted = [f["path"] for f in report["files"]]
    root = os.path.commonpath([os.path.dirname(p) or "." for p in linted]) if linted else "."
    per_file = Counter(f["path"] for f in findings)
    folders: dict[str, dict] = defaultdict(lambda: {"counts": [], "rules": Counter()})
    for path in linted:
        folders[folder_of(path, root)]["counts"].append(per_file.get(path, 0))
    for finding in findings:
        folders[folder_of(finding["path"], root)]["rules"][finding["rule"]] += 1
    return {name: {"templates": len(data["counts"]), "findings": sum(data["counts"]),
                   "median": statistics.median(data["counts"]) if data["counts"] else 0,
                   "p90": nearest_rank(data["counts"], 0.9), "rules": data["rules"]}
            for name, data in sorted(folders.items())}


def excerpt(path: str, line: int) -> str:
    # a report's relative paths are relative to where it was made: the checkout, usually
    found = next((p for p in (Path(path), ROOT / path) if p.is_file()), Path(path))
    try:
        lines = found.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as err:
        return f"(cannot read {path}: {err.strerror})"
    first, last = max(1, line - CONTEXT), min(len(lines), line + CONTEXT)
    width = len(str(last))
    return "\n".join(f"{'>' if number == line else ' '} {number:>{width}} | {lines[number - 1]}"
                     for number in range(first, last + 1))


def sheet(sample: list[dict], seed: int, total: int) -> str:
    out = [f"# Precision review: {len(sample)} of {total} gate findings (seed {seed})", "",
           f"Mark each verdict: {VERDICTS}.", ""]
    for number, finding in enumerate(sample, start=1):
        out += [f"## {number}. {finding['rule']} ({finding['severity']}, {finding['source']}) "
                f"{finding['path']}:{finding['line']}", "",
                f"Resource: {finding['resource'] or '-'}", "",
                f"Message: {finding['message']}", "", "```",
                excerpt(finding["path"], finding["line"]), "```", "",
                f"Verdict ({VERDICTS}): ", ""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", default=str(DEFAULT_CORPUS))
    parser.add_argument("--json", metavar="REPORT", help="reuse this lint JSON report")
    parser.add_argument("--out", default="precision-sheet.md", metavar="SHEET")
    parser.add_argument("--size", type=int, default=60)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    if args.json:
        report = json.loads(Path(args.json).read_text(encoding="utf-8"))
    elif not Path(args.folder).is_dir():
        print(f"precision: {args.folder} not found; nothing to review (skipped)")
        return 0
    else:
        report = lint(args.folder, args.jobs)
    findings = gate_findings(report)
    for name, data in statistics_by_folder(report, findings).items():
        print(f"{name}: {data['templates']} templates, {data['findings']} findings at "
              f"warning+, per template median {data['median']:g}, p90 {data['p90']}")
        for rule, count in sorted(data["rules"].items(), key=lambda item: (-item[1], item[0])):
            print(f"  {rule:<6} {count:>5}")
    ordered = sorted(findings, key=lambda f: (f["path"], f["line"], f["column"], f["rule"],
                                              f["message"]))
    sample = random.Random(args.seed).sample(ordered, min(args.size, len(ordered)))
    Path(args.out).write_text(sheet(sample, args.seed, len(ordered)), encoding="utf-8")
    print(f"wrote {len(sample)} findings to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
