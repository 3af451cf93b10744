#!/usr/bin/env python3
"""Where do cfn-lint's rules and tmpllint's rules report the same place?

    python bench/overlaps.py [PATH ...] [--json REPORT] [--jobs N]

Lints PATH (default: ../shared/corpus beside this checkout; skipped with a message when
absent) with every rule on, cfn-lint's superseded rules included, or reads REPORT (a
`tmpllint lint --format json` report made with `cfn-lint-overlaps = "keep"`), and lists
each (cfn-lint rule, tmpllint rule) pair that reports the same line of the same
resource (or parameter or output) of a file, with its count and its status:

- superseded: the pair is in tmpllint's table (`tmpllint.selection.SUPERSEDED`), so the
  cfn-lint rule is off by default;
- different: the pair was read and judged to say two different things (REVIEWED below);
- NEW: nobody has judged it yet. Read the examples printed for it, then either add the
  cfn-lint rule to SUPERSEDED (it says what the tmpllint rule says) or the pair to
  REVIEWED (it does not). The exit code is 1 while a NEW pair is left.

The overlap test (tests/test_overlaps.py) runs the same code on fixtures/overlaps/ in CI
and on the corpus by hand (TMPLLINT_CORPUS_TESTS=1).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"

#: Pairs that land on the same line but report different practices, and why.
REVIEWED: dict[tuple[str, str], str] = {
    ("I3011", "W9003"): "deletion policy vs a dead-letter queue, both at a queue's Type line",
    ("I3011", "W9502"): "deletion policy vs a cluster's standby instance",
    ("I3011", "W9705"): "deletion policy vs log retention",
    ("I3011", "I9112"): "deletion policy vs a customer managed key",
    ("I3011", "W9103"): "deletion policy vs EFS encryption",
    ("I3013", "W9003"): "message retention period vs a dead-letter queue",
    ("I3013", "W9106"): "Kinesis retention period vs stream encryption",
    ("I3013", "I9805"): "an explicit BackupRetentionPeriod vs one shorter than a week",
    ("I3013", "W9806"): "backup retention vs deletion protection",
    ("I3013", "W9101"): "backup retention vs storage encryption",
    ("I3013", "W9501"): "backup retention vs Multi-AZ",
    ("I3013", "E9603"): "backup retention vs a public database",
    ("W3011", "W9804"): "deletion policies vs bucket versioning",
    ("W3011", "W9204"): "deletion policies vs a TLS-only bucket policy",
    ("W3011", "I9706"): "deletion policies vs bucket access logs",
    ("W3691", "W9806"): "a deprecated engine version vs deletion protection",
    ("W3691", "W9501"): "a deprecated engine version vs Multi-AZ",
    ("W3690", "I9805"): "a deprecated engine version vs backup retention",
    ("W3690", "W9806"): "a deprecated engine version vs deletion protection",
    ("W2533", "I9006"): "a zip function without Handler/Runtime vs tracing",
    ("E3004", "W9204"): "a circular dependency vs a TLS-only bucket policy",
    ("E3004", "I9706"): "a circular dependency vs bucket access logs",
    ("E3004", "W9801"): "a circular dependency vs deletion policies",
    ("E3038", "I9006"): "a SAM type without the transform vs tracing",
}


def coincidences(findings: list[dict]) -> dict[tuple[str, str], list[tuple[str, int, str]]]:
    """(cfn-lint rule, tmpllint rule) -> [(path, line, resource)] where both report the
    same line of the same resource (or of the same parameter or output)."""
    places: dict[tuple, list[dict]] = defaultdict(list)
    for finding in findings:
        places[(finding["path"], finding["line"], finding["resource"])].append(finding)
    pairs: dict[tuple[str, str], list] = defaultdict(list)
    for (path, line, resource), here in sorted(places.items(), key=str):
        theirs = sorted({f["rule"] for f in here if f["source"] == "cfn-lint"})
        ours = sorted({f["rule"] for f in here if f["source"] == "tmpllint"})
        for cfn in theirs:
            for rule in ours:
                pairs[(cfn, rule)].append((path, line, resource or ""))
    return dict(pairs)


def uncovered(findings: list[dict]) -> list[dict]:
    """Findings of superseded cfn-lint rules where none of the rules that supersede it
    reports anything on the same resource (or parameter or output line): what turning
    the cfn-lint rule off loses."""
    from tmpllint.selection import superseded_by

    ours = {(f["path"], f["resource"], f["rule"]) for f in findings if f["resource"]}
    ours |= {(f["path"], f["line"], f["rule"]) for f in findings if not f["resource"]}
    lost = []
    for finding in findings:
        by = superseded_by(finding["rule"])
        where = finding["resource"] or finding["line"]
        if by and not any((finding["path"], where, rule) in ours for rule in by):
            lost.append(finding)
    return lost


def status(pair: tuple[str, str]) -> str:
    from tmpllint.selection import superseded_by

    if pair[1] in superseded_by(pair[0]):
        return "superseded"
    return "different" if pair in REVIEWED else "NEW"


def lint(paths: list[str], jobs: int) -> list[dict]:
    """Every finding of every rule (superseded cfn-lint rules included), as JSON dicts."""
    from tmpllint.discovery import discover
    from tmpllint.runner import RunOptions, lint_files
    from tmpllint.selection import RuleSelection

    options = RunOptions(selection=RuleSelection(overlaps="keep"), jobs=jobs, cache=False)
    results = lint_files(discover(paths), options)
    return [finding.to_dict() for result in results for finding in result.findings]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", help="templates or folders (default: the corpus)")
    parser.add_argument("--json", metavar="REPORT", help="read this lint JSON report instead")
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args(argv)
    if args.json:
        findings = json.loads(Path(args.json).read_text(encoding="utf-8"))["findings"]
    else:
        paths = args.paths or [str(DEFAULT_CORPUS)]
        missing = [p for p in paths if not Path(p).exists()]
        if missing:
            print(f"overlaps: {', '.join(missing)} not found; nothing to compare (skipped)")
            return 0
        findings = lint(paths, args.jobs)
    pairs = coincidences(findings)
    counts = Counter({pair: len(places) for pair, places in pairs.items()})
    print(f"{'cfn-lint':<9} {'tmpllint':<9} {'lines':>6}  status")
    for pair, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        print(f"{pair[0]:<9} {pair[1]:<9} {count:>6}  {status(pair)}")
    lost = uncovered(findings)
    print(f"\nsuperseded findings with no superseding finding on the same resource: {len(lost)}")
    for finding in lost:
        print(f"  {finding['rule']}  {finding['path']}:{finding['line']}  "
              f"[{finding['resource'] or ''}]  {finding['message'][:90]}")
    new = [pair for pair in counts if status(pair) == "NEW"]
    for pair in sorted(new):
        print(f"\nNEW {pair[0]} + {pair[1]}, e.g.:")
        for path, line, resource in pairs[pair][:3]:
            print(f"  {path}:{line}  [{resource}]")
    return 1 if new else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
