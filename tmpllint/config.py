"""Configuration: `[tool.tmpllint]` in pyproject.toml or `.tmpllint.yaml`, CLI on top.

The file is found by walking up from the working directory; in each folder
`.tmpllint.yaml` is looked for first, then a pyproject.toml that has a `[tool.tmpllint]`
table. Keys mirror the command line. An unknown key or a bad value is a usage error
that names the key and the file. Every effective value remembers where it came from,
for `tmpllint config`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

FAIL_LEVELS = ("error", "warning", "info")
FORMATS = ("text", "json", "sarif", "junit", "github")


class ConfigError(Exception):
    """A configuration file is unreadable or has an unknown key or a bad value."""


def _string_list(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [part for part in value.split(",")]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("a list of strings")
    return [v.strip() for v in value if v.strip()]


def _choice(choices: tuple[str, ...]) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in choices:
            raise ValueError(f"one of {', '.join(choices)}")
        return value
    return check


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError("a number of seconds, 0 or more")
    return float(value)


def _jobs(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("a whole number, 1 or more")
    return value


def _size(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError("a size such as 2G, 512M or a number of bytes")
    return str(value)


def _per_file(value: Any) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        raise ValueError("a mapping of glob -> list of rule ids")
    return {str(glob): _string_list(rules) for glob, rules in value.items()}


def _path(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("a file path")
    return value


#: key -> (validator, default). Keys mirror the CLI options.
KEYS: dict[str, tuple[Callable[[Any], Any], Any]] = {
    "ignore": (_string_list, []),
    "only": (_string_list, []),
    "fail-on": (_choice(FAIL_LEVELS), "warning"),
    "regions": (_string_list, ["us-east-1"]),
    "format": (_choice(FORMATS), "text"),
    "exclude": (_string_list, []),
    "per-file-ignores": (_per_file, {}),
    "timeout": (_number, 60.0),
    "max-memory": (_size, "2G"),
    "jobs": (_jobs, None),
    "baseline": (_path, None),
    # cfn-lint rules that a tmpllint rule supersedes (selection.SUPERSEDED): "drop" them
    # (the default) or "keep" them running
    "cfn-lint-overlaps": (_choice(("drop", "keep")), "drop"),
    # the lowest severity the text report lists; default: the fail-on level
    "show": (_choice(FAIL_LEVELS), None),
}


@dataclass
class Settings:
    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    file: Path | None = None

    def __getitem__(self, key: str) -> Any:
        return self.values[key]


def find_file(start: Path) -> tuple[Path, dict] | None:
    """The nearest configuration file at or above `start`, with its raw table."""
    for folder in [start, *start.parents]:
        yaml_file = folder / ".tmpllint.yaml"
        if yaml_file.is_file():
            return yaml_file, _read_yaml(yaml_file)
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            table = _read_toml(pyproject).get("tool", {}).get("tmpllint")
            if table is not None:
                if not isinstance(table, dict):
                    raise ConfigError(f"{pyproject}: [tool.tmpllint] must be a table")
                return pyproject, table
    return None


def _read_yaml(path: Path) -> dict:
    from ruamel.yaml import YAML, YAMLError

    try:
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except (OSError, YAMLError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: cannot read it: {err}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the file must be a mapping of settings")
    return data


def _read_toml(path: Path) -> dict:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: cannot read it: {err}") from None


def load(start: Path | None = None, cli: dict[str, Any] | None = None) -> Settings:
    """Defaults, then the configuration file, then the command line (values not None)."""
    settings = Settings()
    for key, (_, default) in KEYS.items():
        settings.values[key] = default
        settings.sources[key] = "default"
    found = find_file((start or Path.cwd()).resolve())
    if found:
        path, table = found
        settings.file = path
        for key, raw in table.items():
            if key not in KEYS:
                raise ConfigError(f"{path}: unknown key '{key}' (known: {', '.join(KEYS)})")
            try:
                settings.values[key] = KEYS[key][0](raw)
            except ValueError as err:
                raise ConfigError(f"{path}: '{key}' must be {err}, not {raw!r}") from None
            settings.sources[key] = str(path)
    for key, value in (cli or {}).items():
        if value is not None:
            settings.values[key] = value
            settings.sources[key] = "command line"
    return settings
