"""`tmpllint fix`: fixture pairs, the template kept as written, idempotence, safety, CLI."""

from __future__ import annotations

import difflib
import re
import shutil
import subprocess
import sys
from functools import lru_cache

import pytest

from conftest import FIXTURES, ROOT
from tmpllint.fix.apply import FixEngine, fix_file
from tmpllint.fix.registry import FIXES
from tmpllint.fix.safety import replacement_reason
from tmpllint.selection import RuleSelection

PAIRS = sorted((FIXTURES / "fix").glob("*.before.*"))
CHECK_FIXTURES = sorted((FIXTURES / "checks").glob("*/fail_*.yaml"))


@lru_cache(maxsize=None)
def engine(only: tuple = ()) -> FixEngine:
    return FixEngine(selection=RuleSelection(only, ()))


def run(*args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tmpllint", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("before", PAIRS, ids=lambda p: p.name)
def test_fix_writes_the_after_file_and_the_rule_is_gone(before):
    rule = before.name.split(".")[0]
    after = before.with_name(before.name.replace(".before.", ".after."))
    outcome = fix_file(engine((rule,)), str(before), unsafe=True)
    assert outcome.text == after.read_text(encoding="utf-8")
    assert outcome.fixed and {plan.finding.rule for plan in outcome.fixed} == {rule}
    assert not [f for f in outcome.result.findings if f.rule == rule]
    again = fix_file(engine((rule,)), str(after), unsafe=True)
    assert not again.changed


def test_every_rule_with_a_fix_has_a_fixture_pair():
    from tmpllint.catalog import pack_rules

    ours = {doc.id for doc in pack_rules()}
    paired = {before.name.split(".")[0] for before in PAIRS}
    assert {rule for rule in FIXES if rule in ours} <= paired


_COMMENT = re.compile(r"\s#.*$")


def _allowed(old: str, new: str) -> bool:
    """A changed line keeps its indentation and its trailing comment."""
    indent = len(old) - len(old.lstrip())
    comment = _COMMENT.search(old)
    return old[:indent] == new[:indent] and (comment is None or new.endswith(comment.group(0)))


@pytest.mark.parametrize("path", CHECK_FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fix_changes_only_fixed_lines_and_is_idempotent(path, tmp_path):
    outcome = fix_file(engine(), str(path), unsafe=True)
    old, new = outcome.original.splitlines(), outcome.text.splitlines()
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        assert tag in ("equal", "insert", "replace"), (tag, old[i1:i2])
        if tag == "replace":
            # a replaced line may come with inserted lines after it, never fewer lines
            assert j2 - j1 >= i2 - i1
            for offset in range(i2 - i1):
                assert _allowed(old[i1 + offset], new[j1 + offset]) or \
                    any(_allowed(old[i1 + offset], line) for line in new[j1:j2]), old[i1 + offset]
    assert not [f for f in outcome.result.findings if f.rule == "E0000"]
    if outcome.changed:
        fixed = tmp_path / path.name
        fixed.write_text(outcome.text, encoding="utf-8")
        assert not fix_file(engine(), str(fixed), unsafe=True).changed


def test_safety_comes_from_create_only_properties():
    assert "replaces the resource" in replacement_reason("AWS::RDS::DBInstance",
                                                         ["Properties", "StorageEncrypted"])
    assert replacement_reason("AWS::RDS::DBInstance", ["Properties", "DeletionProtection"]) == ""
    assert replacement_reason("AWS::Serverless::Function", ["Properties", "Tracing"]) == ""


def test_a_parameter_that_feeds_two_places_is_manual(tmp_path):
    template = tmp_path / "t.yaml"
    template.write_text(
        "Parameters:\n  Protect:\n    Type: String\n    Default: 'false'\n"
        "Resources:\n  A:\n    Type: AWS::RDS::DBCluster\n    DeletionPolicy: Snapshot\n"
        "    UpdateReplacePolicy: Snapshot\n    Properties:\n      Engine: aurora-postgresql\n"
        "      DeletionProtection: !Ref Protect\n"
        "Outputs:\n  P:\n    Value: !Ref Protect\n", encoding="utf-8")
    outcome = fix_file(engine(("W9806",)), str(template))
    assert not outcome.changed
    assert [plan.manual for plan in outcome.skipped] == [
        "the value comes from parameter Protect, which feeds 2 places; change its Default "
        "or this value by hand"]


def test_unsafe_fixes_wait_for_the_flag(tmp_path):
    template = tmp_path / "t.yaml"
    shutil.copy(FIXTURES / "fix" / "W9705.before.yaml", template)
    outcome = fix_file(engine(("W9705",)), str(template))
    assert not outcome.changed
    assert {plan.unsafe for plan in outcome.skipped} == {
        "on a log group that already exists, logs older than 365 days are deleted"}


def test_cli_diff_changes_nothing_and_exits_1_then_fix_then_diff_exits_0(tmp_path):
    template = tmp_path / "t.yaml"
    shutil.copy(FIXTURES / "fix" / "W9806.before.yaml", template)
    before = template.read_bytes()
    done = run("fix", "--diff", "--select", "W9806", str(template))
    assert done.returncode == 1
    assert "+      DeletionProtection: true" in done.stdout
    assert template.read_bytes() == before
    done = run("fix", "--select", "W9806", str(template))
    assert done.returncode == 1  # files changed
    assert "W9806 fixed: sets DeletionProtection: true" in done.stderr
    assert template.read_text(encoding="utf-8") == \
        (FIXTURES / "fix" / "W9806.after.yaml").read_text(encoding="utf-8")
    done = run("fix", "--diff", "--select", "W9806", str(template))
    assert done.returncode == 0 and done.stdout == ""


def test_cli_leaves_a_file_that_does_not_parse_untouched(tmp_path):
    template = tmp_path / "broken.yaml"
    template.write_text("Resources:\n  A: [unclosed\n", encoding="utf-8")
    before = template.read_bytes()
    done = run("fix", str(template))
    assert "E0000" in done.stdout
    assert done.returncode == 1
    assert template.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["broken.yaml"]  # no temp file left


def test_explain_and_rules_show_the_fix_and_its_safety():
    done = run("explain", "W9806")
    assert "Fix (`tmpllint fix`, safe)\n  sets DeletionProtection: true" in done.stdout
    done = run("rules", "--format", "json")
    fixes = {rule["id"]: rule["fix"] for rule in __import__("json").loads(done.stdout)}
    assert fixes["W9705"]["safety"] == "unsafe" and fixes["W9002"] is None
    table = run("rules").stdout.splitlines()
    assert table[0].split()[:4] == ["id", "severity", "family", "fix"]
    assert [line.split()[3] for line in table if line.startswith("W9806")] == ["safe"]


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_pre_commit_fix_hook_fixes_safely_and_fails_only_when_it_changed_files(tmp_path):
    import os

    pre_commit = shutil.which("pre-commit", path=os.path.dirname(sys.executable))
    if pre_commit is None:
        pytest.skip("pre-commit is not installed (pip install -e '.[test]')")
    repo = tmp_path / "repo"
    repo.mkdir()
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "cache"))
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    shutil.copy(FIXTURES / "fix" / "W9705.before.yaml", repo / "logs.yaml")  # unsafe only
    shutil.copy(FIXTURES / "fix" / "W9806.before.yaml", repo / "db.yaml")
    subprocess.run(["git", "add", "."], cwd=repo, check=True)

    def hook():
        return subprocess.run([pre_commit, "try-repo", str(ROOT), "tmpllint-fix", "--all-files"],
                              cwd=repo, env=env, capture_output=True, text=True, timeout=900)

    first = hook()
    assert first.returncode == 1, first.stdout + first.stderr
    assert (repo / "db.yaml").read_text() != (FIXTURES / "fix" / "W9806.before.yaml").read_text()
    assert (repo / "logs.yaml").read_text() == (FIXTURES / "fix" / "W9705.before.yaml").read_text()
    subprocess.run(["git", "add", "."], cwd=repo, check=True)
    second = hook()
    assert second.returncode == 0, second.stdout + second.stderr


