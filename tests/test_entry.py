"""`tmpllint explain ID` and `tmpllint rules` answered by tmpllint/entry.py without
building the typer command line: the same output and exit code as through it, and
without importing pydantic (the point of the short path)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

ENV = dict(os.environ, COLUMNS="100")


def _run(args: list[str], through_cli: bool) -> subprocess.CompletedProcess:
    code = ("import sys; sys.argv = ['tmpllint'] + sys.argv[1:]; "
            + ("from tmpllint.cli import main" if through_cli else "from tmpllint.entry import main")
            + "; main()")
    return subprocess.run([sys.executable, "-X", "importtime", "-c", code, *args],
                          capture_output=True, text=True, env=ENV, timeout=120)


def _without_importtime(stderr: str) -> str:
    return "\n".join(line for line in stderr.splitlines() if not line.startswith("import time:"))


@pytest.mark.parametrize("args", [["rules"], ["rules", "--all"], ["explain", "W9101"],
                                  ["explain", "E3012"], ["explain", "W9999"]])
def test_short_path_prints_what_the_command_line_prints(args):
    short, full = _run(args, through_cli=False), _run(args, through_cli=True)
    assert (short.returncode, short.stdout) == (full.returncode, full.stdout)
    assert _without_importtime(short.stderr) == _without_importtime(full.stderr)
    assert "pydantic" not in short.stderr and "pydantic" in full.stderr
    assert short.returncode == (2 if args[1:] == ["W9999"] else 0)


@pytest.mark.parametrize("args", [["rules", "--format", "json"], ["explain", "--help"],
                                  ["lint", "--help"]])
def test_anything_else_goes_to_the_command_line(args):
    short = _run(args, through_cli=False)
    assert short.returncode == 0
    assert "pydantic" in short.stderr
