"""`--format json`: version 1 of the JSON contract in DESIGN.md ("Contracts").

Files that are not CloudFormation are listed under `skipped`, and a run with
`--baseline` adds `baseline: {file, baselined, stale}` (additions to the contract:
`files` keeps only "ok" and "error" statuses).
"""

from __future__ import annotations

import json

from tmpllint import __version__
from tmpllint.findings import FileResult, summarize


def render(results: list[FileResult], *, color: bool = False, verbose: bool = False,
           extra: dict | None = None) -> str:
    document = {
        "version": 1,
        "tool": {"name": "tmpllint", "version": __version__},
        "files": [
            {"path": result.path, "status": result.status, "error": result.error,
             "error_kind": result.error_kind, "notes": list(result.notes)}
            for result in results
            if result.status != "skipped"
        ],
        "skipped": [
            {"path": result.path, "reason": result.skipped}
            for result in results
            if result.status == "skipped"
        ],
        "findings": [finding.to_dict() for result in results for finding in result.findings],
        "summary": summarize(results),
        # keys starting with "_" are run facts for other formats (exit code, category)
        **{key: value for key, value in (extra or {}).items() if not key.startswith("_")},
    }
    return dumps(document)


def dumps(document) -> str:
    """`json.dumps(document, indent=2) + "\\n"`, without its peak memory: with an indent,
    json joins a list of every small piece of the text at once (~150 MB for 50,000
    findings, bench/scale.py); here the pieces go into one buffer as they come."""
    import io

    buffer = io.StringIO()
    for chunk in json.JSONEncoder(indent=2).iterencode(document):
        buffer.write(chunk)
    buffer.write("\n")
    return buffer.getvalue()
