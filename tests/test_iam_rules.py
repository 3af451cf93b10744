"""The least-privilege family (94xx) beyond its fixtures: one finding per statement, the
shared narrowing list, service-principal names, and no crash on schema-invalid values."""

from __future__ import annotations

import copy
import os

import pytest

from conftest import FIXTURES

CHECKS = FIXTURES / "checks"


def _findings(engine, relative, rule):
    result = engine.lint_path(str(CHECKS / relative))
    assert result.status == "ok", result.error
    return [f for f in result.findings if f.rule == rule]


def test_w9402_reports_a_statement_once_listing_its_wildcards(engine):
    found = _findings(engine, "W9402/fail_per_statement.yaml", "W9402")
    [first] = [f for f in found if f.line == 18]
    assert first.message == ("Policy of 'Many' allows wildcard actions (s3:Put*, s3:Delete*, "
                             "s3:Create*, sqs:*) that grant write actions nobody listed; list "
                             "the actions it needs.")
    # ssmmessages:* takes no resource ARN: only ssm:* is listed
    [second] = [f for f in found if f.line == 22]
    assert "(ssm:*)" in second.message
    assert len(found) == 9


def test_w9403_absorbs_w9402_on_resource_star(engine):
    result = engine.lint_path(str(CHECKS / "W9403/fail_wave2.yaml"))
    on_line_19 = sorted(f.rule for f in result.findings if f.line in (18, 19))
    assert on_line_19 == ["W9403"]
    [finding] = [f for f in result.findings if f.line == 19]
    assert "through s3:*, sqs:Send* on every resource" in finding.message


def test_passrole_on_star_is_e9404_only(engine):
    result = engine.lint_path(str(CHECKS / "E9404/fail_wave2.yaml"))
    assert sorted(f.rule for f in result.findings if f.line == 18) == ["E9404"]


def test_a_statement_independent_of_a_sibling_condition_names_no_condition(engine):
    found = _findings(engine, "W9402/fail_wildcards.yaml", "W9402")
    on_line_24 = [f.message for f in found if f.line == 24]
    assert on_line_24 == ["Policy of 'Wide' allows wildcard actions (iam:*Role*) that grant "
                          "write actions nobody listed; list the actions it needs."]
    [dev_only] = [f.message for f in found if f.line == 27]
    assert "when IsDev is true" in dev_only