def test_windows_line_ends_stay_windows_line_ends(tmp_path):
    template = tmp_path / "t.yaml"
    source = (FIXTURES / "fix" / "W9705.before.yaml").read_text(encoding="utf-8")
    template.write_bytes(source.replace("\n", "\r\n").encode())
    outcome = fix_file(engine(("W9705",)), str(template), unsafe=True)
    expected = (FIXTURES / "fix" / "W9705.after.yaml").read_text(encoding="utf-8")
    assert outcome.text == expected.replace("\n", "\r\n")


def test_a_json_template_gets_a_new_bucket_policy_in_its_own_layout(tmp_path):
    import json

    template = tmp_path / "t.json"
    template.write_text('{\n  "Resources": {\n    "Data": {\n      "Type": "AWS::S3::Bucket"\n'
                        '    },\n    "Topic": {"Type": "AWS::SNS::Topic"}\n  }\n}\n', encoding="utf-8")
    outcome = fix_file(engine(("W9204",)), str(template), unsafe=True)
    data = json.loads(outcome.text)
    assert list(data["Resources"]) == ["Data", "DataPolicy", "Topic"]
    assert data["Resources"]["DataPolicy"]["Properties"]["Bucket"] == {"Ref": "Data"}
    assert '\n    "DataPolicy": {\n      "Type": "AWS::S3::BucketPolicy",\n' in outcome.text
    assert not [f for f in outcome.result.findings if f.rule == "W9204"]
