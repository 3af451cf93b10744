"""`--format github`: GitHub Actions workflow commands, one annotation per finding.

`::error file=...,line=...,col=...,endLine=...,endColumn=...,title=ID::message`
(`::warning` and `::notice` for the other severities); values are escaped as the
workflow-command syntax requires.
"""

from __future__ import annotations

from tmpllint.findings import FileResult
from tmpllint.report.sarif import relative_uri

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(results: list[FileResult], *, color: bool = False, verbose: bool = False,
           extra: dict | None = None) -> str:
    lines = []
    for result in results:
        for finding in result.findings:
            properties = ",".join([
                f"file={_property(relative_uri(finding.path))}", f"line={finding.line}",
                f"col={finding.column}", f"endLine={finding.end_line}",
                f"endColumn={finding.end_column}", f"title={_property(finding.rule)}",
            ])
            lines.append(f"::{COMMANDS[finding.severity]} {properties}::{_data(finding.message)}")
        if result.status == "error":
            lines.append(f"::error file={_property(relative_uri(result.path))},"
                         f"title=tmpllint::{_data(result.error or 'could not be linted')}")
    return "\n".join(lines) + ("\n" if lines else "")
