"""Issue 9: hostile and odd inputs get a finding or a per-file error, within limits;
a property-based fuzz run mutates real fixtures and checks the engine never raises."""

from __future__ import annotations

import copy
import json
import os
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES

ROBUST = FIXTURES / "robust"
#: Each robust fixture and the rules it must be reported with.
EXPECTED = {
    "alias_bomb.yaml": {"E0000"},
    "binary.yaml": {"E0000"},
    "crlf_line_ends.yaml": {"W9003"},
    "duplicate_keys.yaml": {"E0000"},
    "empty.yaml": {"E0000"},
    "forty_conditions.yaml": {"W9003", "W9105"},
    "nested_if_ten_deep.yaml": {"W9103"},
    "nesting_500_levels.json": {"E0000"},
    "sam_empty_resources.yaml": {"E1001", "E3001"},
    "type_as_mapping.yaml": {"E3001"},
    "utf8_bom.yaml": {"W9104"},
}


def test_every_robust_fixture_is_listed():
    assert {path.name for path in ROBUST.iterdir()} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_robust_fixture_is_answered_within_its_limit(engine, name):
    started = time.monotonic()
    result = engine.lint_path(str(ROBUST / name), timeout=30)
    assert time.monotonic() - started < 30
    assert result.status == "ok", result.error
    assert EXPECTED[name] <= {f.rule for f in result.findings}


# -- fuzzing ------------------------------------------------------------------------
EXAMPLES = int(os.environ.get("TMPLLINT_FUZZ_EXAMPLES", "200"))
SEEDS = sorted((FIXTURES / "checks").glob("*/fail_*.yaml"))[::7]
INTRINSICS = [{"Ref": "Missing"}, {"Fn::If": ["Nope", 1, {"Ref": "AWS::NoValue"}]},
              {"Fn::GetAtt": ["Ghost", "Arn"]}, {"Fn::Sub": "${Missing}-x"},
              {"Fn::Join": [",", [{"Ref": "AWS::Region"}, 3]]}, {"Fn::Select": [9, []]}]


def _plain(value):
    """cfn-lint's decoded nodes as plain JSON data."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value if not isinstance(value, str) else str(value)
    return str(value)


def _load(path):
    from cfnlint.decode.decode import decode_str

    template, _ = decode_str(path.read_text(encoding="utf-8"))
    return _plain(template)


def _paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, path + (index,))


replacement = st.one_of(
    st.sampled_from(INTRINSICS), st.integers(), st.booleans(), st.none(),
    st.text(max_size=20), st.just("\u2603\u0000\ud7ff" * 3), st.just("x" * 100_000),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


mutation = st.tuples(st.floats(min_value=0, max_value=1, exclude_max=True),
                     st.sampled_from(["drop", "duplicate", "replace"]), replacement)


def _mutate(document, mutations):
    """Apply (where, action, value) mutations; `where` picks a path by position."""
    for where, action, value in mutations:
        paths = [p for p in _paths(document) if p]
        if not paths:
            break
        path = paths[int(where * len(paths))]
        parent = document
        for key in path[:-1]:
            parent = parent[key]
        if action == "drop":
            del parent[path[-1]]
        elif action == "duplicate" and isinstance(parent, dict):
            parent[f"{path[-1]}Copy"] = json.loads(json.dumps(parent[path[-1]]))
        else:
            parent[path[-1]] = copy.deepcopy(value)  # never share the strategy's objects
    return document


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(seed=st.sampled_from(SEEDS), mutations=st.lists(mutation, min_size=1, max_size=4))
def test_fuzzed_templates_never_break_the_engine(engine, tmp_path, seed, mutations):
    from tmpllint.report import render

    document = _mutate(_load(seed), mutations)
    target = tmp_path / "fuzzed.json"
    target.write_text(json.dumps(document), encoding="utf-8")
    result = engine.lint_path(str(target), timeout=30)
    assert result.status in ("ok", "error", "skipped")
    assert result.status != "error" or result.error_kind in ("crash", "timeout", "memory")
    report = json.loads(render("json", [result], color=False, verbose=True))
    assert report["summary"]["files"] == (0 if result.status == "skipped" else 1)
    assert render("text", [result], color=False, verbose=True).endswith("\n")
