"""The run contracts of issue 8: job counts, the cache, and what invalidates it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT
from tmpllint.cache import Cache
from tmpllint.runner import RunOptions, lint_files
from tmpllint.selection import RuleSelection

SAMPLE = sorted(str(p) for p in (FIXTURES / "checks").glob("W95*/*.yaml"))[:8]


def _lint_json(*args: str, env_cache: str | None = None) -> subprocess.CompletedProcess:
    import os

    env = dict(os.environ)
    if env_cache:
        env["TMPLLINT_CACHE_DIR"] = env_cache
    return subprocess.run([sys.executable, "-m", "tmpllint", "lint", "-f", "json", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)


def test_one_job_and_two_jobs_give_identical_json():
    one = _lint_json("--jobs", "1", "--no-cache", *SAMPLE)
    two = _lint_json("--jobs", "2", "--no-cache", *SAMPLE)
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout
    assert [f["path"] for f in json.loads(one.stdout)["files"]] == SAMPLE


def _options(tmp_path: Path, **changes) -> RunOptions:
    options = RunOptions(jobs=1, cache_dir=str(tmp_path / "cache"), max_memory=None)
    for key, value in changes.items():
        setattr(options, key, value)
    return options


class CountingEngine:
    """Stands in for the engine and counts the files it is asked to lint."""

    def __init__(self):
        from tmpllint.engine import Engine

        self.engine = Engine()
        self.linted = []

    def lint_path(self, path, timeout=None):
        self.linted.append(path)
        return self.engine.lint_path(path, timeout=timeout)


@pytest.fixture(scope="module")
def counting():
    return CountingEngine()


def _template(tmp_path: Path, text: str = "Resources:\n  Jobs:\n    Type: AWS::SQS::Queue\n") -> str:
    path = tmp_path / "queue.yaml"
    path.write_text(text)
    return str(path)


def test_a_cache_hit_returns_identical_findings_without_linting(tmp_path, counting):
    path = _template(tmp_path)
    counting.linted.clear()
    first = lint_files([path], _options(tmp_path), build_engine=lambda: counting)
    second = lint_files([path], _options(tmp_path), build_engine=lambda: counting)
    assert counting.linted == [path]
    assert second == first
    assert ("W9003", 2) in {(f.rule, f.line) for f in second[0].findings}


@pytest.mark.parametrize("change", ["file", "config", "rules"])
def test_changing_the_file_the_config_or_the_rules_invalidates_the_entry(tmp_path, counting, change,
                                                                         monkeypatch):
    path = _template(tmp_path)
    lint_files([path], _options(tmp_path), build_engine=lambda: counting)
    counting.linted.clear()
    options = _options(tmp_path)
    if change == "file":
        Path(path).write_text(Path(path).read_text() + "  More:\n    Type: AWS::SQS::Queue\n")
    elif change == "config":
        options.selection = RuleSelection(ignore=("W9003",))
    else:
        import tmpllint.cache

        monkeypatch.setattr(tmpllint.cache, "code_fingerprint", lambda: "edited rule")
    lint_files([path], options, build_engine=lambda: counting)
    assert counting.linted == [path]


def test_a_corrupt_entry_is_ignored_and_rewritten(tmp_path, counting):
    path = _template(tmp_path)
    options = _options(tmp_path)
    first = lint_files([path], options, build_engine=lambda: counting)
    cache = Cache(options.cache_settings(), options.cache_dir)
    entry = Path(options.cache_dir) / cache.key(path)[:2] / f"{cache.key(path)}.json"
    entry.write_text("{not json")
    counting.linted.clear()
    again = lint_files([path], options, build_engine=lambda: counting)
    assert counting.linted == [path] and again == first
    assert json.loads(entry.read_text())["status"] == "ok"


def test_no_cache_writes_nothing(tmp_path):
    cache_dir = tmp_path / "cache"
    done = _lint_json("--no-cache", "--jobs", "1", "examples", env_cache=str(cache_dir))
    assert done.returncode == 1
    assert not cache_dir.exists()


def test_a_run_of_cache_hits_never_imports_cfn_lint(tmp_path):
    cache_dir = str(tmp_path / "cache")
    assert _lint_json("examples", env_cache=cache_dir).returncode == 1
    import os

    env = dict(os.environ, TMPLLINT_CACHE_DIR=cache_dir)
    probe = ("import sys, runpy; sys.argv = ['tmpllint', 'lint', 'examples'];"
             "\ntry:\n    runpy.run_module('tmpllint', run_name='__main__')\nexcept SystemExit:\n    pass"
             "\nprint('CFNLINT' if any(m.startswith('cfnlint') for m in sys.modules) else 'CLEAN')")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env=env)
    assert done.stdout.strip().splitlines()[-1] == "CLEAN"
