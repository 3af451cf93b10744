"""`--format github`: GitHub Actions workflow commands, one annotation per finding.

`::error file=...,line=...,col=...,endLine=...,endColumn=...,title=ID::message`
(`::warning` and `::notice` for the other severities); values are escaped as the
workflow-command syntax requires. `--verbose` adds cfn-lint's notes for a file as
`::notice`, clean and skipped files as plain log lines, and the summary line.
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
        if verbose:
            lines.extend(_verbose_lines(result))
    if verbose:
        from tmpllint.report.text import _summary_line

        lines.append(_summary_line(results))
    return "\n".join(lines) + ("\n" if lines else "")


def _verbose_lines(result: FileResult) -> list[str]:
    """--verbose: cfn-lint's notes as notices; clean and skipped files as plain log lines
    (not annotations: a pull request does not need one per clean file)."""
    where = relative_uri(result.path)
    lines = [f"::notice file={_property(where)},title=cfn-lint::{_data(note)}"
             for note in result.notes]
    if result.status == "skipped":
        lines.append(f"{where}  skipped: {result.skipped}")
    elif result.status == "ok" and not result.findings:
        lines.append(f"{where}  ok")
    return lines
