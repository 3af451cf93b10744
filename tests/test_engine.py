"""The engine: bad input never crashes a run, and one broken file never stops the rest."""

from __future__ import annotations

import json
import time

import pytest
from cfnlint.rules import CloudFormationLintRule
from typer.testing import CliRunner

from conftest import ROOT

GOOD = "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n"


class ExplodingRule(CloudFormationLintRule):
    """Test-only rule that raises on any template with a queue."""

    id = "E9990"
    shortdesc = "test rule that raises"
    description = shortdesc

    def match(self, cfn):
        if cfn.get_resources(["AWS::SQS::Queue"]):
            raise ValueError("boom")
        return []


@pytest.fixture(scope="module")
def exploding_engine():
    from tmpllint.engine import Engine

    return Engine(extra_rules=[ExplodingRule()])


def _lint(engine, tmp_path, name: str, content) -> "FileResult":
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    started = time.monotonic()
    result = engine.lint_path(str(path))
    assert time.monotonic() - started < 30, f"{name} took too long"
    return result


def _rules(result) -> list[tuple[str, int]]:
    return [(finding.rule, finding.line) for finding in result.findings]


def test_empty_file_is_a_parse_finding(engine, tmp_path):
    result = _lint(engine, tmp_path, "empty.yaml", "")
    assert result.status == "ok" and _rules(result) == [("E0000", 1)]
    assert "empty" in result.findings[0].message


def test_binary_file_is_a_parse_finding(engine, tmp_path):
    result = _lint(engine, tmp_path, "binary.yaml", b"\x00\x01\xff\xfeResources")
    assert _rules(result) == [("E0000", 1)]
    assert "binary" in result.findings[0].message


def test_tab_indent_is_a_parse_finding_at_its_line(engine, tmp_path):
    result = _lint(engine, tmp_path, "tabs.yaml", "Resources:\n\tTopic:\n    Type: AWS::SNS::Topic\n")
    assert _rules(result) == [("E0000", 2)]


def test_type_as_a_mapping_is_a_finding(engine, tmp_path):
    result = _lint(engine, tmp_path, "type.yaml", "Resources:\n  T:\n    Type: {a: b}\n")
    assert result.status == "ok"
    assert ("E3001", 3) in _rules(result)


def test_empty_resources_is_a_finding(engine, tmp_path):
    result = _lint(engine, tmp_path, "sam.yaml",
                   "Transform: AWS::Serverless-2016-10-31\nResources:\n")
    assert result.status == "ok"
    assert {rule for rule, _ in _rules(result)} == {"E1001", "E3001"}


def test_duplicate_keys_are_parse_findings(engine, tmp_path):
    result = _lint(engine, tmp_path, "dup.yaml", GOOD + "  Topic:\n    Type: AWS::SQS::Queue\n")
    assert _rules(result) == [("E0000", 2), ("E0000", 4)]


