"""Helpers for the handler tests: load a function folder's module by path (each folder is
its own Lambda package), read a function's inline code from template.yaml, and keep the
tests away from real AWS accounts."""

import importlib.util
import sys
import textwrap
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Modules the function folders share by copy (each folder is deployed on its own).
SHARED = ("jsonlog", "web")


def load_handler(folder, module="app"):
    """The module `module` of the function folder `folder`, imported as Lambda would
    (the folder on sys.path), under a name of its own."""
    path = ROOT / folder
    sys.path.insert(0, str(path))
    try:
        for name in SHARED:
            sys.modules.pop(name, None)
        spec = importlib.util.spec_from_file_location(f"{folder}_{module}", path / f"{module}.py")
        loaded = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(loaded)
    finally:
        sys.path.remove(str(path))
        for name in SHARED:
            sys.modules.pop(name, None)
    return loaded


def inline_code(resource, template="template.yaml"):
    """The `ZipFile` or `InlineCode` of `resource` in `template`, as Python source."""
    lines = (ROOT / template).read_text(encoding="utf-8").splitlines()
    start = lines.index(f"  {resource}:")
    for number in range(start + 1, len(lines)):
        line = lines[number]
        if line.strip() and not line.startswith("   "):
            break  # the next resource, or its comment
        stripped = line.lstrip()
        if stripped.startswith(("ZipFile: |", "InlineCode: |")):
            indent = len(line) - len(stripped)
            body = []
            for text in lines[number + 1:]:
                if text.strip() and len(text) - len(text.lstrip()) <= indent:
                    break
                body.append(text)
            return textwrap.dedent("\n".join(body)) + "\n"
    raise LookupError(f"{resource} has no inline code in {template}")


def load_inline(resource, template="template.yaml"):
    """`resource`'s inline code (in `template`) as a module."""
    module = types.ModuleType(resource)
    exec(compile(inline_code(resource, template), f"{template}:{resource}", "exec"), module.__dict__)
    return module


class Context:
    aws_request_id = "test-request"
    function_name = "test"


@pytest.fixture
def context():
    return Context()


@pytest.fixture(autouse=True)
def no_real_aws(monkeypatch):
    """Placeholder credentials and a region: a call a test forgot to stub fails instead
    of reaching an account."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
