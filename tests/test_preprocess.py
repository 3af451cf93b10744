"""Templates another tool rewrites (Rain directives, custom macros): cfn-lint's findings
become one note; tmpllint's own findings and parse errors stay."""

from __future__ import annotations

import pytest

from tmpllint.preprocess import preprocessor

QUEUE = """\
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: {extra}
"""

RAIN = """\
Resources:
  Network:
    Type: AWS::CloudFormation::Stack
    Rain::Module: ./vpc.yml
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: {"Fn::Rain::Embed": name.txt}
"""

MACRO = """\
Transform: [Boto3]
Resources:
  Put:
    Type: Boto3::CodeCommit.put_file
    Properties:
      Repository: x
  Bucket:
    Type: AWS::S3::Bucket
"""

PLAIN = """\
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: {"Fn::Unknown": name.txt}
"""


@pytest.mark.parametrize(("template", "why"), [
    ({"Resources": {"A": {"Rain::Module": "x.yml"}}}, "Rain directives (Rain::Module)"),
    ({"Resources": {"A": {"Properties": {"B": [{"Fn::Rain::S3": "x"}]}}}}, "(Fn::Rain::S3)"),
    ({"Transform": "Boto3", "Resources": {}}, "the macro 'Boto3'"),
    ({"Transform": ["AWS::Serverless-2016-10-31", "PyPlate"], "Resources": {}}, "the macro 'PyPlate'"),
])
def test_preprocessed_templates_are_recognised(template, why):
    assert why in preprocessor(template)


@pytest.mark.parametrize("template", [
    {"Resources": {"A": {"Type": "AWS::SQS::Queue"}}},
    {"Transform": "AWS::Serverless-2016-10-31", "Resources": {}},
    {"Transform": ["AWS::LanguageExtensions", "AWS::Serverless-2016-10-31"], "Resources": {}},
    {"Transform": "AWS::Serverless-2023-01-01", "Resources": {}},  # a typo E9001 reports
    {"Resources": {"A": {"Properties": {"Name": "Rain::Module is only text here"}}}},
    [], None,
])
def test_plain_and_aws_transformed_templates_are_not(template):
    assert preprocessor(template) is None


def _lint(engine, tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return engine.lint_path(str(path))


@pytest.mark.parametrize(("name", "text", "why"), [
    ("rain.yaml", RAIN, "Rain directives (Rain::Module)"),
    ("macro.yaml", MACRO, "the macro 'Boto3'"),
])
def test_cfn_lint_findings_become_one_note_and_ours_stay(engine, tmp_path, name, text, why):
    result = _lint(engine, tmp_path, name, text)
    assert result.status == "ok"
    assert [f for f in result.findings if f.source == "cfn-lint"] == []
    assert "W9804" in {f.rule for f in result.findings}  # tmpllint's own: Bucket not versioned
    [note] = result.notes
    assert why in note and " cfn-lint finding" in note and "not reported" in note


def test_a_plain_template_keeps_cfn_lint_findings(engine, tmp_path):
    result = _lint(engine, tmp_path, "plain.yaml", PLAIN)
    assert "cfn-lint" in {f.source for f in result.findings}
    assert result.notes == []
