"""The project's files agree with template.yaml: every code folder has its handler, and
the deploy configuration passes only parameters the template declares."""

import ast
import re
import shlex

import pytest

from conftest import ROOT

TEMPLATE = (ROOT / "template.yaml").read_text(encoding="utf-8")


def _parameters():
    return set(re.findall(r"^  (\w+):", _section("Parameters"), re.M))


def _section(name):
    block = re.search(rf"^{name}:\n((?:[ #].*\n|\n)*)", TEMPLATE, re.M)
    return block.group(1) if block else ""


def _code_folders():
    """(CodeUri, Handler) of every function whose code lives in a folder."""
    default = re.search(r"^ +Handler: (\S+)$", _section("Globals"), re.M)
    found = []
    for chunk in re.split(r"^  (?=\w)", _section("Resources"), flags=re.M):
        folder = re.search(r"^ +CodeUri: (\S+)$", chunk, re.M)
        if folder:
            handler = re.search(r"^ +Handler: (\S+)$", chunk, re.M) or default
            found.append((folder.group(1), handler.group(1)))
    return found


def test_every_code_folder_has_its_handler():
    for folder, handler in _code_folders():
        module, function = handler.rsplit(".", 1)
        source = (ROOT / folder / f"{module}.py").read_text(encoding="utf-8")
        names = {node.name for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)}
        assert function in names, f"{folder}{module}.py has no function {function}"


def test_deploy_configuration_names_only_declared_parameters():
    if (ROOT / "samconfig.toml").exists():
        tomllib = pytest.importorskip("tomllib")
        config = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))
        overrides = config["default"]["deploy"]["parameters"].get("parameter_overrides", "")
        given = {item.split("=", 1)[0] for item in shlex.split(overrides)}
    else:
        given = set(re.findall(r'^ +"(\w+)=', (ROOT / "deploy.sh").read_text(encoding="utf-8"), re.M))
    assert given <= _parameters()
