"""`tmpllint new` when a person is at the terminal: without a pattern it offers the list,
and a pattern given without any of its options asks for them (typer prompts with the
defaults shown, on stderr so that a template printed to stdout stays clean). Nothing is
ever asked when stdin is not a terminal (pipes, CI, pre-commit): the defaults apply.
"""

from __future__ import annotations

import sys
from enum import Enum

import typer

#: Options of every `tmpllint new PATTERN` that say where to write, not what.
OUTPUT_OPTIONS = ("out", "force", "project")


def interactive() -> bool:
    """True when stdin is a terminal (a person can answer)."""
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def _given(context: typer.Context, name: str) -> bool:
    source = context.get_parameter_source(name)
    return source is not None and source.name not in ("DEFAULT", "DEFAULT_MAP")


def ask(context: typer.Context, **values):
    """`values` (the pattern's options as the command received them), with each asked at
    the terminal when none was given on the command line; unchanged otherwise."""
    options = {p.name: p for p in context.command.params
               if p.param_type_name == "option" and p.name in values}
    if not interactive() or any(_given(context, name) for name in options):
        return values
    answers = dict(values)
    for name, param in options.items():
        current = values[name]
        label = f"{param.opts[0]} ({param.help})" if param.help else param.opts[0]
        if isinstance(current, bool):
            answers[name] = typer.confirm(label, default=current, err=True)
            continue
        if isinstance(current, Enum):
            label += f" [{'/'.join(member.value for member in type(current))}]"
        default = current.value if isinstance(current, Enum) else current
        answers[name] = typer.prompt(label, default=default, err=True,
                                     value_proc=lambda text, c=current, p=param: _convert(text, c, p))
    return answers


def choose_pattern(patterns: dict) -> tuple[str, str | None]:
    """Ask which pattern to write and where: (pattern, project folder or None for stdout)."""
    names = list(patterns)
    for number, (name, module) in enumerate(patterns.items(), 1):
        typer.echo(f"{number}. {name:<16} {module.SUMMARY}", err=True)
    answer = typer.prompt("Pattern (name or number)", default=names[0], err=True,
                          value_proc=lambda text: _pattern(text, names))
    folder = typer.prompt("Project folder (empty: print the template)", default="",
                          show_default=False, err=True)
    return answer, folder.strip() or None


def _pattern(text: str, names: list[str]) -> str:
    text = text.strip()
    if text.isdigit() and 1 <= int(text) <= len(names):
        return names[int(text) - 1]
    if text in names:
        return text
    raise typer.BadParameter(f"choose one of {', '.join(names)} or 1-{len(names)}")


def _convert(text: str, current, param):
    """The answer as the option's type, or BadParameter (the prompt asks again)."""
    text = str(text).strip()
    if isinstance(current, Enum):
        try:
            return type(current)(text)
        except ValueError:
            raise typer.BadParameter(
                f"choose one of {', '.join(member.value for member in type(current))}") from None
    if isinstance(current, int):
        low, high = getattr(param, "min", None), getattr(param, "max", None)
        if not text.lstrip("-").isdigit() or (low is not None and int(text) < low) \
                or (high is not None and int(text) > high):
            raise typer.BadParameter(f"a whole number from {low} to {high}")
        return int(text)
    return text