def test_alias_bomb_is_refused_quickly(engine, tmp_path):
    levels = ['  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for index, name in enumerate("bcdefghi"):
        previous = "abcdefghi"[index]
        levels.append(f"  {name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    text = "Metadata:\n" + "\n".join(levels) + "\n" + GOOD
    result = _lint(engine, tmp_path, "bomb.yaml", text)
    assert _rules(result) == [("E0000", 1)]
    assert "alias" in result.findings[0].message


def test_fifty_megabyte_template_is_refused_without_parsing(engine, tmp_path):
    big = GOOD + "Metadata:\n  Blob: " + "x" * (50 * 1024 * 1024) + "\n"
    result = _lint(engine, tmp_path, "big.yaml", big)
    assert _rules(result) == [("E0000", 1)]
    assert "50.0 MB" in result.findings[0].message


def test_large_file_that_is_not_a_template_is_skipped(engine, tmp_path):
    result = _lint(engine, tmp_path, "data.json", "[" + "1," * (6 * 1024 * 1024) + "1]")
    assert result.status == "skipped"


def test_utf8_bom_and_crlf_line_ends_are_read(engine, tmp_path):
    text = "\ufeffResources:\r\n  Jobs:\r\n    Type: AWS::SQS::Queue\r\n"
    result = _lint(engine, tmp_path, "bom.yaml", text)
    assert result.status == "ok"
    assert ("W9003", 2) in _rules(result)


def test_yaml_that_is_not_cloudformation_is_skipped(engine, tmp_path):
    result = _lint(engine, tmp_path, "compose.yaml", "services:\n  web:\n    image: nginx\n")
    assert result.status == "skipped"


def test_a_crashing_rule_becomes_a_per_file_error(exploding_engine, tmp_path):
    result = _lint(exploding_engine, tmp_path, "queue.yaml",
                   "Resources:\n  Jobs:\n    Type: AWS::SQS::Queue\n")
    assert result.status == "error"
    assert result.error == "internal error in rule E9990: boom"
    assert ("W9003", 2) in _rules(result)  # the other rules still ran


def test_the_files_after_a_crash_are_linted(exploding_engine, tmp_path):
    crash = _lint(exploding_engine, tmp_path, "queue.yaml", "Resources:\n  J:\n    Type: AWS::SQS::Queue\n")
    fine = _lint(exploding_engine, tmp_path, "topic.yaml", GOOD)
    assert (crash.status, fine.status) == ("error", "ok")


def test_cli_fails_with_1_and_reports_the_file_when_a_rule_crashes(exploding_engine, tmp_path, monkeypatch):
    import tmpllint.cli

    (tmp_path / "a.yaml").write_text("Resources:\n  J:\n    Type: AWS::SQS::Queue\n")
    (tmp_path / "b.yaml").write_text(GOOD)
    monkeypatch.setattr(tmpllint.cli, "_engine", lambda regions, selection: exploding_engine)
    result = CliRunner().invoke(tmpllint.cli.app, ["lint", str(tmp_path), "-f", "json",
                                                   "--fail-on", "error"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert [(f["path"].rsplit("/", 1)[-1], f["status"]) for f in report["files"]] == [
        ("a.yaml", "error"), ("b.yaml", "ok")]
    assert report["files"][0]["error"] == "internal error in rule E9990: boom"


def test_ignored_rules_are_not_in_the_collection():
    from tmpllint.engine import Engine
    from tmpllint.selection import RuleSelection

    engine = Engine(selection=RuleSelection(ignore=("W9003", "E3007")))
    assert "W9003" not in engine.rule_ids
    assert "E3007" not in engine.rule_ids
    assert "W9002" in engine.rule_ids


def test_ignored_parent_rules_run_for_their_children_but_report_nothing(tmp_path):
    from tmpllint.engine import Engine
    from tmpllint.selection import RuleSelection

    engine = Engine(selection=RuleSelection(ignore=("E3",)))
    assert "E3002" in engine.rule_ids  # walks resource properties down to the schema rules
    path = tmp_path / "t.yaml"
    path.write_text("Resources:\n  T:\n    Type: AWS::SNS::Topic\n    Properties: {Nope: 1}\n")
    assert [f.rule for f in engine.lint_path(str(path)).findings
            if f.rule.startswith("E3")] == []


def test_only_keeps_the_parents_a_schema_rule_needs_but_reports_only_it(tmp_path):
    from tmpllint.engine import Engine
    from tmpllint.selection import RuleSelection

    engine = Engine(selection=RuleSelection(only=("I9112",)))
    path = ROOT / "fixtures/checks/I9112/fail_stores.yaml"
    assert {f.rule for f in engine.lint_path(str(path)).findings} == {"I9112"}


KEYWORD_NAMESPACES = """\
AWSTemplateFormatVersion: "2010-09-09"
Metadata:
  AWS::CloudFormation::Interface:
    ParameterLabels:
      Missing:
        default: A label of no parameter
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}]
      Policies:
        - PolicyName: read
          PolicyDocument:
            Version: "2008-10-17"
            Statement:
              - Effect: Allow
                Action: s3:GetObjekt
                Resource: arn:aws:s3:::bucket/${aws:username}/*
"""


@pytest.mark.parametrize(("rule", "line"), [("W2511", 17), ("W3037", 20), ("W4001", 5)])
def test_only_runs_children_reached_through_a_keyword_namespace(tmp_path, rule, line):
    """cfn-lint's IAM policy schema ("AWS::IAM::Policy/...") and the console interface
    ("cfnParameter") are reached through rules whose keywords are other paths; `--only`
    must keep those rules, or the child never runs and reports nothing."""
    from tmpllint.engine import Engine
    from tmpllint.selection import RuleSelection

    path = tmp_path / "t.yaml"
    path.write_text(KEYWORD_NAMESPACES)
    assert [(f.rule, f.line) for f in Engine().lint_path(str(path)).findings
            if f.rule == rule] == [(rule, line)]
    only = Engine(selection=RuleSelection(only=(rule,)))
    assert [(f.rule, f.line) for f in only.lint_path(str(path)).findings] == [(rule, line)]


SUPPRESSED = """\
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Metadata:
      cfn-lint:
        config:
          ignore_checks: [W9003]
  Other:
    Type: AWS::SQS::Queue
"""


def test_resource_metadata_ignore_checks_suppresses_our_rules(engine, tmp_path):
    result = _lint(engine, tmp_path, "queues.yaml", SUPPRESSED)
    assert [(f.rule, f.resource) for f in result.findings if f.rule == "W9003"] == [
        ("W9003", "Other")]


def test_template_metadata_ignore_checks_suppresses_our_rules(engine, tmp_path):
    text = SUPPRESSED + "Metadata:\n  cfn-lint:\n    config:\n      ignore_checks: [W9003]\n"
    result = _lint(engine, tmp_path, "queues.yaml", text)
    assert [f for f in result.findings if f.rule == "W9003"] == []


@pytest.mark.parametrize(("section", "finding"), [
    ("Globals", ("E1001", 2)), ("Resources", ("E3001", 2)), ("Parameters", ("E2001", 2))])
def test_sam_template_with_an_empty_section_is_linted_not_crashed(engine, tmp_path, section,
                                                                   finding):
    text = ("Transform: AWS::Serverless-2016-10-31\n" + f"{section}:\n"
            + ("" if section == "Resources" else GOOD))
    result = _lint(engine, tmp_path, "sam.yaml", text)
    assert finding in _rules(result)
    if section == "Parameters":
        # cfn-lint 1.58's own E3007 raises on `Parameters:` left empty (so does W2501,
        # which E9301 and W9303 supersede: it is not run by default)
        assert (result.status, result.error_kind) == ("error", "crash")
        assert result.error == ("internal error in rule E3007: argument of type 'NoneType' "
                                "is not iterable")
    else:
        assert result.status == "ok"


def test_intrinsic_where_a_string_belongs_does_not_crash_our_rules(engine, tmp_path):
    text = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Events:
        Odd:
          Type: {Ref: EventType}
  Perm:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !Ref Fn
      Principal: {Ref: AWS::AccountId}
"""
    result = _lint(engine, tmp_path, "odd.yaml", text)
    assert result.error is None


def test_unreadable_file_is_a_read_error_and_exit_3(engine, tmp_path):
    import os

    import tmpllint.cli

    path = tmp_path / "locked.yaml"
    path.write_text(GOOD)
    path.chmod(0)
    if os.access(path, os.R_OK):
        pytest.skip("running as a user who can read any file (root)")
    result = engine.lint_path(str(path))
    assert (result.status, result.error_kind) == ("error", "read")
    assert tmpllint.cli.exit_code([result], "error") == 3


def test_vanished_file_is_a_read_error(engine, tmp_path):
    import tmpllint.cli

    result = engine.lint_path(str(tmp_path / "gone.yaml"))
    assert (result.status, result.error_kind) == ("error", "read")
    assert result.error.startswith("cannot read the file: ")
    assert tmpllint.cli.exit_code([result], "error") == 3
