"""Issue 7: configuration, suppression routes, the baseline, pre-commit and plugin mode."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT

QUEUES = "Resources:\n  Jobs:\n    Type: AWS::SQS::Queue\n  Other:\n    Type: AWS::SQS::Queue\n"


def tmpllint(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tmpllint", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def rules_found(done) -> list[tuple[str, str, int]]:
    return sorted((Path(f["path"]).name, f["rule"], f["line"])
                  for f in json.loads(done.stdout)["findings"])


@pytest.fixture
def project(tmp_path):
    (tmp_path / "stack.yaml").write_text(QUEUES)
    return tmp_path


def test_pyproject_configuration_applies_and_cli_overrides(project):
    (project / "pyproject.toml").write_text(
        '[tool.tmpllint]\nonly = ["W9003"]\nformat = "json"\nfail-on = "error"\n')
    done = tmpllint("lint", "stack.yaml", cwd=project)
    assert done.returncode == 0  # warnings do not fail with fail-on = error
    assert rules_found(done) == [("stack.yaml", "W9003", 2), ("stack.yaml", "W9003", 4)]
    assert tmpllint("lint", "stack.yaml", "--fail-on", "warning", cwd=project).returncode == 1


def test_yaml_configuration_is_found_from_a_subfolder(project):
    (project / ".tmpllint.yaml").write_text("only: [W9003]\nformat: json\nper-file-ignores:\n  'sub/*': [W9003]\n")
    sub = project / "sub"
    sub.mkdir()
    (sub / "other.yaml").write_text(QUEUES)
    done = tmpllint("lint", ".", cwd=project)
    assert rules_found(done) == [("stack.yaml", "W9003", 2), ("stack.yaml", "W9003", 4)]
    config = json.loads(tmpllint("config", "-f", "json", cwd=sub).stdout)
    assert config["file"] == str(project / ".tmpllint.yaml")
    assert config["settings"]["only"] == {"value": ["W9003"], "source": str(project / ".tmpllint.yaml")}
    assert config["settings"]["timeout"] == {"value": 60.0, "source": "default"}


def test_exclude_globs_skip_files(project):
    (project / ".tmpllint.yaml").write_text("exclude: ['generated/*']\nformat: json\n")
    (project / "generated").mkdir()
    (project / "generated" / "x.yaml").write_text(QUEUES)
    done = tmpllint("lint", ".", cwd=project)
    assert [f["path"] for f in json.loads(done.stdout)["files"]] == ["stack.yaml"]


@pytest.mark.parametrize(("content", "message"), [
    ("ignroe: [W9003]\n", "unknown key 'ignroe'"),
    ("fail-on: sometimes\n", "'fail-on' must be one of error, warning, info, not 'sometimes'"),
    ("timeout: soon\n", "'timeout' must be a number of seconds"),
])
def test_bad_configuration_exits_2_naming_key_and_file(project, content, message):
    (project / ".tmpllint.yaml").write_text(content)
    done = tmpllint("lint", "stack.yaml", cwd=project)
    assert done.returncode == 2
    assert str(project / ".tmpllint.yaml") in done.stderr and message in done.stderr


def test_ignore_from_configuration_removes_the_rule(project):
    (project / "pyproject.toml").write_text('[tool.tmpllint]\nignore = ["W9003", "I", "W98"]\nformat = "json"\n')
    done = tmpllint("lint", "stack.yaml", cwd=project)
    assert [r for _, r, _ in rules_found(done) if r == "W9003"] == []


def test_baseline_reports_only_new_findings(project):
    assert tmpllint("lint", "stack.yaml", "--write-baseline", "baseline.json", cwd=project).returncode == 0
    stored = json.loads((project / "baseline.json").read_text())
    assert stored["version"] == 1 and len(stored["findings"]) > 0
    # unrelated edit: every line moves, nothing new
    (project / "stack.yaml").write_text("# moved\n" + QUEUES)
    done = tmpllint("lint", "stack.yaml", "--baseline", "baseline.json", "-f", "json", cwd=project)
    report = json.loads(done.stdout)
    assert done.returncode == 0 and report["findings"] == []
    assert report["baseline"] == {"file": "baseline.json", "baselined": len(stored["findings"]), "stale": 0}
    # a new queue is new; a removed one makes its entries stale
    (project / "stack.yaml").write_text("# moved\n" + QUEUES.replace("Other:", "Fresh:"))
    done = tmpllint("lint", "stack.yaml", "--baseline", "baseline.json", "-f", "json", cwd=project)
    report = json.loads(done.stdout)
    assert done.returncode == 1
    assert {f["resource"] for f in report["findings"]} == {"Fresh"}
    assert report["baseline"]["stale"] == len([f for f in report["findings"]])
    text = tmpllint("lint", "stack.yaml", "--baseline", "baseline.json", cwd=project).stdout
    assert text.splitlines()[-1].endswith(f"; {report['baseline']['baselined']} baselined, "
                                          f"{report['baseline']['stale']} stale baseline entries")


def test_a_missing_baseline_is_a_usage_error(project):
    done = tmpllint("lint", "stack.yaml", "--baseline", "nope.json", cwd=project)
    assert done.returncode == 2 and "nope.json does not exist" in done.stderr


def test_plugin_mode_runs_the_pack_inside_cfn_lint():
    cfn_lint = shutil.which("cfn-lint", path=os.path.dirname(sys.executable))
    done = subprocess.run([cfn_lint, "--format", "parseable", "--append-rules", "tmpllint.checks", "--",
                           str(FIXTURES / "checks/W9003/fail_queues.yaml")],
                          capture_output=True, text=True, timeout=120)
    lines = [line for line in done.stdout.splitlines() if ":W9003:" in line]
    expected = [str(number) for number, text in enumerate(
        (FIXTURES / "checks/W9003/fail_queues.yaml").read_text().splitlines(), 1) if "# expect: W9003" in text]
    assert [line.split(":")[1] for line in lines] == expected == ["10", "16", "24"]


def test_action_and_readme_workflow_use_each_other():
    action = (ROOT / "action.yml").read_text()
    assert "using: composite" in action and "tmpllint" in action
    readme = (ROOT / "README.md").read_text()
    assert "uses: " in readme and "github/codeql-action/upload-sarif" in readme


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_pre_commit_hook_fails_a_bad_template_and_passes_a_good_one(tmp_path):
    pre_commit = shutil.which("pre-commit", path=os.path.dirname(sys.executable))
    if pre_commit is None:
        pytest.skip("pre-commit is not installed (pip install -e '.[test]')")
    repo = tmp_path / "repo"
    repo.mkdir()
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "cache"), GIT_AUTHOR_NAME="t",
               GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.com")
    git = lambda *args: subprocess.run(["git", *args], cwd=repo, env=env, check=True,  # noqa: E731
                                       capture_output=True, text=True)
    git("init", "-q")
    (repo / "good.yaml").write_text((ROOT / "examples/clean-queue.yaml").read_text())
    (repo / "bad.yaml").write_text((FIXTURES / "checks/W9003/fail_queues.yaml").read_text())
    git("add", "good.yaml", "bad.yaml")

    def hook(*files):
        return subprocess.run([pre_commit, "try-repo", str(ROOT), "tmpllint", "--files", *files],
                              cwd=repo, env=env, capture_output=True, text=True, timeout=900)

    good = hook("good.yaml")
    assert good.returncode == 0, good.stdout + good.stderr
    bad = hook("bad.yaml")
    assert bad.returncode == 1 and "W9003" in bad.stdout
