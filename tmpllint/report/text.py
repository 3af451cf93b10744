"""`--format text`: findings grouped by file, one line each, and a summary line.

`path:line:col  ID  message  [resource]`; `--verbose` adds clean and skipped files and
the notes cfn-lint logged for a file (`path  note: ...`). On a terminal the lines are coloured by
severity with rich (messages are rich `Text`, never markup, so a `[` prints as itself);
otherwise the same lines are written plainly, without importing rich at all.
"""

from __future__ import annotations

from tmpllint.findings import SEVERITIES, FileResult, severity_rank, summarize

STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def _lines(results: list[FileResult], verbose: bool, summary: str, show: str):
    """(style, [(text, style)...]) per output line; style None means plain. Findings
    below `show` are left to the summary line."""
    for result in results:
        if result.status == "skipped":
            if verbose:
                yield [(f"{result.path}  skipped: {result.skipped}", "dim")]
            continue
        for finding in result.findings:
            if severity_rank(finding.severity) < severity_rank(show):
                continue
            parts = [(f"{finding.path}:{finding.line}:{finding.column}  ", None),
                     (finding.rule, STYLE[finding.severity]), (f"  {finding.message}", None)]
            if finding.resource:
                parts.append((f"  [{finding.resource}]", "dim"))
            yield parts
        if result.error:
            yield [(f"{result.path}  error: {result.error}", "bold red")]
        if verbose:
            for note in result.notes:
                yield [(f"{result.path}  note: {note}", "dim")]
        if verbose and result.status == "ok" and not result.findings:
            yield [(f"{result.path}  ok", "green")]
    yield [(summary, "bold")]


def render(results: list[FileResult], *, color: bool = False, verbose: bool = False,
           extra: dict | None = None) -> str:
    show = (extra or {}).get("show") or "info"
    summary = _summary_line(results) + _hidden(results, show)
    baseline = (extra or {}).get("baseline")
    if baseline:
        summary += (f"; {baseline['baselined']} baselined, {baseline['stale']} stale "
                    f"baseline entr{'y' if baseline['stale'] == 1 else 'ies'}")
    lines = list(_lines(results, verbose, summary, show))
    if not color:
        return "".join("".join(text for text, _ in parts) + "\n" for parts in lines)
    import io

    from rich.console import Console
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, highlight=False, soft_wrap=True, width=200)
    for parts in lines:
        line = Text()
        for text, style in parts:
            line.append(text, style=style)
        console.print(line)
    return buffer.getvalue()


def _hidden(results: list[FileResult], show: str) -> str:
    """`; not shown: 3 infos (--show info lists them)` for findings below `show`."""
    below = SEVERITIES[:severity_rank(show)]
    counts = {level: sum(1 for result in results for finding in result.findings
                         if finding.severity == level) for level in below}
    if not any(counts.values()):
        return ""
    hidden = ", ".join(f"{count} {level}{'s' * (count != 1)}"
                       for level, count in sorted(counts.items(), key=lambda item: -severity_rank(item[0]))
                       if count)
    lowest = next(level for level in SEVERITIES if counts.get(level))
    return f"; not shown: {hidden} (--show {lowest} lists them)"


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
