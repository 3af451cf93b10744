"""Issue 9: a file over its time or memory limit is an error, never a hung or killed
run; an ignored rule's code never runs."""

from __future__ import annotations

import time

import pytest
from cfnlint.rules import CloudFormationLintRule

from tmpllint.engine import Engine
from tmpllint.selection import RuleSelection
from tmpllint.workers import lint_in_workers

QUEUE = "Resources:\n  Jobs:\n    Type: AWS::SQS::Queue\n"
TOPIC = "Resources:\n  Alerts:\n    Type: AWS::SNS::Topic\n"


class SleepingRule(CloudFormationLintRule):
    """Test-only rule that hangs on any template with a queue."""

    id = "E9993"
    shortdesc = "test rule that sleeps"
    description = shortdesc

    def match(self, cfn):
        if cfn.get_resources(["AWS::SQS::Queue"]):
            time.sleep(60)
        return []


class AllocatingRule(CloudFormationLintRule):
    """Test-only rule that allocates far more memory than the cap on a queue template."""

    id = "E9994"
    shortdesc = "test rule that allocates"
    description = shortdesc

    def match(self, cfn):
        if cfn.get_resources(["AWS::SQS::Queue"]):
            hoard = [bytearray(64 * 1024 ** 2) for _ in range(64)]  # 4 GiB
            return [len(hoard)]
        return []


class CountingRule(CloudFormationLintRule):
    """Test-only rule that counts how often it runs."""

    id = "W9995"
    shortdesc = "test rule that counts"
    description = shortdesc
    calls = 0

    def match(self, cfn):
        CountingRule.calls += 1
        return []


def _files(tmp_path, **contents):
    paths = []
    for name, text in contents.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(text)
        paths.append(str(path))
    return paths


def test_timeout_in_process_names_the_running_rule(tmp_path):
    [queue] = _files(tmp_path, queue=QUEUE)
    started = time.monotonic()
    result = Engine(extra_rules=[SleepingRule()]).lint_path(queue, timeout=1)
    assert time.monotonic() - started < 10
    assert (result.status, result.error_kind) == ("error", "timeout")
    assert result.error == "timed out after 1 s in rule E9993"


def test_timeout_in_a_worker_replaces_the_worker_and_the_run_goes_on(tmp_path):
    paths = _files(tmp_path, a_queue=QUEUE, b_topic=TOPIC, c_queue=QUEUE, d_topic=TOPIC)
    engine = Engine(extra_rules=[SleepingRule()])
    started = time.monotonic()
    results = lint_in_workers(engine, paths, jobs=2, timeout=1, max_memory=None)
    assert time.monotonic() - started < 30
    assert [(r.path, r.status, r.error) for r in results] == [
        (paths[0], "error", "timed out after 1 s in rule E9993"),
        (paths[1], "ok", None),
        (paths[2], "error", "timed out after 1 s in rule E9993"),
        (paths[3], "ok", None),
    ]


def test_memory_cap_in_a_worker_is_a_per_file_error(tmp_path):
    paths = _files(tmp_path, a_queue=QUEUE, b_topic=TOPIC)
    engine = Engine(extra_rules=[AllocatingRule()])
    results = lint_in_workers(engine, paths, jobs=2, timeout=60, max_memory=1024 ** 3)
    assert (results[0].status, results[0].error_kind) == ("error", "memory")
    assert results[0].error.startswith("out of memory in rule E9994")
    assert results[1].status == "ok"


def test_an_ignored_rule_is_never_called(tmp_path):
    [queue] = _files(tmp_path, queue=QUEUE)
    CountingRule.calls = 0
    Engine(extra_rules=[CountingRule()]).lint_path(queue)
    assert CountingRule.calls == 1
    CountingRule.calls = 0
    Engine(extra_rules=[CountingRule()], selection=RuleSelection(ignore=("W9995",))).lint_path(queue)
    Engine(extra_rules=[CountingRule()], selection=RuleSelection(only=("W9003",))).lint_path(queue)
    assert CountingRule.calls == 0


@pytest.mark.parametrize(("option", "message"), [
    (["--max-memory", "lots"], "--max-memory takes a size like 2G or 512M, not 'lots'"),
    (["--timeout", "-1"], "greater than or equal to 0"),
])
def test_bad_limits_are_usage_errors(option, message):
    import subprocess
    import sys

    from conftest import ROOT

    done = subprocess.run([sys.executable, "-m", "tmpllint", "lint", "examples", *option],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert message in done.stderr
