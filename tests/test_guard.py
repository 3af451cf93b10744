"""cfn-guard suppressions (tmpllint/guard.py): a resource's `Metadata.guard.SuppressedRules`
suppresses the tmpllint rule for the same practice on that resource, and nothing else."""

from __future__ import annotations

import pytest

from conftest import FIXTURES
from test_samrefs import _marked

from tmpllint.guard import GUARD_RULES, suppressed_rules

RULES = ("W9804", "W9204", "W9803")
CASES = sorted((FIXTURES / "guard").glob("*.yaml"))


@pytest.mark.parametrize("path", CASES, ids=[path.name for path in CASES])
def test_guard_suppressions_leave_exactly_the_marked_findings(engine, path):
    result = engine.lint_path(str(path))
    assert result.status == "ok", result.error
    found = {(f.rule, f.line) for f in result.findings if f.rule in RULES}
    if path.name.startswith("fail_"):
        assert _marked(path) and found == _marked(path)
        # Reports suppresses its own versioning finding only; its W9204 stays
        assert result.notes == ["1 finding not reported: the resources suppress them with "
                                "cfn-guard Metadata (guard: SuppressedRules)"]
    else:
        assert found == set()
        assert result.notes == ["3 findings not reported: the resources suppress them with "
                                "cfn-guard Metadata (guard: SuppressedRules)"]


@pytest.mark.parametrize(("metadata", "expected"), [
    ({"guard": {"SuppressedRules": ["S3_BUCKET_VERSIONING_ENABLED", "LAMBDA_INSIDE_VPC"]}},
     {"W9804"}),
    ({"guard": {"SuppressedRules": "S3_BUCKET_VERSIONING_ENABLED"}}, set()),
    ({"guard": {"SuppressedRules": [{"Ref": "X"}]}}, set()),
    ({"guard": None}, set()),
    ({"cfn-lint": {"config": {"ignore_checks": ["W9804"]}}}, set()),
])
def test_suppressed_rules(metadata, expected):
    assert suppressed_rules({"Type": "AWS::S3::Bucket", "Metadata": metadata}) == expected


def test_every_guard_rule_maps_to_a_tmpllint_rule():
    from tmpllint.catalog import pack_rules

    assert set(GUARD_RULES.values()) <= {doc.id for doc in pack_rules()}
