"""Each rule documents itself: what, why, seed citations, failing and passing examples."""

from __future__ import annotations

import re

import pytest

from conftest import SHARED
from tmpllint.catalog import pack_rules

DOCS = pack_rules()
CITATION = re.compile(r"^seeds/(\d{3})_[0-9a-f]+\.txt:(\d+)(?:-(\d+))?$")


@pytest.mark.parametrize("doc", DOCS, ids=[doc.id for doc in DOCS])
def test_rule_documentation_is_complete(doc):
    assert re.fullmatch(r"[EWI]9\d{3}", doc.id)
    assert doc.severity == {"E": "error", "W": "warning", "I": "info"}[doc.id[0]]
    for field in ("shortdesc", "description", "why", "example_fail", "example_pass", "source_url"):
        assert getattr(doc, field).strip(), f"{doc.id} has no {field}"
    assert doc.seeds, f"{doc.id} cites no study note"
    assert all(CITATION.match(seed) for seed in doc.seeds), doc.seeds


@pytest.mark.parametrize("doc", DOCS, ids=[doc.id for doc in DOCS])
def test_seed_citations_point_at_existing_lines(doc):
    if not (SHARED / "seeds").is_dir():
        pytest.skip("../shared/seeds is not beside this checkout")
    for seed in doc.seeds:
        path, _, lines = seed.partition(":")
        last = int(lines.split("-")[-1])
        text = (SHARED / path).read_text(encoding="utf-8").splitlines()
        assert last <= len(text), f"{seed} is past the end of {path}"
