"""The engine's speed-ups of cfn-lint (tmpllint/speedups.py) are on with the cfn-lint
they were written against, and change nothing a rule reports."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest

from tmpllint import speedups
from tmpllint.engine import Engine

CFN_LINT = importlib.metadata.version("cfn-lint")
ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(CFN_LINT != "1.58.0", reason=f"speed-ups are written for cfn-lint 1.58.0, "
                    f"this is {CFN_LINT}: they stay off where its source differs")
def test_every_speedup_is_on_with_cfn_lint_1_58():
    import cfnlint.jsonschema.validators as validators
    from cfnlint.context.context import Context
    from cfnlint.rules.jsonschema.Base import BaseJsonSchema

    engine = Engine()
    assert hasattr(validators.create, "__wrapped__")
    assert hasattr(BaseJsonSchema.extend_validator, "__wrapped__")
    assert hasattr(Context.evolve, "__wrapped__")
    assert "cfnLint" in vars(engine.rules["E1101"])
    from cfnlint.rules import Rules
    from cfnlint.rules._rule import matching

    from tmpllint.engine import _CFN_LINT_MATCHING, _CFN_LINT_RUN

    assert speedups.same_source(Rules.run, _CFN_LINT_RUN)
    assert speedups.same_source(matching, _CFN_LINT_MATCHING)


def test_same_findings_with_and_without_the_indexed_keyword_dispatch():
    engine = Engine()
    paths = sorted(str(p) for p in (ROOT / "fixtures" / "checks").glob("W91*/fail_*.yaml"))[:6]
    assert paths
    fast = [engine.lint_path(p).findings for p in paths]
    rule = engine.rules["E1101"]
    del rule.cfnLint  # cfn-lint's own scan over every child rule
    slow = [engine.lint_path(p).findings for p in paths]
    assert fast == slow
    assert any(fast)
