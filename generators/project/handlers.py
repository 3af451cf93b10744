"""Handler code and tests for the functions a template names.

Functions whose code lives in a folder (`CodeUri`) get that folder: the handler module
(`app.py` for `app.handler`) and the shared modules it imports, copied into every folder
since each is deployed on its own. Functions with inline code (`ZipFile`, `InlineCode`)
keep it in the template; their tests read it from there. Which code a function gets is
decided by its logical id (`KINDS`); a function no entry matches is an error, so a new
function in a generator cannot silently ship without code.
"""

from __future__ import annotations

import re
from importlib import resources

#: logical id pattern -> (handler data file, test data file, shared modules it imports)
KINDS = (
    (re.compile(r"ListItems"), "list_items.py", "test_list_items.py", ("jsonlog.py", "web.py")),
    (re.compile(r"CreateItem"), "create_item.py", "test_create_item.py", ("jsonlog.py", "web.py")),
    (re.compile(r"Consumer(\d+)"), "consumer.py", "test_consumer.py", ("jsonlog.py",)),
    (re.compile(r"Validate"), "workflow_validate.py", "test_workflow_validate.py", ("jsonlog.py",)),
    (re.compile(r"Process"), "workflow_process.py", "test_workflow_process.py", ("jsonlog.py",)),
    (re.compile(r"Notify"), "workflow_notify.py", "test_workflow_notify.py", ("jsonlog.py",)),
    (re.compile(r"EventHandler"), "event_handler.py", "test_event_handler.py", ("jsonlog.py",)),
    (re.compile(r"QueueConsumer"), "queue_consumer.py", "test_queue_consumer.py", ("jsonlog.py",)),
)
KINDS += ((re.compile(r"Processor"), "processor.py", "test_processor.py", ("jsonlog.py",)),)
#: inline functions (logical id -> test data file); their code stays in the template.
INLINE_TESTS = {
    "Preflight": "test_preflight.py",
    "DefaultSecurityGroupLockdownFunction": "test_default_security_group_lockdown.py",
}
FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")
#: every project's tests: the helpers and the consistency checks
COMMON_TESTS = ("conftest.py", "test_project.py")
#: test helpers (data file -> the functions whose tests import it), written to tests/
TEST_HELPERS = {"eventbridge_sample.py": re.compile(r"EventHandler|QueueConsumer")}


class ProjectError(ValueError):
    """The template cannot be made into a project (the message says why)."""


def data(name: str) -> str:
    return resources.files(__package__).joinpath("files", name).read_text(encoding="utf-8")


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def functions(template) -> list[dict]:
    """Each function of `template`: logical id, runtime, handler, code folder (None when inline)."""
    defaults = (template.get("Globals") or {}).get("Function") or {}
    found = []
    for name, resource in template["Resources"].items():
        if resource.get("Type") not in FUNCTION_TYPES:
            continue
        properties = resource.get("Properties") or {}
        code_uri = properties.get("CodeUri")
        found.append({
            "name": name,
            "runtime": properties.get("Runtime", defaults.get("Runtime")),
            "handler": properties.get("Handler", defaults.get("Handler")),
            "folder": code_uri.rstrip("/") if isinstance(code_uri, str) else None,
            "environment": sorted(((properties.get("Environment") or {}).get("Variables") or {})),
        })
    return found


def check_runtimes(template) -> None:
    """Handlers are written in Python only: refuse other runtimes with the fix."""
    for function in functions(template):
        if function["folder"] and not str(function["runtime"]).startswith("python"):
            raise ProjectError(
                f"--project writes Python handlers and tests, and {function['name']} runs "
                f"{function['runtime']}: use --runtime python3.12 or python3.13 (or drop "
                "--project and write the code yourself)")


def files(template) -> dict[str, str]:
    """path -> text of the code folders and tests of every function of `template`."""
    check_runtimes(template)
    out = {f"tests/{name}": data(name) for name in COMMON_TESTS}
    for function in functions(template):
        if function["folder"] is None:
            test = INLINE_TESTS.get(function["name"])
            if test is None:
                raise ProjectError(f"no test is known for the inline function {function['name']}")
            out[f"tests/{test}"] = data(test)
            continue
        kind = next((k for k in KINDS if k[0].fullmatch(function["name"])), None)
        if kind is None:
            raise ProjectError(f"no handler is known for the function {function['name']}")
        pattern, handler_file, test_file, shared = kind
        module, _ = function["handler"].rsplit(".", 1)
        folder = function["folder"]
        out[f"{folder}/{module}.py"] = data(handler_file)
        for name in shared:
            out[f"{folder}/{name}"] = data(name)
        number = pattern.fullmatch(function["name"]).groups()
        test_text = data(test_file).replace("__FOLDER__", folder)
        test_text = test_text.replace("__NUMBER__", number[0] if number else "")
        out[f"tests/test_{snake(folder)}.py"] = test_text
    for helper, users in TEST_HELPERS.items():
        if any(users.fullmatch(function["name"]) for function in functions(template)):
            out[f"tests/{helper}"] = data(helper)
    return out
