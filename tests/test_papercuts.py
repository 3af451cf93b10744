"""Issue 19: standard input, rule ids that name no rule, and the version line."""

from __future__ import annotations

import json
import platform
import subprocess
import sys

import pytest

QUEUE = ("Resources:\n  Jobs:\n    Type: AWS::SQS::Queue\n    Properties:\n"
         "      MessageRetentionPeriod: 345600\n")
HINT = "(`tmpllint rules --all` lists them all)"


def tmpllint(*args: str, cwd, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tmpllint", *args], cwd=cwd, input=stdin,
                          capture_output=True, text=True, timeout=300)


def test_stdin_is_reported_as_stdin(tmp_path):
    done = tmpllint("lint", "-", stdin=QUEUE, cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout.splitlines()[0].startswith("<stdin>:2:3  W9003  ")
    assert done.stdout.splitlines()[-1] == "1 file linted, 0 errors, 1 warning, 0 infos"
    assert not (tmp_path / ".tmpllint_cache").exists()


def test_stdin_filename_names_the_report_and_meets_per_file_ignores(tmp_path):
    done = tmpllint("lint", "-", "--stdin-filename", "stacks/queue.yaml", "-f", "json",
                    stdin=QUEUE, cwd=tmp_path)
    report = json.loads(done.stdout)
    assert report["files"] == [{"path": "stacks/queue.yaml", "status": "ok", "error": None,
                               "error_kind": None, "notes": []}]
    assert [(f["path"], f["rule"], f["line"]) for f in report["findings"]] == [
        ("stacks/queue.yaml", "W9003", 2)]
    (tmp_path / ".tmpllint.yaml").write_text("per-file-ignores:\n  'stacks/*': [W9003]\n")
    done = tmpllint("lint", "-", "--stdin-filename", "stacks/queue.yaml", stdin=QUEUE, cwd=tmp_path)
    assert done.returncode == 0
    assert done.stdout == "1 file linted, 0 errors, 0 warnings, 0 infos\n"


def test_stdin_that_is_not_a_template_is_skipped(tmp_path):
    done = tmpllint("lint", "-", "--verbose", stdin="on: push\n", cwd=tmp_path)
    assert done.returncode == 0
    assert "<stdin>  skipped: not a CloudFormation template" in done.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["-", "other.yaml"], "- (standard input) cannot be combined with other paths"),
    (["x.yaml", "--stdin-filename", "y.yaml"], "--stdin-filename needs - as the path"),
])
def test_stdin_usage_errors(tmp_path, args, message):
    (tmp_path / "x.yaml").write_text(QUEUE)
    done = tmpllint("lint", *args, stdin=QUEUE, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == f"tmpllint: error: {message}\n"


@pytest.mark.parametrize(("args", "where"), [
    (["--ignore", "W9O03"], "--ignore"),
    (["--only", "W9003,W9O03"], "--only"),
])
def test_unknown_id_on_the_command_line_exits_2(tmp_path, args, where):
    (tmp_path / "stack.yaml").write_text(QUEUE)
    done = tmpllint("lint", "stack.yaml", *args, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (f"tmpllint: error: unknown rule id 'W9O03' in {where}. Did you mean: "
                           f"W9003, W9803, W9703, W9503, W9403? {HINT}\n")


@pytest.mark.parametrize(("name", "content", "where"), [
    ("pyproject.toml", '[tool.tmpllint]\nignore = ["W9O03"]\n', "'ignore' of {file}"),
    ("pyproject.toml", '[tool.tmpllint]\nonly = ["W9O03"]\n', "'only' of {file}"),
    (".tmpllint.yaml", "ignore: [W9O03]\n", "'ignore' of {file}"),
    (".tmpllint.yaml", "per-file-ignores:\n  'legacy/*': [W98, W9O03]\n",
     "'per-file-ignores' (\"legacy/*\") of {file}"),
])
def test_unknown_id_in_configuration_exits_2(tmp_path, name, content, where):
    (tmp_path / "stack.yaml").write_text(QUEUE)
    (tmp_path / name).write_text(content)
    done = tmpllint("lint", "stack.yaml", cwd=tmp_path)
    assert done.returncode == 2
    where = where.format(file=tmp_path / name)
    assert done.stderr == (f"tmpllint: error: unknown rule id 'W9O03' in {where}. Did you mean: "
                           f"W9003, W9803, W9703, W9503, W9403? {HINT}\n")


def test_an_id_with_no_close_match_says_so(tmp_path):
    (tmp_path / "stack.yaml").write_text(QUEUE)
    done = tmpllint("lint", "stack.yaml", "--ignore", "zz", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == f"tmpllint: error: unknown rule id 'ZZ' in --ignore. {HINT}\n"


def test_prefixes_and_cfn_lint_ids_are_known(tmp_path):
    (tmp_path / "stack.yaml").write_text(QUEUE)
    done = tmpllint("lint", "stack.yaml", "--ignore", "W9,E3012,i", "--only", "W", cwd=tmp_path)
    assert done.returncode == 0, done.stderr


def test_unknown_id_in_template_metadata_is_a_w9000_finding(tmp_path):
    template = QUEUE + ("    Metadata:\n      cfn-lint:\n        config:\n"
                        "          ignore_checks: [W9O03]\n")
    done = tmpllint("lint", "-", "-f", "json", stdin=template, cwd=tmp_path)
    assert done.returncode == 1
    assert [(f["rule"], f["line"], f["severity"]) for f in json.loads(done.stdout)["findings"]] == [
        ("W9003", 2, "warning"), ("W9000", 9, "warning")]


def test_version_names_cfn_lint_and_python(tmp_path):
    from importlib.metadata import version

    done = tmpllint("--version", cwd=tmp_path)
    assert done.returncode == 0
    assert done.stdout == (f"tmpllint 0.1.0 (cfn-lint {version('cfn-lint')}, "
                           f"Python {platform.python_version()})\n")


def test_lint_help_shows_the_configuration_table(tmp_path):
    done = tmpllint("lint", "--help", cwd=tmp_path)
    assert "Settings come from [tool.tmpllint] in pyproject.toml" in " ".join(done.stdout.split())
