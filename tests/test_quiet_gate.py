"""Issue 12, items 1 and 5: the quiet text report and the overlap settings, as a user
runs them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import FIXTURES

# one info (I9708: the function's implicit log group never expires), one warning (W9003: no dead-letter
# queue) and, with cfn-lint-overlaps = keep, I3011 twice and W3011 once on Table
TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: "def handler(event, context): return 1"
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      MessageRetentionPeriod: 345600
  Table:
    Type: AWS::DynamoDB::Table
    DeletionPolicy: Retain
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: true}
      SSESpecification: {SSEEnabled: true, SSEType: KMS, KMSMasterKeyId: alias/app}
"""


def tmpllint(*args: str, cwd, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tmpllint", *args], cwd=cwd, input=stdin,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "stack.yaml").write_text(TEMPLATE)
    return tmp_path


def rules_of(done) -> list[str]:
    return sorted(f["rule"] for f in json.loads(done.stdout)["findings"])


def test_text_lists_what_fails_the_gate_and_counts_the_rest(project):
    done = tmpllint("lint", "stack.yaml", "--ignore", "W9801", cwd=project)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert [line.split()[1] for line in lines[:-1]] == ["W9003"]
    assert lines[-1] == ("1 file linted, 0 errors, 1 warning, 1 info; "
                         "not shown: 1 info (--show info lists them)")


def test_show_info_lists_everything(project):
    done = tmpllint("lint", "stack.yaml", "--ignore", "W9801", "--show", "info", cwd=project)
    lines = done.stdout.splitlines()
    assert sorted(line.split()[1] for line in lines[:-1]) == ["I9708", "W9003"]
    assert lines[-1] == "1 file linted, 0 errors, 1 warning, 1 info"


def test_fail_on_error_hides_warnings_and_infos_but_counts_them(project):
    done = tmpllint("lint", "stack.yaml", "--ignore", "W9801", "--fail-on", "error", cwd=project)
    assert done.returncode == 0
    assert done.stdout.splitlines() == [
        "1 file linted, 0 errors, 1 warning, 1 info; "
        "not shown: 1 warning, 1 info (--show info lists them)"]


def test_strictest_mode_fails_on_an_info_and_shows_it(project):
    done = tmpllint("lint", "stack.yaml", "--only", "I9708", "--fail-on", "info", cwd=project)
    assert done.returncode == 1
    assert done.stdout.splitlines()[-1] == "1 file linted, 0 errors, 0 warnings, 1 info"
    assert " I9708 " in done.stdout.replace("  ", " ")


@pytest.mark.parametrize("fmt", ["json", "sarif", "junit", "github"])
def test_machine_formats_keep_every_finding(project, fmt):
    done = tmpllint("lint", "stack.yaml", "--ignore", "W9801", "-f", fmt, cwd=project)
    assert "I9708" in done.stdout and "W9003" in done.stdout


def test_show_from_configuration(project):
    (project / ".tmpllint.yaml").write_text("show: info\nignore: [W9801]\n")
    done = tmpllint("lint", "stack.yaml", cwd=project)
    assert done.stdout.splitlines()[-1] == "1 file linted, 0 errors, 1 warning, 1 info"


@pytest.mark.parametrize(("config", "name"), [
    ('[tool.tmpllint]\ncfn-lint-overlaps = "keep"\nformat = "json"\n', "pyproject.toml"),
    ("cfn-lint-overlaps: keep\nformat: json\n", ".tmpllint.yaml"),
])
def test_overlaps_keep_turns_superseded_rules_back_on(project, config, name):
    assert rules_of(tmpllint("lint", "stack.yaml", "-f", "json", cwd=project)) == [
        "I9708", "W9003", "W9801"]
    (project / name).write_text(config)
    assert rules_of(tmpllint("lint", "stack.yaml", cwd=project)) == [
        "I3011", "I3011", "I3011", "I9708", "W3011", "W9003", "W9801"]


def test_bad_overlaps_value_is_a_usage_error(project):
    (project / ".tmpllint.yaml").write_text("cfn-lint-overlaps: sometimes\n")
    done = tmpllint("lint", "stack.yaml", cwd=project)
    assert done.returncode == 2
    assert "'cfn-lint-overlaps' must be one of drop, keep, not 'sometimes'" in done.stderr


def test_explain_names_what_a_rule_supersedes_and_what_supersedes_it(tmp_path):
    ours = tmpllint("explain", "W9801", cwd=tmp_path).stdout
    assert "Supersedes\n  cfn-lint I3011: " in ours and "\n  cfn-lint W3011: " in ours
    theirs = tmpllint("explain", "i3011", cwd=tmp_path)
    assert theirs.returncode == 0
    assert "Superseded\n  by W9801: " in theirs.stdout
    assert 'cfn-lint-overlaps = "keep"' in theirs.stdout


def test_rules_all_marks_superseded_rules(tmp_path):
    rules = {r["id"]: r for r in json.loads(tmpllint("rules", "--all", "-f", "json", cwd=tmp_path).stdout)}
    assert rules["I3011"]["superseded_by"] == ["W9801"]
    assert rules["W9801"]["supersedes"] == ["I3011", "W3011"]
    assert rules["E3012"]["superseded_by"] == []
    table = tmpllint("rules", "--all", cwd=tmp_path).stdout
    row = next(line for line in table.splitlines() if line.startswith("W2501"))
    assert "superseded by E9301, W9303 (off by default)" in row
