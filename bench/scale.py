#!/usr/bin/env python3
"""Scale check (issue 16): time grows linearly with the number of templates, and the
peak memory of the parent and of each worker stays flat.

    python bench/scale.py [--sizes 1000,3000,10000] [--corpus DIR] [--jobs N] [--keep]

For each size N it builds a synthetic repository of N templates in a temporary folder
(not in the repository): the corpus templates (default ../shared/corpus, beside a
checkout) taken in turn, each copy with its resources' logical ids renamed (`Queue` ->
`QueueC3` in copy 3, wherever the id is written: Ref, GetAtt, Sub, DependsOn), so no
two files have the same content (the cache cannot hit; nothing keyed on a name is
reused), then runs `tmpllint lint DIR --format json -o FILE` cold (a fresh cache
folder) with the default jobs (or --jobs) and reports wall time, CPU time (user + sys
of tmpllint and its workers), seconds per 1,000 files, and the peak resident memory
(VmHWM from /proc, sampled every 0.2 s) of the parent and of each worker, with the
workers' resident memory at a quarter, half, three quarters and the end of the run.
Linux only (/proc). Not part of the test suite: timings are machine facts.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
SUFFIXES = (".yaml", ".yml", ".json", ".template")
ID = re.compile(r"^  ([A-Za-z0-9]+):\s*$", re.M)  # a YAML logical id, two spaces in


def corpus_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in SUFFIXES)


def logical_ids(text: str, suffix: str) -> list[str]:
    """The resource ids of a template (JSON parsed; YAML by its two-space keys under
    `Resources:`), longest first; an id that is also written as a key anywhere else
    (a property named like it) is left as it is, so renaming never renames a key."""
    ids: list[str] = []
    if suffix == ".json":
        try:
            resources = json.loads(text).get("Resources") or {}
            ids = [k for k in resources if isinstance(k, str) and k.isalnum()]
        except (ValueError, AttributeError):
            return []
        key = r'"{}"\s*:'
    else:
        section = re.search(r"^Resources:\s*\n(.*?)(?=^\S|\Z)", text, re.M | re.S)
        ids = ID.findall(section.group(1)) if section else []
        key = r"(?<![\w-]){}\s*:(?:\s|$)"
    return sorted((i for i in set(ids) if len(re.findall(key.format(re.escape(i)), text)) == 1),
                  key=len, reverse=True)


def renamed(text: str, suffix: str, copy: int) -> str:
    for logical_id in logical_ids(text, suffix):
        text = re.sub(rf"(?<![\w-]){re.escape(logical_id)}(?![\w-])", f"{logical_id}C{copy}", text)
    return text + ("\n" * (copy + 1) if suffix == ".json" else f"\n# synthetic copy {copy}\n")


def build(target: Path, sources: list[Path], count: int) -> None:
    for index in range(count):
        source = sources[index % len(sources)]
        copy = index // len(sources)
        text = source.read_text(encoding="utf-8", errors="replace")
        out = target / f"c{copy}" / f"{index:05d}_{source.name}"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(renamed(text, source.suffix, copy), encoding="utf-8")


def _status(pid: int) -> dict:
    values = {}
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                name, _, rest = line.partition(":")
                if name in ("VmHWM", "VmRSS", "PPid"):
                    values[name] = int(rest.split()[0])
    except OSError:
        pass
    return values


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and _status(int(entry)).get("PPid") == pid:
            found.append(int(entry))
    return found


class Sampler(threading.Thread):
    """Peak resident memory (kB) of a process and of each of its children, and the
    children's resident memory over time."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.done = pid, False
        self.parent_peak = 0
        self.worker_peak: dict[int, int] = {}
        self.timeline: list[tuple[float, int, int]] = []  # (seconds, parent RSS, max worker RSS)

    def run(self) -> None:
        started = time.monotonic()
        while not self.done:
            parent = _status(self.pid)
            if not parent:
                break
            self.parent_peak = max(self.parent_peak, parent.get("VmHWM", 0))
            worst = 0
            for child in _children(self.pid):
                status = _status(child)
                self.worker_peak[child] = max(self.worker_peak.get(child, 0), status.get("VmHWM", 0))
                worst = max(worst, status.get("VmRSS", 0))
            self.timeline.append((time.monotonic() - started, parent.get("VmRSS", 0), worst))
            time.sleep(0.2)


def run(folder: Path, jobs: int | None) -> dict:
    cache = tempfile.mkdtemp(prefix="tmpllint-scale-cache-")
    report = Path(cache) / "report.json"
    env = dict(os.environ, TMPLLINT_CACHE_DIR=cache)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    command = [sys.executable, "-m", "tmpllint", "lint", str(folder), "--format", "json",
               "-o", str(report), "--fail-on", "error"]
    if jobs:
        command += ["--jobs", str(jobs)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               cwd=tempfile.gettempdir())
    sampler = Sampler(process.pid)
    sampler.start()
    _, stderr = process.communicate()
    wall = time.perf_counter() - started
    sampler.done = True
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    data = json.loads(report.read_text()) if report.exists() else {}
    files = data.get("files", [])
    shutil.rmtree(cache, ignore_errors=True)
    timeline = sampler.timeline
    quarters = []
    for share in (0.25, 0.5, 0.75, 1.0):
        moment = [s for s in timeline if s[0] <= share * wall]
        quarters.append(moment[-1][2] // 1024 if moment else 0)
    return {"wall": wall, "cpu": cpu, "exit": process.returncode, "files": len(files),
            "errors": sum(1 for f in files if f.get("status") == "error"),
            "findings": len(data.get("findings", [])),
            "parent_peak_mb": sampler.parent_peak // 1024,
            "worker_peaks_mb": sorted(v // 1024 for v in sampler.worker_peak.values()),
            "worker_rss_quarters_mb": quarters,
            "stderr": stderr.decode(errors="replace")[-500:] if process.returncode not in (0, 1) else ""}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,3000")
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    parser.add_argument("--jobs", type=int, default=None, help="default: tmpllint's own (one per CPU)")
    parser.add_argument("--keep", action="store_true", help="keep the synthetic folders")
    args = parser.parse_args()
    corpus = Path(args.corpus)
    if not corpus.is_dir():
        print(f"scale check skipped: {corpus} is not here")
        return 0
    sources = corpus_files(corpus)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, corpus {corpus} "
          f"({len(sources)} templates), jobs {args.jobs or 'default'}", flush=True)
    header = (f"{'files':>6}{'wall s':>9}{'CPU s':>9}{'CPU s/1k':>10}{'errors':>8}{'findings':>10}"
              f"{'parent MB':>11}  worker peaks MB   worker RSS at 1/4, 1/2, 3/4, end MB")
    print(header, flush=True)
    for size in (int(s) for s in args.sizes.split(",")):
        folder = Path(tempfile.mkdtemp(prefix=f"tmpllint-scale-{size}-"))
        try:
            build(folder, sources, size)
            result = run(folder, args.jobs)
        finally:
            if not args.keep:
                shutil.rmtree(folder, ignore_errors=True)
        print(f"{result['files']:>6}{result['wall']:>9.1f}{result['cpu']:>9.1f}"
              f"{result['cpu'] / size * 1000:>10.1f}{result['errors']:>8}{result['findings']:>10}"
              f"{result['parent_peak_mb']:>11}  {result['worker_peaks_mb']}   "
              f"{result['worker_rss_quarters_mb']}", flush=True)
        if result["stderr"]:
            print(f"  exit {result['exit']}: {result['stderr']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
