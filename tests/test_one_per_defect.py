"""cfn-lint findings that say the same thing at the same place are one defect
(tmpllint/engine.py `_one_per_defect`)."""

from __future__ import annotations

from conftest import FIXTURES

from tmpllint.engine import _one_per_defect
from tmpllint.findings import Finding


def _finding(rule, message="m", severity="error", source="cfn-lint", line=3):
    return Finding(path="t.yaml", line=line, column=5, rule=rule, severity=severity,
                   message=message, end_line=line, end_column=9, source=source)


def test_a_null_getazs_inside_join_is_reported_once(engine):
    result = engine.lint_path(str(FIXTURES / "dedupe" / "getazs_null.json"))
    errors = sorted((f.line, f.rule) for f in result.findings if f.severity == "error")
    # line 13: the plain Select (E1017); line 14: the same null inside a Join, which
    # cfn-lint reports word for word as E1022 and E3024
    assert errors == [(13, "E1017"), (14, "E1022")]


def test_same_span_and_message_merge_into_the_most_severe():
    merged = _one_per_defect([_finding("E3024"), _finding("W1022", severity="warning"),
                              _finding("E1022")])
    assert [(f.rule, f.severity) for f in merged] == [("E1022", "error")]


def test_different_messages_lines_or_tmpllint_findings_are_kept():
    findings = [_finding("E1157", "a"), _finding("E1162", "b"),
                _finding("E1022", line=4), _finding("E1022", line=5),
                _finding("W9204", source="tmpllint"), _finding("W9804", source="tmpllint")]
    assert sorted(f.rule for f in _one_per_defect(findings)) == sorted(f.rule for f in findings)
