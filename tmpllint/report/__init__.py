"""Reporters: each turns the run's `FileResult`s into one output format."""

from __future__ import annotations

from tmpllint.findings import FileResult

FORMATS = ("text", "json")


def render(fmt: str, results: list[FileResult], *, color: bool, verbose: bool) -> str:
    """The report in format `fmt` (one of FORMATS)."""
    if fmt == "json":
        from tmpllint.report.json import render as renderer
    else:
        from tmpllint.report.text import render as renderer
    return renderer(results, color=color, verbose=verbose)
