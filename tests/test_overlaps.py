"""Issue 12, item 1: no echo of cfn-lint.

Every place where a cfn-lint rule and a tmpllint rule report the same line of the same
resource (or parameter or output) is either a pair of tmpllint's SUPERSEDED table (the
cfn-lint rule is off by default) or a pair judged to say two different things
(bench/overlaps.py REVIEWED). fixtures/overlaps/ was written for this test: each
`# overlap: CFN+OURS` line is where a superseded rule and its tmpllint rule coincide.
"""

from __future__ import annotations

import os
import re
import sys

import pytest

from conftest import FIXTURES, ROOT, SHARED

sys.path.insert(0, str(ROOT / "bench"))
import overlaps  # noqa: E402

from tmpllint.selection import SUPERSEDED, RuleSelection  # noqa: E402

SAMPLE = FIXTURES / "overlaps"
MARK = re.compile(r"#\s*overlap:\s*([A-Z0-9+, ]+)$")


def marked() -> set[tuple[str, str, str, int]]:
    found = set()
    for path in sorted(SAMPLE.glob("*.yaml")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            hit = MARK.search(line)
            for pair in (hit.group(1).split(",") if hit else []):
                cfn, ours = pair.strip().split("+")
                found.add((cfn, ours, path.name, number))
    return found


@pytest.fixture(scope="module")
def sample_pairs():
    return overlaps.coincidences(overlaps.lint([str(SAMPLE)], jobs=1))


def test_sample_superseded_pairs_are_exactly_the_marked_lines(sample_pairs):
    found = {(cfn, ours, os.path.basename(path), line)
             for (cfn, ours), places in sample_pairs.items()
             if overlaps.status((cfn, ours)) == "superseded" for path, line, _ in places}
    assert found == marked()


def test_every_other_coincidence_on_the_sample_was_judged(sample_pairs):
    assert [pair for pair in sample_pairs if overlaps.status(pair) == "NEW"] == []


def test_superseded_table_names_real_rules():
    from tmpllint.catalog import cfn_lint_rules, pack_rules

    theirs = {doc.id for doc in cfn_lint_rules()}
    ours = {doc.id for doc in pack_rules()}
    for cfn, (by, why) in SUPERSEDED.items():
        assert cfn in theirs and set(by) <= ours and why.strip(), cfn


def test_superseded_rules_are_not_in_the_collection_unless_kept(engine):
    from tmpllint.engine import Engine

    assert set(SUPERSEDED) & set(engine.rules.keys()) == set()
    assert set(SUPERSEDED) <= set(Engine(selection=RuleSelection(overlaps="keep")).rules.keys())


def test_default_run_reports_no_superseded_rule(engine):
    rules = {f.rule for path in sorted(SAMPLE.glob("*.yaml"))
             for f in engine.lint_path(str(path)).findings}
    assert {"W9801", "W9303", "E9301", "E9306"} <= rules
    assert rules & set(SUPERSEDED) == set()


def test_only_with_the_full_id_brings_one_back():
    selection = RuleSelection(only=("I3011",))
    assert selection.enabled("I3011") and not selection.enabled("W3011")
    assert not RuleSelection(only=("I3",)).enabled("I3011")  # a prefix does not
    assert not RuleSelection(ignore=("I3011",), overlaps="keep").enabled("I3011")


@pytest.mark.skipif(not (SHARED / "corpus").is_dir() or not os.environ.get("TMPLLINT_CORPUS_TESTS"),
                    reason="by hand: TMPLLINT_CORPUS_TESTS=1 with ../shared/corpus beside the checkout")
def test_whole_corpus_has_no_unjudged_coincidence():
    pairs = overlaps.coincidences(overlaps.lint([str(SHARED / "corpus")], jobs=os.cpu_count() or 1))
    assert {pair: len(places) for pair, places in pairs.items()
            if overlaps.status(pair) == "NEW"} == {}
