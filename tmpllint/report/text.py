"""`--format text`: findings grouped by file, one line each, and a summary line.

`path:line:col  ID  message  [resource]`, coloured by severity with rich when the
output is a terminal. Messages are rich `Text`, never markup, so a `[` in a message
prints as itself.
"""

from __future__ import annotations

import io

from rich.console import Console
from rich.text import Text

from tmpllint.findings import FileResult, summarize

STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def render(results: list[FileResult], *, color: bool = False, verbose: bool = False,
           extra: dict | None = None) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color,
                      highlight=False, soft_wrap=True, width=200)
    for result in results:
        if result.status == "skipped":
            if verbose:
                console.print(Text(f"{result.path}  skipped: {result.skipped}", style="dim"))
            continue
        for finding in result.findings:
            line = Text(f"{finding.path}:{finding.line}:{finding.column}  ")
            line.append(finding.rule, style=STYLE[finding.severity])
            line.append(f"  {finding.message}")
            if finding.resource:
                line.append(f"  [{finding.resource}]", style="dim")
            console.print(line)
        if result.error:
            console.print(Text(f"{result.path}  error: {result.error}", style="bold red"))
        if verbose and result.status == "ok" and not result.findings:
            console.print(Text(f"{result.path}  ok", style="green"))
    summary = _summary_line(results)
    baseline = (extra or {}).get("baseline")
    if baseline:
        summary += (f"; {baseline['baselined']} baselined, {baseline['stale']} stale "
                    f"baseline entr{'y' if baseline['stale'] == 1 else 'ies'}")
    console.print(Text(summary, style="bold"))
    return buffer.getvalue()


def _summary_line(results: list[FileResult]) -> str:
    counts = summarize(results)
    failed = sum(1 for result in results if result.status == "error")
    skipped = sum(1 for result in results if result.status == "skipped")
    parts = [
        f"{counts['files']} file{'s' if counts['files'] != 1 else ''} linted",
        f"{counts['errors']} error{'s' if counts['errors'] != 1 else ''}",
        f"{counts['warnings']} warning{'s' if counts['warnings'] != 1 else ''}",
        f"{counts['infos']} info{'s' if counts['infos'] != 1 else ''}",
    ]
    if failed:
        parts.append(f"{failed} could not be linted")
    if skipped:
        parts.append(f"{skipped} skipped (not CloudFormation)")
    return ", ".join(parts)
