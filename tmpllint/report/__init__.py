"""Reporters: each turns the run's `FileResult`s into one output format."""

from __future__ import annotations

from tmpllint.findings import FileResult

import importlib

FORMATS = ("text", "json", "sarif", "junit", "github")


def render(fmt: str, results: list[FileResult], *, color: bool, verbose: bool,
           extra: dict | None = None) -> str:
    """The report in format `fmt` (one of FORMATS); each lives in its own module.
    `extra` carries run facts beyond the files (the baseline's counts)."""
    module = importlib.import_module(f"tmpllint.report.{fmt}")
    return module.render(results, color=color, verbose=verbose, extra=extra or {})
