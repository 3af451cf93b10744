"""Issue 6: every pattern and option combination writes a template that passes the gate
with zero findings (cfn-lint's own included, infos too) and matches its golden file."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import FIXTURES, ROOT
from tmpllint.generators import PATTERNS, render
from tmpllint.generators import fanout, static_site, vpc

GOLDEN = FIXTURES / "generators"
#: (golden file name, pattern, options): the documented option matrix.
MATRIX = [
    (f"vpc-azs{azs}{'-data' if data else ''}.yaml", "vpc", vpc.Options(azs=azs, data_subnets=data))
    for azs in (2, 3) for data in (False, True)
] + [
    (f"static-site{'-domain' if domain else ''}.yaml", "static-site",
     static_site.Options(custom_domain=domain))
    for domain in (False, True)
] + [
    (f"fanout-{queues}-{runtime}.yaml", "fanout", fanout.Options(queues=queues, runtime=runtime))
    for queues, runtime in ((1, "python3.12"), (3, "nodejs22.x"))
]


def test_every_pattern_is_in_the_matrix():
    assert {pattern for _, pattern, _ in MATRIX} == set(PATTERNS)


@pytest.mark.parametrize(("golden", "pattern", "options"), MATRIX, ids=[m[0] for m in MATRIX])
def test_generated_template_matches_its_golden_file(golden, pattern, options, update_golden):
    text = render(pattern, options)
    assert text == render(pattern, options), "output must be deterministic"
    path = GOLDEN / golden
    if update_golden:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert path.read_text() == text, "run pytest --update-golden if the change is deliberate"


@pytest.mark.parametrize(("golden", "pattern", "options"), MATRIX, ids=[m[0] for m in MATRIX])
def test_generated_template_passes_the_gate_with_zero_findings(engine, golden, pattern, options, tmp_path):
    path = tmp_path / golden
    path.write_text(render(pattern, options))
    result = engine.lint_path(str(path))
    assert result.status == "ok", result.error
    assert [(f.rule, f.line, f.message) for f in result.findings] == []


def test_new_writes_stdout_refuses_to_overwrite_and_forces(tmp_path):
    def new(*args):
        return subprocess.run([sys.executable, "-m", "tmpllint", "new", *args], cwd=tmp_path,
                              capture_output=True, text=True, timeout=60)

    printed = new("vpc", "--azs", "3")
    assert printed.returncode == 0 and printed.stdout == (GOLDEN / "vpc-azs3.yaml").read_text()
    assert new("vpc", "--out", "vpc.yaml").returncode == 0
    refused = new("vpc", "--azs", "3", "--out", "vpc.yaml")
    assert refused.returncode == 2 and "pass --force" in refused.stderr
    assert (tmp_path / "vpc.yaml").read_text() == (GOLDEN / "vpc-azs2.yaml").read_text()
    assert new("vpc", "--azs", "3", "--out", "vpc.yaml", "--force").returncode == 0
    assert (tmp_path / "vpc.yaml").read_text() == (GOLDEN / "vpc-azs3.yaml").read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["vpc.yaml"]  # no temporary left behind


def test_new_lists_patterns_and_rejects_bad_options():
    listed = subprocess.run([sys.executable, "-m", "tmpllint", "new", "--list"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert listed.stdout.startswith("vpc ")
    bad = subprocess.run([sys.executable, "-m", "tmpllint", "new", "vpc", "--azs", "5"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "--azs" in bad.stderr
