"""What every command of the CLI shares: exit codes, option enums, usage errors."""

from __future__ import annotations

from enum import Enum
from typing import List, Optional

import typer

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_FILE_ERROR = 0, 1, 2, 3


class Format(str, Enum):
    text = "text"
    json = "json"
    sarif = "sarif"
    junit = "junit"
    github = "github"


class ListFormat(str, Enum):
    text = "text"
    json = "json"


class Level(str, Enum):
    error = "error"
    warning = "warning"
    info = "info"


def _split(values: Optional[List[str]]) -> tuple[str, ...]:
    """`--ignore W9001,W9002 --ignore E3` -> ("W9001", "W9002", "E3")."""
    return tuple(part.strip().upper() for value in values or [] for part in value.split(",")
                 if part.strip())


def _fail(message: str, code: int = EXIT_USAGE) -> None:
    typer.echo(f"tmpllint: error: {message}", err=True)
    raise typer.Exit(code)
