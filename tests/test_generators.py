"""Issue 6: every pattern and option combination writes a template that passes the gate
with zero findings (cfn-lint's own included, infos too) and matches its golden file."""

from __future__ import annotations

import itertools
import subprocess
import sys

import pytest

from conftest import FIXTURES, ROOT
from generated import sam_transformed
from tmpllint.generators import PATTERNS, render
from tmpllint.generators import (dr, ecs_fargate, event_driven, fanout, serverless_api, static_site, stream,
                                 three_tier, vpc, workflow)

GOLDEN = FIXTURES / "generators"
#: (golden file name, pattern, options): the documented option matrix.
MATRIX = [
    (f"vpc-azs{azs}{'-data' if data else ''}.yaml", "vpc", vpc.Options(azs=azs, data_subnets=data))
    for azs in (2, 3) for data in (False, True)
] + [
    (f"static-site{'-domain' if domain else ''}{'-spa' if spa else ''}.yaml", "static-site",
     static_site.Options(custom_domain=domain, spa=spa))
    for domain, spa in ((False, False), (True, False), (True, True))
] + [
    (f"fanout-{queues}-{runtime}.yaml", "fanout", fanout.Options(queues=queues, runtime=runtime))
    for queues, runtime in ((1, "python3.12"), (3, "nodejs22.x"))
] + [
    (f"serverless-api-{api}-{auth}.yaml", "serverless-api", serverless_api.Options(api=api, auth=auth))
    for api in ("http", "rest") for auth in ("cognito", "iam")
] + [
    (f"three-tier-azs{azs}-{engine}{'-cache' if cache else ''}.yaml", "three-tier",
     three_tier.Options(azs=azs, db_engine=engine, cache=cache))
    for azs, engine, cache in ((2, "postgres", False), (3, "mysql", True), (2, "mysql", True))
]
MATRIX += [
    (f"dr-{strategy}-{site}.yaml", "dr", dr.Options(strategy=strategy, site=site))
    for strategy in dr.STRATEGIES for site in dr.SITES
]
SAM_PATTERNS = [m for m in MATRIX if m[1] in ("serverless-api", "fanout")]
WORKFLOW_MATRIX = [
    (f"workflow-{kind}-{trigger}-{runtime}.yaml", "workflow",
     workflow.Options(type=kind, trigger=trigger, runtime=runtime))
    for kind, trigger, runtime in (("standard", "none", "python3.12"), ("standard", "schedule", "python3.12"),
                                   ("express", "none", "python3.12"), ("express", "schedule", "nodejs22.x"))
]
MATRIX += WORKFLOW_MATRIX
SAM_PATTERNS += WORKFLOW_MATRIX
#: event-driven: every --targets with and without --schema-registry; the runtimes rotate
#: (tests/test_gen_event_driven.py shows a runtime changes only the runtime and handler).
EVENT_DRIVEN = [
    (f"event-driven-{targets}{'-registry' if registry else ''}-{runtime}.yaml", "event-driven",
     event_driven.Options(targets=targets, schema_registry=registry, runtime=runtime))
    for (targets, registry), runtime in zip(
        [(t, r) for t in event_driven.TARGETS for r in (False, True)],
        ("python3.12", "python3.13", "nodejs22.x", "python3.12", "java21", "python3.13"))
]
MATRIX += EVENT_DRIVEN
SAM_PATTERNS += EVENT_DRIVEN
MATRIX += [
    (f"stream-{mode}{'-firehose' if firehose else ''}-{destination}"
     f"{'' if runtime == 'python3.12' else '-' + runtime}.yaml", "stream",
     stream.Options(mode=mode, firehose=firehose, destination=destination, runtime=runtime))
    for mode, firehose, destination, runtime in [
        *itertools.product(stream.MODES, (True, False), stream.DESTINATIONS, ("python3.12",)),
        ("on-demand", True, "sqs", "java21"), ("provisioned", False, "sns", "nodejs22.x")]
]
SAM_PATTERNS += [m for m in MATRIX if m[1] == "stream"]
MATRIX += [
    (f"ecs-fargate-azs{azs}{'-spot' if spot else ''}.yaml", "ecs-fargate", ecs_fargate.Options(azs=azs, spot=spot))
    for azs in (2, 3) for spot in (False, True)
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


@pytest.mark.parametrize(("golden", "pattern", "options"), SAM_PATTERNS, ids=[m[0] for m in SAM_PATTERNS])
def test_sam_patterns_transform_cleanly(golden, pattern, options):
    """The SAM translator (as `sam deploy` runs it) accepts the template once its code is
    packaged (CodeUri pointing at S3, as `sam package` writes it)."""
    transformed = sam_transformed(pattern, options)
    types = {resource["Type"] for resource in transformed["Resources"].values()}
    assert "AWS::Lambda::Function" in types
    assert not any(t.startswith("AWS::Serverless::") for t in types)


def test_new_static_site_passes_spa_through():
    printed = subprocess.run([sys.executable, "-m", "tmpllint", "new", "static-site", "--custom-domain", "--spa"],
                             cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert printed.returncode == 0
    assert printed.stdout == (GOLDEN / "static-site-domain-spa.yaml").read_text()


def test_cfn_lint_alone_reports_nothing_on_any_golden_file():
    """Issue 17: plain cfn-lint, with every rule tmpllint supersedes or demotes back on,
    reports nothing on any generated template (not even an informational finding)."""
    import os
    import shutil

    cfn_lint = shutil.which("cfn-lint", path=os.path.dirname(sys.executable))
    files = sorted(str(GOLDEN / golden) for golden, _, _ in MATRIX)
    done = subprocess.run([cfn_lint, "--format", "parseable", "--", *files],
                          capture_output=True, text=True, timeout=600)
    assert (done.returncode, done.stdout) == (0, ""), done.stdout[-3000:] + done.stderr[-2000:]
