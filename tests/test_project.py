"""Issue 17 items 1 and 3: `tmpllint new PATTERN --project DIR` writes a project whose own
tests pass, which lints clean at `--fail-on info`, whose handlers import without AWS
credentials and whose README's commands are the ones its files support; and `tmpllint
new` asks questions on a terminal only."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import select
import shlex
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import ROOT
from tmpllint import cli, prompts
from tmpllint.generators import PATTERNS, fanout, render, vpc
from tmpllint.generators.project import docs, stack_name

TMPLLINT = str(Path(sys.executable).with_name("tmpllint"))
#: One project per pattern, with the options that give it the most code (inline
#: functions, required parameters), and the exact number of tests it carries.
PROJECTS = {
    "vpc": ([], 6),
    "three-tier": ([], 6),
    "static-site": (["--custom-domain"], 2),
    "serverless-api": (["--api", "rest"], 21),
    "fanout": (["--queues", "2"], 8),
    "event-driven": ([], 15),
    "stream": ([], 7),
    "workflow": (["--type", "express", "--trigger", "schedule"], 14),
    "ecs-fargate": ([], 6),
    "dr": (["--strategy", "pilot-light"], 7),
}
#: The projects of SAM patterns (samconfig.toml, sam commands; the others get deploy.sh).
SAM_PROJECTS = {"serverless-api", "fanout", "workflow", "event-driven", "stream"}
#: Patterns whose project holds two templates (SITE/template.yaml) deployed in two regions.
PAIRED = {"dr": ("primary", "recovery")}


def _templates(pattern) -> list[str]:
    return [f"{pattern}/{site}/template.yaml" for site in PAIRED[pattern]] if pattern in PAIRED \
        else [f"{pattern}/template.yaml"]


def test_every_pattern_has_a_project_test():
    assert set(PROJECTS) == set(PATTERNS)


def _new(*args, input=None):
    return CliRunner().invoke(cli.app, ["new", *args], input=input)


@pytest.fixture(scope="module")
def projects(tmp_path_factory):
    root = tmp_path_factory.mktemp("projects")
    for pattern, (options, _) in PROJECTS.items():
        done = _new(pattern, *options, "--project", str(root / pattern))
        assert done.exit_code == 0, done.output
    return root


def _no_aws_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["HOME"] = "/nonexistent"  # no ~/.aws either
    return env


@pytest.mark.parametrize("pattern", PROJECTS)
def test_the_generated_tests_pass_without_an_aws_account(projects, pattern):
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                          cwd=projects / pattern, env=_no_aws_env(),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(rf"\b{PROJECTS[pattern][1]} passed\b", done.stdout), done.stdout


def test_every_project_lints_clean_and_only_its_template_is_linted(projects):
    done = subprocess.run([TMPLLINT, "lint", *PROJECTS, "--fail-on", "info", "-f", "json", "--jobs", "1"],
                          cwd=projects, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    report = json.loads(done.stdout)
    assert sorted(f["path"] for f in report["files"]) == sorted(t for p in PROJECTS for t in _templates(p))
    assert report["findings"] == []
    # the pre-commit configuration is YAML but not a template; tests and workflows are never looked at
    assert sorted(s["path"] for s in report["skipped"]) == sorted(f"{p}/.pre-commit-config.yaml" for p in PROJECTS)
    # the pre-commit hook names staged files, the workflow included: skipped, not flagged
    named = subprocess.run([TMPLLINT, "lint", ".github/workflows/ci.yml", ".pre-commit-config.yaml",
                            "--fail-on", "info", "-f", "json"], cwd=projects / "fanout",
                           capture_output=True, text=True, timeout=120)
    assert named.returncode == 0 and len(json.loads(named.stdout)["skipped"]) == 2, named.stdout


@pytest.mark.parametrize("pattern", PROJECTS)
def test_handlers_compile_and_import_without_aws_credentials(projects, pattern):
    folders = sorted(path.parent for path in (projects / pattern).glob("*/app.py"))
    assert [f.name for f in folders] == {"serverless-api": ["createItem", "listItems"],
                                         "fanout": ["consumer1", "consumer2"],
                                         "workflow": ["notify", "process", "validate"],
                                         "event-driven": ["eventHandler", "queueConsumer"],
                                         "stream": ["processor"]}.get(pattern, [])
    script = "\n".join([
        "import importlib.util, py_compile, sys",
        "for folder in sys.argv[1:]:",
        "    py_compile.compile(folder + '/app.py', doraise=True)",
        "    sys.path.insert(0, folder)",
        "    for name in ('app', 'jsonlog', 'web'): sys.modules.pop(name, None)",
        "    module = importlib.import_module('app')",
        "    assert callable(module.handler)",
        "    sys.path.pop(0)",
    ])
    done = subprocess.run([sys.executable, "-B", "-c", script, *map(str, folders)], env=_no_aws_env(),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def _sh_blocks(readme: str) -> list[str]:
    return [line for block in re.findall(r"```sh\n(.*?)```", readme, re.S) for line in block.splitlines()]


@pytest.mark.parametrize("pattern", PROJECTS)
def test_readme_commands_are_the_ones_the_files_support(projects, pattern):
    folder = projects / pattern
    readme = (folder / "README.md").read_text()
    commands = _sh_blocks(readme)
    if pattern in SAM_PROJECTS:
        import tomllib

        config = tomllib.loads((folder / "samconfig.toml").read_text())
        stack = config["default"]["global"]["parameters"]["stack_name"]
        assert {"sam build", "sam deploy", f"sam delete --stack-name {stack}"} <= set(commands)
        assert not (folder / "deploy.sh").exists()
    else:
        script = folder / "deploy.sh"
        assert script.stat().st_mode & stat.S_IXUSR
        assert subprocess.run(["bash", "-n", str(script)]).returncode == 0
        text = script.read_text()
        stack = re.search(r'STACK_NAME="\$\{STACK_NAME:-([\w-]+)\}"', text).group(1)
        required = sorted(re.findall(r"\$\{(\w+):\?", text))
        deploy = [c for c in commands if c.endswith("./deploy.sh")]
        assert len(deploy) == 1
        assert sorted(word.split("=")[0] for word in shlex.split(deploy[0])[:-1]) == required
        if pattern in PAIRED:
            assert {f'aws cloudformation delete-stack --region "${site.upper()}_REGION" --stack-name '
                    f"{stack}-{site}" for site in PAIRED[pattern]} <= set(commands)
            assert sorted(re.findall(r"--template-file (\w+)/template.yaml", text)) == sorted(PAIRED[pattern])
        else:
            assert f"aws cloudformation delete-stack --stack-name {stack}" in commands
        assert not (folder / "samconfig.toml").exists()
    assert stack == stack_name(str(folder)) == pattern
    assert "tmpllint lint . --fail-on info" in commands and "python -m pytest" in commands
    assert "python -m pip install -r requirements-dev.txt" in commands
    assert "boto3" in (folder / "requirements-dev.txt").read_text().split()


@pytest.mark.parametrize("pattern", PROJECTS)
def test_readme_documents_every_parameter_and_reuses_the_diagram(projects, pattern):
    from tmpllint.generators.project import project_files

    readme = (projects / pattern / "README.md").read_text()
    options = _options(pattern)
    templates = [PATTERNS[pattern].build(dataclasses.replace(options, site=site)) for site in PAIRED[pattern]] \
        if pattern in PAIRED else [PATTERNS[pattern].build(options)]
    for template in templates:
        for name, spec in template.get("Parameters", {}).items():
            row = re.search(rf"^\| `{name}` \| .* \| (.*) \|$", readme, re.M)
            assert row and str(spec["Description"]).split(";")[0] in row.group(1), name
    repo_readme = (ROOT / "README.md").read_text()
    section = repo_readme[repo_readme.index(f"### {pattern}\n"):]
    diagram = re.search(r"```mermaid\n(.*?)```", section, re.S).group(1)
    assert diagram == docs.diagram(pattern)
    assert f"```mermaid\n{diagram}```" in readme
    # the README is what project_files writes (no second source)
    assert project_files(pattern, _options(pattern), str(projects / pattern))["README.md"] == readme


def _options(pattern):
    """The Options the PROJECTS command line gives."""
    given = {"static-site": {"custom_domain": True}, "serverless-api": {"api": "rest"},
             "dr": {"strategy": "pilot-light"}}
    given["workflow"] = {"type": "express", "trigger": "schedule"}
    return PATTERNS[pattern].Options(**given.get(pattern, {}))


@pytest.mark.parametrize("pattern", PROJECTS)
def test_pre_commit_and_workflow_run_tmpllint_and_the_tests(projects, pattern):
    hooks = (ROOT / ".pre-commit-hooks.yaml").read_text()
    hook_id = re.search(r"^- id: (\S+)", hooks, re.M).group(1)
    pre_commit = (projects / pattern / ".pre-commit-config.yaml").read_text()
    assert f"- id: {hook_id}" in pre_commit and "repo: https://github.com/tmpllint/tmpllint" in pre_commit
    workflow = (projects / pattern / ".github/workflows/ci.yml").read_text()
    assert "uses: tmpllint/tmpllint@v" in workflow and "fail-on: info" in workflow
    assert "- run: python -m pytest" in workflow


def test_a_non_empty_folder_is_refused_without_force(tmp_path):
    target = tmp_path / "app"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    done = _new("vpc", "--project", str(target))
    assert done.exit_code == 2
    assert "is not empty; pass --force" in done.output
    assert sorted(p.name for p in target.iterdir()) == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app"]  # no staging folder left


def test_force_rewrites_the_project_files_and_keeps_the_others(tmp_path):
    target = tmp_path / "app"
    assert _new("fanout", "--queues", "1", "--project", str(target)).exit_code == 0
    (target / "template.yaml").write_text("edited")
    (target / "notes.txt").write_text("mine")
    done = _new("fanout", "--queues", "2", "--project", str(target), "--force")
    assert done.exit_code == 0, done.output
    assert (target / "template.yaml").read_text() == render("fanout", fanout.Options(queues=2))
    assert (target / "notes.txt").read_text() == "mine"
    assert (target / "consumer2" / "app.py").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app"]


def test_an_empty_folder_is_filled(tmp_path):
    (tmp_path / "app").mkdir()
    assert _new("vpc", "--project", str(tmp_path / "app")).exit_code == 0
    assert (tmp_path / "app" / "template.yaml").read_text() == render("vpc", vpc.Options())
    assert oct((tmp_path / "app").stat().st_mode & 0o777) != oct(0o700)


@pytest.mark.parametrize("pattern,runtime", [("fanout", "nodejs22.x"), ("serverless-api", "java21")])
def test_non_python_runtimes_are_refused_with_the_fix(tmp_path, pattern, runtime):
    done = _new(pattern, "--runtime", runtime, "--project", str(tmp_path / "app"))
    assert done.exit_code == 2
    assert f"runs {runtime}: use --runtime python3.12 or python3.13" in done.output
    assert list(tmp_path.iterdir()) == []


def test_out_and_project_exclude_each_other(tmp_path):
    done = _new("vpc", "--out", str(tmp_path / "t.yaml"), "--project", str(tmp_path / "app"))
    assert done.exit_code == 2 and "exclude each other" in done.output
    assert list(tmp_path.iterdir()) == []


def test_stack_names_come_from_the_folder():
    assert stack_name("/x/my_app.v2") == "my-app-v2"
    assert stack_name("/x/2024") == "stack-2024"


# --- item 3: questions on a terminal only ------------------------------------------------

def test_without_a_terminal_new_lists_and_never_asks():
    done = _new(input="fanout\n\n")
    assert done.exit_code == 0
    assert done.stdout.splitlines()[0].startswith("vpc ")
    assert "Pattern" not in done.output


def test_without_a_terminal_a_pattern_takes_its_defaults():
    done = _new("vpc", input="3\ny\n")
    assert done.exit_code == 0
    assert done.stdout == render("vpc", vpc.Options())


@pytest.fixture
def terminal(monkeypatch):
    monkeypatch.setattr(prompts, "interactive", lambda: True)


def test_on_a_terminal_new_offers_the_patterns_and_asks_the_options(terminal):
    done = _new(input="5\n\n11\n3\nnodejs\npython3.13\n")
    assert done.exit_code == 0, done.output
    assert "5. fanout" in done.stderr
    assert "a whole number from 1 to 10" in done.stderr  # 11 is asked again
    assert "choose one of python3.13" in done.stderr
    assert "[python3.12]" in done.stderr  # defaults shown
    # CliRunner echoes the answers to stdout; a real terminal shows them, not the pipe
    template = render("fanout", fanout.Options(queues=3, runtime="python3.13"))
    assert done.stdout.endswith(template) and "AWSTemplate" not in done.stdout[:-len(template)]


def test_on_a_terminal_a_pattern_with_an_option_asks_nothing(terminal):
    done = _new("fanout", "--queues", "3", input="")
    assert done.exit_code == 0
    assert done.stdout == render("fanout", fanout.Options(queues=3))


def test_on_a_terminal_new_writes_the_project_folder_it_is_given(terminal, tmp_path):
    done = _new(input=f"vpc\n{tmp_path / 'net'}\n3\ny\n")
    assert done.exit_code == 0, done.output
    assert (tmp_path / "net" / "template.yaml").read_text() == render("vpc", vpc.Options(azs=3, data_subnets=True))


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_a_real_terminal_gets_the_questions(tmp_path):
    master, slave = os.openpty()
    process = subprocess.Popen([TMPLLINT, "new", "vpc", "--out", "net.yaml"], cwd=tmp_path,
                               stdin=slave, stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    os.write(master, b"3\ny\n")
    output, deadline = b"", time.time() + 60
    while time.time() < deadline:
        if select.select([master], [], [], 1)[0]:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        elif process.poll() is not None:
            break
    os.close(master)
    assert process.wait(30) == 0, output
    assert b"--azs" in output and b"[2]" in output
    assert (tmp_path / "net.yaml").read_text() == render("vpc", vpc.Options(azs=3, data_subnets=True))


@pytest.mark.parametrize("pattern", sorted(SAM_PROJECTS))
def test_each_handler_reads_the_environment_its_function_gets(projects, pattern):
    from tmpllint.generators.project import handlers

    template = PATTERNS[pattern].build(_options(pattern))
    coded = [f for f in handlers.functions(template) if f["folder"]]
    assert coded
    for function in coded:
        source = "".join(path.read_text() for path in (projects / pattern / function["folder"]).glob("*.py"))
        read = set(re.findall(r"os\.environ(?:\[|\.get\()\"(\w+)\"", source)) - {"LOG_LEVEL"}
        assert read == set(function["environment"]), function["name"]
