"""`tmpllint rules` and `tmpllint explain`: the rule catalog, without importing cfn-lint."""

from __future__ import annotations

import typer

from tmpllint.cli_common import ListFormat, _fail

def rules(
    fmt: ListFormat = typer.Option(ListFormat.text, "--format", "-f", help="Output format."),
    all_rules: bool = typer.Option(False, "--all", help="Include cfn-lint's own rules."),
) -> None:
    """List every rule: id, severity, family and what it checks."""
    import json

    from tmpllint.catalog import cfn_lint_rules, pack_rules
    from tmpllint.selection import DEMOTED

    from tmpllint.fix.registry import describe

    docs = pack_rules() + (cfn_lint_rules() if all_rules else [])
    if fmt is ListFormat.json:
        typer.echo(json.dumps([dict(doc.to_dict(), fix=describe(doc.id)) for doc in docs], indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, pad_edge=False, show_edge=False)
    for column in ("id", "severity", "family", "fix", "what it checks"):
        table.add_column(column, overflow="fold")
    for doc in docs:
        note = (f"superseded by {', '.join(doc.superseded_by)} (off by default): "
                if doc.superseded_by else "reported at info: " if doc.id in DEMOTED else "")
        table.add_row(doc.id, doc.severity, doc.family, (describe(doc.id) or {}).get("safety", ""),
                      note + doc.shortdesc)
    # the fix column takes 9 characters: a pipe or a file gets 100 columns, not rich's 80
    console = Console(highlight=False, soft_wrap=False)
    if not console.is_terminal:
        console.width = max(console.width, 100)
    console.print(table)


def explain(rule_id: str = typer.Argument(..., metavar="ID", help="A rule id, e.g. W9002.")) -> None:
    """Print a rule's documentation: what it checks, why, and a failing and a passing example."""
    from tmpllint.catalog import find

    doc, close = find(rule_id)
    if doc is None:
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        _fail(f"unknown rule id '{rule_id}'.{hint} (`tmpllint rules` lists them all)")
    lines = [f"{doc.id} ({doc.severity}, {doc.family}): {doc.shortdesc}", "",
             "What it checks", _wrap(doc.description)]
    if doc.why:
        lines += ["", "Why it matters", _wrap(doc.why)]
    if doc.seeds:
        lines += ["", "From the study notes", *[f"  {seed}" for seed in doc.seeds]]
    lines += _overlap_lines(doc)
    if doc.example_fail:
        lines += ["", "Fails", _indent(doc.example_fail)]
    if doc.example_pass:
        lines += ["", "Passes", _indent(doc.example_pass)]
    from tmpllint.fix.registry import describe

    fix = describe(doc.id)
    if fix:
        safety = {"safe": "safe", "depends": "safe or unsafe depending on the resource",
                  "unsafe": f"unsafe: {fix['unsafe_reason']}"}[fix["safety"]]
        lines += ["", f"Fix (`tmpllint fix`, {safety})", _wrap(fix["fix"])]
    if doc.source_url:
        lines += ["", f"More: {doc.source_url}"]
    typer.echo("\n".join(lines))


def _overlap_lines(doc) -> list[str]:
    """What a tmpllint rule supersedes, or what supersedes a cfn-lint rule."""
    from tmpllint.selection import DEMOTED, SUPERSEDED

    keep = ('cfn-lint-overlaps = "keep" in [tool.tmpllint] (cfn-lint-overlaps: keep in '
            '.tmpllint.yaml) turns {} back on.')
    if doc.superseded_by:
        return ["", "Superseded", _wrap(f"by {', '.join(doc.superseded_by)}: "
                                        f"{SUPERSEDED[doc.id][1]}. Off by default; {keep.format('it')}")]
    if doc.id in DEMOTED:
        return ["", "Reported at info", _wrap(f"{DEMOTED[doc.id]}. tmpllint reports it at info, "
                                              "below the default gate; cfn-lint-overlaps = \"keep\" "
                                              "restores cfn-lint's own severity.")]
    from tmpllint.accepted import INFO_WHY

    if doc.id in INFO_WHY:
        return ["", "Reported at info where it changes nothing",
                _wrap(f"{INFO_WHY[doc.id]}. Findings where it changes nothing are reported at "
                      "info, the others at cfn-lint's own severity; cfn-lint-overlaps = "
                      "\"keep\" restores cfn-lint's severity for all.")]
    if doc.supersedes:
        return ["", "Supersedes", *[_wrap(f"cfn-lint {rule}: {SUPERSEDED[rule][1]}")
                                    for rule in doc.supersedes],
                _wrap(f"Off by default while tmpllint runs; {keep.format('them')}")]
    return []


def _wrap(text: str) -> str:
    import textwrap

    return textwrap.fill(text, width=88, initial_indent="  ", subsequent_indent="  ",
                         break_on_hyphens=False)


def _indent(snippet: str) -> str:
    return "\n".join("    " + line for line in snippet.rstrip("\n").splitlines())
