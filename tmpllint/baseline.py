"""Baselines: let a CI gate start on an old repository and fail only on new findings.

`--write-baseline FILE` records every current finding by file and fingerprint (rule,
resource, property path and a hash of the offending value: line numbers are not part of
it, so unrelated edits do not turn old findings into new ones). `--baseline FILE`
reports only findings the baseline does not hold, counting how many it matched and how
many of its entries are now stale (fixed, or moved away).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from tmpllint.atomic import write_text_atomic
from tmpllint.config import ConfigError
from tmpllint.findings import FileResult
from tmpllint.report.sarif import relative_uri

VERSION = 1


@dataclass
class BaselineOutcome:
    matched: int
    stale: int


def write(path: str, results: list[FileResult]) -> int:
    """Write the baseline atomically; returns how many findings it records."""
    entries = sorted(
        ({"path": relative_uri(f.path), "fingerprint": f.fingerprint, "rule": f.rule,
          "resource": f.resource} for r in results for f in r.findings),
        key=lambda e: (e["path"], e["rule"], e["fingerprint"]))
    document = {"version": VERSION, "tool": "tmpllint", "findings": entries}
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(target, json.dumps(document, indent=1) + "\n", prefix=".baseline-")
    return len(entries)


def load(path: str) -> Counter:
    """(file, fingerprint) -> how many findings of that kind the baseline holds."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        entries = document["findings"]
        if document.get("version") != VERSION:
            raise ValueError(f"version {document.get('version')!r}, expected {VERSION}")
        return Counter((entry["path"], entry["fingerprint"]) for entry in entries)
    except FileNotFoundError:
        raise ConfigError(f"baseline {path} does not exist (write it with --write-baseline)") from None
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ConfigError(f"baseline {path} is not a tmpllint baseline: {err}") from None


def apply(results: list[FileResult], baseline: Counter) -> tuple[list[FileResult], BaselineOutcome]:
    """Results without the baselined findings, and what the baseline matched."""
    remaining = Counter(baseline)
    matched = 0
    kept_results = []
    for result in results:
        kept = []
        for finding in result.findings:
            key = (relative_uri(finding.path), finding.fingerprint)
            if remaining[key] > 0:
                remaining[key] -= 1
                matched += 1
            else:
                kept.append(finding)
        kept_results.append(replace(result, findings=kept))
    return kept_results, BaselineOutcome(matched=matched, stale=sum(remaining.values()))
