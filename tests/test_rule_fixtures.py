"""Every rule's fixtures: a fail fixture is flagged on exactly its `# expect:` lines.

`fixtures/checks/<ID>/fail_*.yaml` marks each line that must be flagged with a trailing
`# expect: <ID>`; the set of (rule, line) pairs the engine reports for that rule must
equal the marked set. `pass_*.yaml` must produce no finding of that rule.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import FIXTURES

CHECKS = FIXTURES / "checks"
EXPECT = re.compile(r"#\s*expect:\s*([A-Z0-9, ]+)\s*$")


def expected(path: Path, rule_id: str) -> set[tuple[str, int]]:
    marked = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        found = EXPECT.search(line)
        if found and rule_id in [part.strip() for part in found.group(1).split(",")]:
            marked.add((rule_id, number))
    return marked


def fixture_cases():
    for path in sorted(CHECKS.glob("*/*.yaml")):
        yield pytest.param(path.parent.name, path, id=f"{path.parent.name}/{path.name}")


@pytest.mark.parametrize(("rule_id", "path"), list(fixture_cases()))
def test_fixture_flags_exactly_the_marked_lines(engine, rule_id, path):
    result = engine.lint_path(str(path))
    assert result.status == "ok", result.error
    found = {(f.rule, f.line) for f in result.findings if f.rule == rule_id}
    if path.name.startswith("fail_"):
        marked = expected(path, rule_id)
        assert marked, f"{path.name} marks no line with '# expect: {rule_id}'"
        assert found == marked
    else:
        assert path.name.startswith("pass_"), "fixtures are named fail_*.yaml or pass_*.yaml"
        assert found == set()


def test_every_pack_rule_has_fail_and_pass_fixtures():
    from tmpllint.catalog import pack_rules

    missing = []
    for doc in pack_rules():
        folder = CHECKS / doc.id
        if not list(folder.glob("fail_*.yaml")) or not list(folder.glob("pass_*.yaml")):
            missing.append(doc.id)
    assert missing == []


def test_fixture_folders_name_real_rules():
    from tmpllint.catalog import pack_rules

    known = {doc.id for doc in pack_rules()}
    assert {folder.name for folder in CHECKS.iterdir() if folder.is_dir()} <= known
