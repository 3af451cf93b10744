"""Issue 13's wiring rules: the model helpers they share, and type-mutated fixtures.

The fixtures (fixtures/checks/E9008..E9015, I9708, W9808) pin each rule's behaviour;
these tests pin the helpers in checks/model.py that place references, and check that
no wiring rule raises on a schema-invalid template.
"""

from __future__ import annotations

import copy
import json
import os

import pytest

from conftest import FIXTURES

WIRING = ("E9008", "E9009", "E9010", "E9011", "E9012", "E9013", "E9014", "E9015",
          "I9708", "W9808", "W9204", "W9703", "W9806")


def _template(text: str):
    from cfnlint.decode.decode import decode_str
    from cfnlint.template import Template

    template, matches = decode_str(text)
    assert not matches
    cfn = Template("t.yaml", template, ["us-east-1"])
    cfn.transform()
    return cfn


MODEL = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  Principal: {Type: String}
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: {FunctionName: named-fn, Runtime: python3.12, Handler: i.h, Role: r, Code: {ZipFile: x}}
  Sam:
    Type: AWS::Serverless::Function
    Properties: {Runtime: python3.12, Handler: a.h, CodeUri: s, AutoPublishAlias: live}
  Alias:
    Type: AWS::Lambda::Alias
    Properties: {FunctionName: !Ref Fn, FunctionVersion: "1", Name: live}
  Queue:
    Type: AWS::SQS::Queue
  ByName:
    Type: AWS::Lambda::Permission
    Properties: {FunctionName: named-fn, Action: lambda:InvokeFunction, Principal: s3.amazonaws.com}
  Unknown:
    Type: AWS::Lambda::Permission
    Properties: {FunctionName: !ImportValue other, Action: lambda:InvokeFunction, Principal: !Ref Principal}
  Policy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Queue]
      PolicyDocument:
        Statement:
          - {Effect: Allow, Principal: {Service: sns.amazonaws.com}, Action: "sqs:Send*", Resource: "*"}
          - {Effect: Allow, Principal: {Service: s3.amazonaws.com}, Action: sqs:ReceiveMessage, Resource: "*"}
          - {Effect: Deny, Principal: "*", Action: "sqs:*", Resource: "*"}
"""


@pytest.mark.parametrize(("value", "expected"), [
    ({"Ref": "Fn"}, "Fn"),
    ({"Fn::GetAtt": ["Fn", "Arn"]}, "Fn"),
    ({"Fn::GetAtt": "Sam.Arn"}, "Sam"),
    ({"Ref": "Alias"}, "Fn"),  # an alias is its function
    ({"Ref": "Sam.Alias"}, "Sam"),  # SAM's AutoPublishAlias reference
    ("named-fn", "Fn"),
    ("arn:aws:lambda:us-east-1:123456789012:function:named-fn", "Fn"),
    ({"Fn::Sub": "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:${Fn}"}, "Fn"),
    ({"Ref": "Queue"}, None),
    ("elsewhere", None),
    ({"Fn::ImportValue": "x"}, None),
    (["Fn"], None),
])
def test_function_of_places_references(value, expected):
    from tmpllint.checks.model import function_of

    assert function_of(_template(MODEL), value) == expected


def test_lambda_invokers_and_queue_senders():
    from tmpllint.checks.model import UNKNOWN, lambda_invokers, queue_senders

    cfn = _template(MODEL)
    granted, unplaced = lambda_invokers(cfn)
    assert granted == {"Fn": {"s3.amazonaws.com"}}
    assert unplaced == {UNKNOWN}  # a permission whose function is an import, principal unknown
    senders, unplaced_queues = queue_senders(cfn)
    assert senders == {"Queue": {"sns.amazonaws.com"}}  # ReceiveMessage and Deny do not send
    assert unplaced_queues == set()


# -- no wiring rule raises on schema-invalid input ----------------------------------
def _mutations(node):
    if isinstance(node, str):
        yield [node]
    elif isinstance(node, (dict, list)):
        yield "text"
    elif isinstance(node, (bool, int, float)):
        yield {"Key": node}
    yield None


#: TMPLLINT_WIRING_FUZZ=full mutates every path of every fixture of these rules (about
#: 4,000 mutations, ten minutes); by default a sample of one fail fixture per rule.
FULL = os.environ.get("TMPLLINT_WIRING_FUZZ") == "full"
SECTIONS = ("Resources", "Globals", "Parameters", "Conditions") if FULL else ("Resources",)


def _cases():
    from test_robust import _load, _paths

    for rule in WIRING:
        fixtures = sorted((FIXTURES / "checks" / rule).glob("*.yaml" if FULL else "fail_*.yaml"))
        for fixture in fixtures if FULL else fixtures[:1]:
            document = _load(fixture)
            paths = [p for p in _paths(document) if len(p) >= 2 and p[0] in SECTIONS]
            for path in paths if FULL else paths[::6]:
                yield fixture, document, path


@pytest.fixture(scope="module")
def wiring_engine():
    from tmpllint.engine import Engine
    from tmpllint.selection import RuleSelection

    return Engine(selection=RuleSelection(only=WIRING))


def test_type_mutations_never_crash_a_wiring_rule(wiring_engine, tmp_path):
    crashes, count = [], 0
    for fixture, document, path in _cases():
        node = document
        for key in path:
            node = node[key]
        for value in _mutations(node):
            mutated = copy.deepcopy(document)
            parent = mutated
            for key in path[:-1]:
                parent = parent[key]
            parent[path[-1]] = value
            target = tmp_path / "mutated.json"
            target.write_text(json.dumps(mutated), encoding="utf-8")
            result = wiring_engine.lint_path(str(target), timeout=30)
            count += 1
            if result.status == "error" and any(rule in (result.error or "") for rule in WIRING):
                crashes.append((fixture.name, path, value, result.error))
    assert count > 100
    print(f"{count} type mutations")
    assert crashes == []
