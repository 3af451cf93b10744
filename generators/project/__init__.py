"""`tmpllint new PATTERN --project DIR`: the template as a project a team can commit.

The folder holds `template.yaml`; a code folder with a Python handler for every function
whose code is not inline (standard library and boto3 only, structured JSON logs, the
environment the template sets); pytest tests for every handler, inline ones included,
with boto3 stubbed by botocore's Stubber; `samconfig.toml` (SAM) or `deploy.sh`
(`aws cloudformation deploy`); a README (diagram, parameters, deploy and delete
commands); `.pre-commit-config.yaml` and `.github/workflows/ci.yml` running tmpllint
and the tests.

Handlers are Python only: a template whose functions run another runtime is refused
(`handlers.check_runtimes`). The folder is written to a temporary sibling and renamed
into place; an existing non-empty folder is refused unless `force`, which replaces the
project's files one by one (each atomically) and leaves any other file alone.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import tempfile

from tmpllint.generators.project import docs, handlers
from tmpllint.generators.project.handlers import ProjectError

__all__ = ["ProjectError", "project_files", "write_project", "command_line", "stack_name"]


def stack_name(folder: str) -> str:
    """A CloudFormation stack name from the folder's name (letters, digits, hyphens)."""
    name = re.sub(r"[^A-Za-z0-9-]+", "-", os.path.basename(os.path.abspath(folder))).strip("-")
    if not name or not name[0].isalpha():
        name = f"stack-{name}".rstrip("-")
    return name[:128]


def command_line(pattern: str, options, folder: str) -> str:
    """The `tmpllint new` command that writes this project again."""
    parts = ["tmpllint", "new", pattern]
    for field in dataclasses.fields(options):
        value = getattr(options, field.name)
        flag = "--" + field.name.replace("_", "-")
        if isinstance(value, bool):
            parts += [flag] if value else []
        else:
            parts += [flag, str(value)]
    return " ".join(parts + ["--project", os.path.basename(os.path.abspath(folder)) or folder])


def _python_version(template) -> str:
    runtimes = [f["runtime"] for f in handlers.functions(template) if f["folder"]]
    match = re.fullmatch(r"python(\d+\.\d+)", str(runtimes[0])) if runtimes else None
    return match.group(1) if match else "3.12"


def project_files(pattern: str, options, folder: str) -> dict[str, str]:
    """path (relative, `/`-separated) -> text of every file of the project."""
    from tmpllint.generators import PATTERNS
    from tmpllint.yamlio import dump

    if hasattr(PATTERNS[pattern], "SITES"):  # a pair of templates for two regions (dr)
        from tmpllint.generators.project import pairs

        return pairs.project_files(pattern, options, folder)
    template = PATTERNS[pattern].build(options)
    stack = stack_name(folder)
    code = handlers.files(template)
    python = _python_version(template)
    out = {"template.yaml": dump(template)}
    out.update(code)
    if docs.is_sam(template):
        out["samconfig.toml"] = docs.samconfig(template, stack)
    else:
        out["deploy.sh"] = docs.deploy_script(template, stack, pattern)
    out["README.md"] = docs.readme(template, pattern=pattern, stack=stack,
                                   functions=handlers.functions(template),
                                   command=command_line(pattern, options, folder))
    out["requirements-dev.txt"] = docs.requirements()
    out[".pre-commit-config.yaml"] = docs.pre_commit()
    out[".github/workflows/ci.yml"] = docs.workflow(template, python)
    out[".gitignore"] = ".aws-sam/\n__pycache__/\n.pytest_cache/\n.tmpllint_cache/\n"
    return out


def _write_tree(root: str, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = os.path.join(root, *relative.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        if relative.endswith(".sh"):
            os.chmod(path, 0o755)


def write_project(pattern: str, options, folder: str, force: bool = False) -> list[str]:
    """Write the project into `folder`; the relative paths written, sorted.

    Raises FileExistsError for a non-empty `folder` without `force`, ProjectError when
    the template cannot be a project (a non-Python runtime)."""
    files = project_files(pattern, options, folder)
    target = os.path.abspath(folder)
    if os.path.exists(target):
        if not os.path.isdir(target):
            raise FileExistsError(f"{folder} exists and is not a folder")
        if os.listdir(target) and not force:
            raise FileExistsError(f"{folder} is not empty; pass --force to overwrite the project's files in it")
    parent = os.path.dirname(target)
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(dir=parent, prefix=f".{os.path.basename(target)}.tmpllint-")
    try:
        _write_tree(staging, files)
        if not os.path.exists(target) or not os.listdir(target):
            if os.path.exists(target):
                os.rmdir(target)
            os.rename(staging, target)
            os.chmod(target, 0o777 & ~_umask())
        else:  # --force over a non-empty folder: replace our files, keep the others
            for relative in files:
                source = os.path.join(staging, *relative.split("/"))
                destination = os.path.join(target, *relative.split("/"))
                os.makedirs(os.path.dirname(destination), exist_ok=True)
                os.replace(source, destination)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return sorted(files)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
