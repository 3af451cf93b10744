"""Reading the templates `tmpllint new` writes, for the tests that judge them: parsed as
cfn-lint parses them, transformed as `sam deploy` transforms them, and the small lookups
the structural tests share (one copy instead of one per pattern's test file)."""

from __future__ import annotations

import os
from unittest import mock

import pytest

from tmpllint.generators import render

#: where `sam package` would have put the code: the translator needs a packaged CodeUri
PACKAGED_CODE = "s3://packaged-code/function.zip"


def parsed_template(pattern: str, options) -> dict:
    """The template as cfn-lint reads it; the YAML must parse without a finding."""
    from cfnlint.decode.decode import decode_str

    template, matches = decode_str(render(pattern, options))
    assert not matches, matches
    return template


def sam_transformed(pattern: str, options) -> dict:
    """The template after the SAM transform, as `sam deploy` runs it once the code is
    packaged (every function's CodeUri points at S3), without AWS managed policies."""
    translator = pytest.importorskip("samtranslator.translator.transform")
    from samtranslator.yaml_helper import yaml_parse

    template = yaml_parse(render(pattern, options))
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function" and "CodeUri" in resource["Properties"]:
            resource["Properties"]["CodeUri"] = PACKAGED_CODE

    class NoManagedPolicies:
        def load(self):
            return {}

    with mock.patch.dict(os.environ, {"AWS_DEFAULT_REGION": "us-east-1"}):
        return translator.transform(template, {"AWS::Region": "us-east-1"}, NoManagedPolicies())


def resources_of_type(template: dict, kind: str) -> dict:
    """Logical id -> resource, for the resources of type `kind`."""
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def policy_statements(document: dict) -> list:
    """A policy document's statements (a single statement may be written as a mapping)."""
    statements = document["Statement"]
    return statements if isinstance(statements, list) else [statements]


def statement_actions(statement: dict) -> set:
    """A statement's actions (a single action may be written as a string)."""
    actions = statement["Action"]
    return {actions} if isinstance(actions, str) else set(actions)
