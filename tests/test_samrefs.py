"""SAM-generated references (tmpllint/samrefs.py): what the SAM transform resolves is not
reported by cfn-lint's GetAtt/Sub/Outputs rules; a near miss stays an error.

`fixtures/samrefs/fail_*.yaml` marks every line that must be reported with
`# expect: <ID>`; the (rule, line) pairs of the reference rules must equal the marks.
`pass_*.yaml` must give none of them.
"""

from __future__ import annotations

import pytest

from conftest import FIXTURES, SHARED
from test_rule_fixtures import EXPECT

from tmpllint.samrefs import generated_reference

#: cfn-lint rules that report an unknown GetAtt attribute, directly or through Sub,
#: Outputs and Join.
REFERENCE_RULES = ("E1010", "E1019", "E6101", "E1022")
CASES = sorted((FIXTURES / "samrefs").glob("*.yaml"))


def _marked(path) -> set[tuple[str, int]]:
    marked = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        found = EXPECT.search(line)
        if found:
            marked |= {(rule.strip(), number) for rule in found.group(1).split(",")}
    return marked


@pytest.mark.parametrize("path", CASES, ids=[path.name for path in CASES])
def test_sam_references_are_reported_exactly_on_the_marked_lines(engine, path):
    result = engine.lint_path(str(path))
    assert result.status == "ok", result.error
    found = {(f.rule, f.line) for f in result.findings if f.rule in REFERENCE_RULES}
    if path.name.startswith("fail_"):
        assert _marked(path) and found == _marked(path)
    else:
        assert found == set()


SAM = {"Transform": "AWS::Serverless-2016-10-31"}


def _template(properties, resource_type="AWS::Serverless::Function", **extra):
    return {**SAM, **extra, "Resources": {"Fn": {"Type": resource_type, "Properties": properties}}}


@pytest.mark.parametrize(("template", "variable", "generated"), [
    (_template({"AutoPublishAlias": "live"}), "Fn.Alias", True),
    (_template({"AutoPublishAlias": "live"}), "Fn.Version", True),
    (_template({"AutoPublishAlias": {"Ref": "AliasName"}}), "Fn.Alias", True),
    (_template({}), "Fn.Alias", False),
    (_template({"AutoPublishAlias": None}), "Fn.Alias", False),
    (_template({"AutoPublishAlias": "live"}), "Fn.Arn", False),           # a real attribute
    (_template({"AutoPublishAlias": "live"}), "Fn.Alias.AliasArn", False),  # a GetAtt
    (_template({"AutoPublishAlias": "live"}), "Other.Alias", False),
    ({"Resources": _template({"AutoPublishAlias": "live"})["Resources"]}, "Fn.Alias", False),
    (_template({"AutoPublishAlias": "live"}, "AWS::Lambda::Function"), "Fn.Alias", False),
    (_template({}, "AWS::Serverless::Api"), "Fn.Deployment", True),
    (_template({"Domain": {"DomainName": "x"}}, "AWS::Serverless::Api"), "Fn.DomainName", True),
    (_template({}, "AWS::Serverless::Api"), "Fn.DomainName", False),
    (_template({"Auth": {"UsagePlan": {"CreateUsagePlan": "PER_API"}}},
               "AWS::Serverless::Api"), "Fn.ApiKey", True),
    (_template({"Auth": {"UsagePlan": {"CreateUsagePlan": "NONE"}}},
               "AWS::Serverless::Api"), "Fn.ApiKey", False),
    (_template({"StageName": "prod"}, "AWS::Serverless::HttpApi"), "Fn.Stage", True),
    (_template({}, "AWS::Serverless::HttpApi"), "Fn.Stage", False),
    (_template({"EventInvokeConfig": {"DestinationConfig": {"OnFailure": {"Type": "SNS"}}}}),
     "Fn.DestinationTopic", True),
    (_template({"EventInvokeConfig": {"DestinationConfig": {"OnFailure": {"Type": "SNS"}}}}),
     "Fn.DestinationQueue", False),
    (_template({"EventInvokeConfig": {"DestinationConfig": {
        "OnFailure": {"Type": "SNS", "Destination": "arn:aws:sns:us-east-1:1:t"}}}}),
     "Fn.DestinationTopic", False),
])
def test_generated_reference(template, variable, generated):
    assert generated_reference(template, variable) is generated


def test_corpus_alias_references_are_not_errors(engine):
    path = SHARED / "corpus/serverless-patterns/lambda-durable-investigation-escalation/template.yaml"
    if not path.is_file():
        pytest.skip("corpus not present")
    result = engine.lint_path(str(path))
    assert [f for f in result.findings if f.rule in REFERENCE_RULES] == []
