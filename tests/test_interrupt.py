"""Issue 20: an interrupted run leaves nothing behind: no worker process outlives the
parent whatever kills it, the parent says how far it got and exits 128 + the signal,
and `-o` is never a partial report."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(),
                                reason="reads process state from /proc (Linux)")

COPIES = 150
PREVIOUS = '{"version": 1, "previous": "a complete report from an earlier run"}\n'


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(part) for part in text.split()]


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for init to reap it has ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


@pytest.fixture(scope="module")
def many_templates(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("many")
    source = ROOT / "examples" / "serverless-api.yaml"
    for number in range(COPIES):
        shutil.copy(source, folder / f"stack-{number:03d}.yaml")
    return folder


@pytest.mark.parametrize(("signum", "previous"), [
    (signal.SIGTERM, False),
    (signal.SIGINT, True),
    (signal.SIGHUP, False),
    (signal.SIGKILL, True),
    (signal.SIGKILL, False),
])
def test_a_signal_to_the_parent_alone_leaves_no_worker_and_no_partial_report(
        many_templates, tmp_path, signum, previous):
    report = tmp_path / "report.json"
    if previous:
        report.write_text(PREVIOUS)
    parent = subprocess.Popen(
        [sys.executable, "-m", "tmpllint", "lint", "--no-cache", "--jobs", "2", "-f", "json",
         "-o", str(report), str(many_templates)],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True)  # its own group: the signal reaches the parent only
    try:
        deadline = time.monotonic() + 120
        while len(_children(parent.pid)) < 2 and time.monotonic() < deadline:
            assert parent.poll() is None, parent.stderr.read()
            time.sleep(0.05)
        workers = _children(parent.pid)
        assert len(workers) == 2, "the run never started its two workers"
        time.sleep(0.5)  # let them get into their first files
        os.kill(parent.pid, signum)
        sent = time.monotonic()
        _, stderr = parent.communicate(timeout=30)
        time.sleep(max(0.0, sent + 2.0 - time.monotonic()))
        assert [pid for pid in workers if _alive(pid)] == []
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
    if signum == signal.SIGKILL:
        assert parent.returncode == -signal.SIGKILL
    else:
        assert parent.returncode == 128 + signum
        found = re.fullmatch(r"tmpllint: interrupted \((\d+) of (\d+) files linted\)\n", stderr)
        assert found, stderr
        assert int(found.group(2)) == COPIES and int(found.group(1)) < COPIES
    if previous:
        assert report.read_text() == PREVIOUS
    else:
        assert not report.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmpllint-report-")] == []


def test_output_is_written_whole_through_a_rename(tmp_path):
    report = tmp_path / "report.json"
    report.write_text(PREVIOUS)
    done = subprocess.run([sys.executable, "-m", "tmpllint", "lint", "-f", "json", "-o",
                           str(report), str(ROOT / "examples" / "clean-queue.yaml")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert report.read_text().startswith('{\n  "version": 1')
    fresh = tmp_path / "fresh.json"
    umask = os.umask(0o022)
    os.umask(umask)
    subprocess.run([sys.executable, "-m", "tmpllint", "lint", "-f", "json", "-o", str(fresh),
                    str(ROOT / "examples" / "clean-queue.yaml")], cwd=tmp_path, timeout=120)
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~umask  # as open() would make it
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != ".tmpllint_cache") == [
        "fresh.json", "report.json"]


def test_an_interrupted_cache_write_leaves_no_entry_and_no_temporary_file(tmp_path, monkeypatch):
    from tmpllint import cache as cache_module
    from tmpllint.cache import Cache
    from tmpllint.findings import FileResult
    from tmpllint.interrupt import Interrupted

    cache = Cache({}, str(tmp_path))
    template = tmp_path / "t.yaml"
    template.write_text("Resources: {}\n")
    key = cache.key(str(template))

    def interrupted_dump(data, stream):
        stream.write('{"status": ')
        raise Interrupted(signal.SIGTERM)

    monkeypatch.setattr(cache_module.json, "dump", interrupted_dump)
    with pytest.raises(Interrupted):
        cache.put(key, FileResult(str(template)))
    assert [p for p in tmp_path.rglob("*") if p.is_file() and p.name != "t.yaml"] == []
    monkeypatch.undo()
    assert cache.get(key, str(template)) is None


def test_an_interrupted_run_in_one_process_says_how_far_it_got(many_templates, tmp_path):
    report = tmp_path / "report.json"
    parent = subprocess.Popen(
        [sys.executable, "-m", "tmpllint", "lint", "--no-cache", "--jobs", "1", "-f", "json",
         "-o", str(report), str(many_templates)],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True)
    time.sleep(4)
    assert parent.poll() is None
    os.kill(parent.pid, signal.SIGINT)
    _, stderr = parent.communicate(timeout=30)
    assert parent.returncode == 130
    assert re.fullmatch(rf"tmpllint: interrupted \(\d+ of {COPIES} files linted\)\n", stderr), stderr
    assert not report.exists()


class DescriptorEngine:
    """Stands in for the engine: reports the descriptors open in the worker and its
    parent death signal."""

    def lint_path(self, path, timeout=None):
        from tmpllint.findings import FileResult

        import ctypes

        descriptors = sorted(int(name) for name in os.listdir("/proc/self/fd"))
        status = Path("/proc/self/status").read_text()
        death_signal = ctypes.c_int(0)
        ctypes.CDLL(None).prctl(2, ctypes.byref(death_signal), 0, 0, 0)  # PR_GET_PDEATHSIG
        return FileResult(path, notes=[" ".join(map(str, descriptors)), str(os.getppid()),
                                       str(death_signal.value)]
                          + [line for line in status.splitlines() if line.startswith("SigIgn")])


def test_a_worker_holds_only_its_own_descriptor_and_dies_with_its_parent(tmp_path):
    from tmpllint.workers import lint_in_workers

    paths = [str(tmp_path / f"t{n}.yaml") for n in range(6)]
    for path in paths:
        Path(path).write_text("Resources: {}\n")
    results = lint_in_workers(DescriptorEngine(), paths, jobs=3, timeout=30, max_memory=None)
    for result in results:
        descriptors, parent, death_signal, ignored = result.notes
        assert int(death_signal) == signal.SIGKILL
        # stdin, stdout, stderr, its own end of its pipe, and the listing's own descriptor
        assert len(descriptors.split()) == 5 and descriptors.startswith("0 1 2 "), descriptors
        assert int(parent) == os.getpid()
        assert int(ignored.split()[1], 16) & (1 << (signal.SIGINT - 1))  # Ctrl-C is the parent's
