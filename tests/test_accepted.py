"""cfn-lint findings on what CloudFormation accepts (tmpllint/accepted.py): dropped only at
the exact place named there; the same rule elsewhere stays.

`fixtures/accepted/fail_*.yaml` marks every line that must be reported with
`# expect: <ID>` (rules E3001, W3001); `pass_*.yaml` must give none of them.
"""

from __future__ import annotations

import pytest

from conftest import FIXTURES
from test_samrefs import _marked

from tmpllint.accepted import accepted

RULES = ("E3001", "W3001")
CASES = sorted((FIXTURES / "accepted").glob("*_*.yaml"))
CASES = [case for case in CASES if case.name.startswith(("fail_", "pass_"))]


@pytest.mark.parametrize("path", CASES, ids=[path.name for path in CASES])
def test_resource_attributes_reported_exactly_on_the_marked_lines(engine, path):
    result = engine.lint_path(str(path))
    assert result.status == "ok", result.error
    found = {(f.rule, f.line) for f in result.findings if f.rule in RULES}
    if path.name.startswith("fail_"):
        assert _marked(path) and found == _marked(path)
    else:
        assert found == set()


TEMPLATE = {"Resources": {"B": {"Type": "AWS::S3::Bucket", "Description": "logs"}}}


@pytest.mark.parametrize(("rule", "path", "template", "expected"), [
    ("E3001", ["Resources", "B", "Description"], TEMPLATE, True),
    ("E3002", ["Resources", "B", "Description"], TEMPLATE, False),
    ("E3001", ["Resources", "B", "Properties", "Description"], TEMPLATE, False),
    ("E3001", ["Resources", "B", "Descripton"], TEMPLATE, False),
    ("E3001", ["Resources", "B", "Description"],
     {"Resources": {"B": {"Type": "AWS::S3::Bucket", "Description": ["x"]}}}, False),
    ("E3001", ["Resources", "B", "Description"],
     {"Resources": {"B": {"Type": "AWS::Serverless::Function", "Description": "x"}}}, False),
    ("E3001", None, TEMPLATE, False),
    ("E3001", ["Resources", "B", "Description"], None, False),
])
def test_accepted(rule, path, template, expected):
    assert accepted(rule, path, template) is expected


def test_old_policy_version_is_info_unless_it_uses_policy_variables(engine):
    path = FIXTURES / "accepted" / "policy_versions.yaml"
    result = engine.lint_path(str(path))
    lines = path.read_text(encoding="utf-8").splitlines()
    marked = {number: line.rsplit("# ", 1)[1] for number, line in enumerate(lines, start=1)
              if line.endswith(("# info", "# warning"))}
    found = {f.line: f.severity for f in result.findings if f.rule == "W2511"}
    assert found == marked


def test_keep_restores_the_old_policy_version_warning():
    from tmpllint.engine import Engine
    from tmpllint.selection import RuleSelection

    result = Engine(selection=RuleSelection(overlaps="keep")).lint_path(
        str(FIXTURES / "accepted" / "policy_versions.yaml"))
    assert {f.severity for f in result.findings if f.rule == "W2511"} == {"warning"}