@pytest.mark.parametrize(("conditions", "aspect", "expected"), [
    ({"StringEquals": {"aws:SourceArn": "x"}}, "principal", True),
    ({"StringEquals": {"aws:ResourceTag/Team": "x"}}, "resource", True),
    ({"StringEquals": {"ec2:ResourceTag/Team": "x"}}, "resource", True),
    ({"StringEquals": {"aws:ResourceTag/Team": "x"}}, "principal", False),
    ({"Bool": {"aws:ViaAWSService": "true"}}, "resource", True),
    ({"StringEquals": {"kms:RequestAlias": "alias/a"}}, "resource", True),
    ({"StringLike": {"kms:EncryptionContext:aws:logs:arn": "x"}}, "resource", True),
    ({"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}, "resource", False),
    ({"StringEqualsIfExists": {"aws:SourceArn": "x"}}, "principal", False),
    ({"Null": {"aws:SourceArn": "false"}}, "principal", False),
    ({"Bool": {"aws:SecureTransport": "true"}}, "resource", False),
    ({"Bool": {"aws:ViaAWSService": "false"}}, "resource", False),
    ({"Bool": {"aws:ViaAWSService": True}}, "resource", True),
    ({"StringNotEquals": {"aws:SourceAccount": "1"}}, "principal", False),
    ({"ForAllValues:StringEquals": {"aws:PrincipalOrgPaths": ["o/"]}}, "principal", False),
    ({"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": ["o/*"]}}, "principal", True),
    (["not", "a", "mapping"], "resource", False),
    ({"StringEquals": ["x"]}, "resource", False),
])
def test_one_shared_narrowing_list(conditions, aspect, expected):
    from tmpllint.checks.policies import narrowed

    assert narrowed(conditions, aspect) is expected


@pytest.mark.parametrize(("value", "expected"), [
    ("lambda.amazonaws.com", "lambda.amazonaws.com"),
    ("states.us-east-1.amazonaws.com", "states.amazonaws.com"),
    ({"Fn::Sub": "states.${AWS::Region}.amazonaws.com"}, "states.amazonaws.com"),
    ({"Fn::Sub": "ec2.${AWS::URLSuffix}"}, "ec2.amazonaws.com"),
    ({"Fn::Join": ["", ["ec2.", {"Ref": "AWS::URLSuffix"}]]}, "ec2.amazonaws.com"),
    ("ec2.amazonaws.com.cn", "ec2.amazonaws.com"),
    ("monitoring.rds.amazonaws.com", "monitoring.rds.amazonaws.com"),
    ({"Fn::FindInMap": ["M", "k", "v"]}, None),
    ({"Fn::Sub": "${Service}.amazonaws.com"}, None),
    (["ec2.amazonaws.com"], None),
    (5, None),
])
def test_service_names_compare_in_one_form(value, expected):
    from tmpllint.checks.iam.common import service_name

    assert service_name(value) == expected


def test_json_string_documents_are_parsed():
    from tmpllint.checks.policies import parse_document

    assert parse_document('{"Statement": []}') == {"Statement": []}
    assert parse_document({"Fn::Sub": ['{"Statement": [{"Resource": "${A}"}]}', {}]}) == {
        "Statement": [{"Resource": "${A}"}]}
    for opaque in ("not json {Statement", {"Fn::Join": ["", ["{"]]}, 5, None, '["Statement"]'):
        assert parse_document(opaque) == opaque


# -- no crash on schema-invalid templates -------------------------------------------
#: string -> list, null, number, mapping -> string, number/string -> mapping
TYPE_MUTATIONS = (["a", 1], None, 7, "text", {"k": 1})
#: Mutated templates per run; TMPLLINT_IAM_FUZZ=0 runs every mutation of every fixture.
LIMIT = int(os.environ.get("TMPLLINT_IAM_FUZZ", "400"))


def _iam_rules():
    import tmpllint.checks as pack
    from cfnlint.rules import CloudFormationLintRule
    from tmpllint.checks.base import ResourceSchemaRule

    return [cls() for name in pack.__all__ for cls in [getattr(pack, name)]
            if cls.id[:3] in ("E94", "W94") and issubclass(cls, CloudFormationLintRule)
            and not issubclass(cls, ResourceSchemaRule)]


def _paths(value, path=()):
    if path:
        yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, path + (index,))


def _mutations():
    from cfnlint.decode.decode import decode

    for fixture in sorted(CHECKS.glob("[EW]94*/*.yaml")):
        template, errors = decode(str(fixture))
        if not template or errors:
            continue
        resources = template.get("Resources", {})
        for path in _paths(resources, ()):
            parent = resources
            for key in path[:-1]:
                parent = parent[key]
            for value in TYPE_MUTATIONS:
                if type(value) is type(parent[path[-1]]):
                    continue
                yield fixture, template, path, value


def test_94xx_rules_survive_type_mutations():
    from cfnlint.template import Template

    rules = _iam_rules()
    assert len(rules) == 11
    cases = list(_mutations())
    step = max(1, len(cases) // LIMIT) if LIMIT else 1
    ran = 0
    for fixture, template, path, value in cases[::step]:
        mutated = copy.deepcopy(template)
        parent = mutated["Resources"]
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = copy.deepcopy(value)
        cfn = Template(str(fixture), mutated, ["us-east-1"])
        for rule in rules:
            try:
                rule.match(cfn)
            except Exception as error:  # pragma: no cover - the assertion names the case
                pytest.fail(f"{rule.id} crashed on {fixture.name} {path} = {value!r}: {error!r}")
        ran += 1
    assert ran >= min(LIMIT or len(cases), len(cases)) // 2
