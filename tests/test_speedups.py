"""The engine's speed-ups of cfn-lint (tmpllint/speedups.py) are on with the cfn-lint
they were written against, and change nothing a rule reports."""

from __future__ import annotations

import importlib.metadata
import json
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


IAM_AND_RDS = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Policy:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: [s3:GetObjectz, s3:ListAllMyBuckets]
            Resource: arn:aws:s3:::bucket/key
  Db:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: mysql
      DBInstanceClass: db.m9.huge
      AllocatedStorage: "20"
      MasterUsername: admin
      ManageMasterUserPassword: true
"""
DEFERRED = {"E3025": "_schema", "E3062": "_schema", "I3510": "service_map",
            "W3037": "_service_map"}


def _pending(engine) -> dict:
    return {rule_id: sorted(rule.__dict__.get("_tmpllint_deferred") or {})
            for rule_id, rule in engine.rules.items()
            if rule.__dict__.get("_tmpllint_deferred")}


@pytest.mark.skipif(CFN_LINT != "1.58.0", reason=f"written for cfn-lint 1.58.0, this is "
                    f"{CFN_LINT}: a rule that uses its data differently is built as usual")
def test_large_rule_data_is_loaded_when_a_template_first_needs_it(tmp_path):
    engine = Engine()
    assert _pending(engine) == {rule_id: [name] for rule_id, name in DEFERRED.items()}
    assert engine.lint_path(str(ROOT / "examples" / "clean-queue.yaml")).status == "ok"
    assert _pending(engine) == {rule_id: [name] for rule_id, name in DEFERRED.items()}
    template = tmp_path / "iam-rds.yaml"
    template.write_text(IAM_AND_RDS)
    lazy = engine.lint_path(str(template)).findings
    assert {"W3037", "E3025"} <= {f.rule for f in lazy}
    assert not {"W3037", "E3025"} & set(_pending(engine))
    # the same data cfn-lint's constructor would have loaded
    from cfnlint.data import AdditionalSpecs
    from cfnlint.helpers import load_resource

    assert engine.rules["W3037"]._service_map == load_resource(AdditionalSpecs, "Policies.json")
    eager = Engine()
    eager.load_deferred()  # what the parent does before forking workers
    assert _pending(eager) == {}
    assert eager.lint_path(str(template)).findings == lazy


def test_a_rule_that_does_more_with_its_data_than_keep_it_gets_it_loaded():
    import cfnlint.helpers
    from cfnlint.data import AdditionalSpecs

    class KeepsIt:
        def __init__(self):
            self.data = cfnlint.helpers.load_resource(AdditionalSpecs, "Policies.json")

    class Wraps:
        def __init__(self):
            self.data = {"map": cfnlint.helpers.load_resource(AdditionalSpecs, "Policies.json")}

    with speedups.deferred_data() as deferred:
        kept = KeepsIt()
    assert isinstance(kept.data, speedups._Deferred)
    assert cfnlint.helpers.load_resource.__name__ == "load_resource"
    assert not hasattr(cfnlint.helpers.load_resource, "__wrapped__")  # restored
    assert deferred.attach([kept]) is True
    assert "data" not in vars(kept) and isinstance(kept.data, dict) and "s3" in str(kept.data)[:10**6]

    with speedups.deferred_data() as deferred:
        wrapped = Wraps()
    assert deferred.attach([wrapped]) is False  # nothing is changed; the engine builds anew
    assert isinstance(wrapped.data["map"], speedups._Deferred)


def test_engine_builds_as_cfn_lint_does_when_the_deferral_cannot_attach(monkeypatch):
    monkeypatch.setattr(speedups.deferred_data, "attach", lambda self, rules: False)
    engine = Engine()
    assert _pending(engine) == {}
    assert isinstance(vars(engine.rules["W3037"])["_service_map"], dict)


def test_gc_paused_restores_the_collector_and_freezes_only_when_asked():
    import gc

    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    with speedups.gc_paused():
        assert not gc.isenabled()
        with speedups.gc_paused(freeze=True):  # nested: the outer block decides
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled() and gc.get_freeze_count() == frozen
    gc.disable()
    try:
        with speedups.gc_paused(freeze=True):
            pass
        assert not gc.isenabled() and gc.get_freeze_count() == frozen
    finally:
        gc.enable()
    with speedups.gc_paused(freeze=True):
        keep = [object()]
    assert gc.isenabled() and gc.get_freeze_count() > frozen
    gc.unfreeze()
    del keep


def test_report_json_text_is_what_json_dumps_with_an_indent_gives():
    from tmpllint.report.json import dumps

    document = {"version": 1, "findings": [{"message": "caf\u00e9 \u2713 \"quoted\"\n", "line": 3,
                                            "resource": None, "ok": True, "score": 1.5}] * 3,
                "files": [], "summary": {"errors": 0, "nested": {"a": [1, [2, {}]]}}}
    assert dumps(document) == json.dumps(document, indent=2) + "\n"
    assert dumps([]) == "[]\n"
