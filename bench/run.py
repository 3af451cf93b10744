#!/usr/bin/env python3
"""Benchmark tmpllint against cfn-lint's own CLI on a folder of templates.

    python bench/run.py [FOLDER] [--repeat N] [--one-file FILE] [--baseline PYTHON] [--skip-folder]

FOLDER defaults to ../shared/corpus/aws-cloudformation-templates (beside a checkout of
this repository); when it is absent the benchmark says so and exits 0. Each variant runs
N times (default 3) on the same file list; the table shows the median wall time, the
peak memory of the largest single process (GNU time's maximum resident set size) and
the ratio to the cfn-lint CLI, and the median CPU time (user + sys of the process and
its workers), which a machine busy with other work disturbs far less than wall time.
Variants: cfn-lint's CLI; tmpllint cold with --jobs 1; cfn-lint's rules only inside
tmpllint's engine (`--ignore E9,W9,I9 --jobs 1`), so that the marginal cost of
tmpllint's own pack is the difference of the two --jobs 1 rows (printed under the
table as a share of cfn-lint's CLI, issue 16: at most 20%); tmpllint cold with the
default jobs (one per CPU); tmpllint with a warm cache. Then the same for one small
template, and `tmpllint rules` / `explain W9101`. Variants take turns (one run of each,
then the next round). `--baseline PYTHON` adds rows for another checkout's tmpllint (the
python of its own venv), for before/after in the same minutes; `--skip-folder` keeps
only the one-file and documentation tables. Not part of the test suite: timings are
machine facts, not assertions.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FOLDER = ROOT.parent / "shared" / "corpus" / "aws-cloudformation-templates"
SUFFIXES = (".yaml", ".yml", ".json", ".template")
TIME = shutil.which("time") and Path("/usr/bin/time").exists()
JOBS1 = "tmpllint cold, --jobs 1"
CFN_ONLY = "cfn-lint rules only in tmpllint, --jobs 1"


def templates(folder: Path) -> list[str]:
    return sorted(str(p) for p in folder.rglob("*") if p.is_file() and p.suffix in SUFFIXES)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(command: list[str], env: dict) -> tuple[float, float, float]:
    """(wall seconds, peak resident MB of the largest process, CPU seconds) of one run."""
    if TIME:
        command = ["/usr/bin/time", "-f", "%M", *command]
    started, cpu_started = time.perf_counter(), _children_cpu()
    # from a neutral folder: `python -m tmpllint` would otherwise import the checkout it
    # is started in (the current folder comes first on sys.path), whatever its venv
    done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, cwd=tempfile.gettempdir())
    wall = time.perf_counter() - started
    cpu = _children_cpu() - cpu_started
    peak = 0.0
    if TIME:
        last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "0"
        peak = float(last) / 1024 if last.isdigit() else 0.0
    return wall, peak, cpu


def run_variants(variants: list[tuple], env: dict, repeat: int) -> list[dict]:
    """Each variant (name, command, prepare or None) `repeat` times, taking turns (one
    run of every variant, then the next round), so a change in the machine's load
    falls on all of them alike."""
    rows = [{"name": name, "runs": [], "peaks": [], "cpus": []} for name, _, _ in variants]
    for _ in range(repeat):
        for row, (_, command, prepare) in zip(rows, variants):
            if prepare:
                prepare()
            wall, peak, cpu = measure(command, env)
            row["runs"].append(wall)
            row["peaks"].append(peak)
            row["cpus"].append(cpu)
    for row in rows:
        row.update(median=statistics.median(row["runs"]), peak=max(row["peaks"]),
                   cpu=statistics.median(row["cpus"]))
    return rows


def table(title: str, rows: list[dict]) -> str:
    base, base_cpu = rows[0]["median"], rows[0]["cpu"]
    lines = [title, f"{'variant':<44}{'median s':>10}{'peak MB':>10}{'x cfn-lint':>12}"
                    f"{'CPU s':>8}{'x cfn-lint':>12}   runs (s)"]
    for row in rows:
        runs = ", ".join(f"{r:.2f}" for r in row["runs"])
        lines.append(f"{row['name']:<44}{row['median']:>10.2f}{row['peak']:>10.0f}"
                     f"{row['median'] / base:>12.2f}{row['cpu']:>8.2f}"
                     f"{row['cpu'] / base_cpu if base_cpu else 0:>12.2f}   {runs}")
    by_name = {row["name"]: row for row in rows}
    full, cfn_only = by_name.get(JOBS1), by_name.get(CFN_ONLY)
    if full and cfn_only:
        for label, key, reference in (("wall", "median", base), ("CPU", "cpu", base_cpu)):
            if reference:
                extra = full[key] - cfn_only[key]
                lines.append(f"marginal cost of tmpllint's pack ({label}): {extra:.2f} s = "
                             f"{extra / reference:.0%} of cfn-lint CLI (issue 16 goal: <= 20%)")
    return "\n".join(lines)


def _env(cache_dir: str) -> dict:
    env = dict(os.environ, TMPLLINT_CACHE_DIR=cache_dir)
    # as installed from a wheel: compiled modules are kept (cfn-lint's already are;
    # without this an editable tmpllint would compile ~40 modules in every process)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def compare(files: list[str], repeat: int, label: str, baseline: str | None = None) -> str:
    cache_dir = tempfile.mkdtemp(prefix="tmpllint-bench-")
    env = _env(cache_dir)
    tmpllint = [sys.executable, "-m", "tmpllint", "lint", "--fail-on", "error"]
    # the cfn-lint of this venv (the one tmpllint runs on), not whatever is first on PATH
    # (a pyenv shim there adds ~0.4 s of bash and pyenv to every run)
    beside = Path(sys.executable).parent / "cfn-lint"
    cfn_lint = str(beside) if beside.exists() else shutil.which("cfn-lint") or "cfn-lint"

    def clear():
        shutil.rmtree(cache_dir, ignore_errors=True)

    default = f"tmpllint cold, --jobs {os.cpu_count()} (default)"
    variants = [
        ("cfn-lint CLI", [cfn_lint, "--", *files], None),
        (JOBS1, [*tmpllint, "--jobs", "1", *files], clear),
        (CFN_ONLY, [*tmpllint, "--jobs", "1", "--ignore", "E9,W9,I9", *files], clear),
        (default, [*tmpllint, *files], clear),
    ]
    if baseline:  # another checkout's interpreter (its own venv): before/after, taking turns
        before = [baseline, "-m", "tmpllint", "lint", "--fail-on", "error"]
        variants += [(f"baseline: {JOBS1}", [*before, "--jobs", "1", *files], clear),
                     (f"baseline: {default}", [*before, *files], clear)]
    rows = run_variants(variants, env, repeat)
    subprocess.run([*tmpllint, *files], env=env, stdout=subprocess.DEVNULL,
                   cwd=tempfile.gettempdir())  # warm the cache
    rows += run_variants([("tmpllint cached", [*tmpllint, *files], None)], env, repeat)
    shutil.rmtree(cache_dir, ignore_errors=True)
    return table(f"{label} ({len(files)} files, {repeat} runs each)", rows)


def docs_commands(repeat: int, baseline: str | None = None) -> str:
    """`tmpllint rules` and `tmpllint explain W9101` (issue 16: at most 0.25 s)."""
    env = _env(tempfile.gettempdir())
    variants = []
    for python, prefix in [(sys.executable, "")] + ([(baseline, "baseline: ")] if baseline else []):
        variants += [(f"{prefix}tmpllint rules", [python, "-m", "tmpllint", "rules"], None),
                     (f"{prefix}tmpllint explain W9101",
                      [python, "-m", "tmpllint", "explain", "W9101"], None)]
    rows = run_variants(variants, env, repeat)
    lines = [f"Documentation commands ({repeat} runs each)",
             f"{'command':<44}{'median s':>10}{'peak MB':>10}{'CPU s':>8}   runs (s)"]
    for row in rows:
        lines.append(f"{row['name']:<44}{row['median']:>10.2f}{row['peak']:>10.0f}"
                     f"{row['cpu']:>8.2f}   {', '.join(f'{r:.2f}' for r in row['runs'])}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", default=str(DEFAULT_FOLDER))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--one-file", default=str(ROOT / "examples" / "clean-queue.yaml"))
    parser.add_argument("--baseline", metavar="PYTHON",
                        help="also time another checkout's tmpllint (the python of its venv), "
                             "taking turns with this one")
    parser.add_argument("--skip-folder", action="store_true",
                        help="only the one-file and documentation-command tables")
    args = parser.parse_args()
    folder = Path(args.folder)
    if not folder.is_dir():
        print(f"benchmark skipped: {folder} is not here (it lies beside the repository, in "
              "../shared/corpus, on the development machines)")
        return 0
    files = templates(folder)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, GNU time: {'yes' if TIME else 'no'}")
    if not args.skip_folder:
        print(compare(files, args.repeat, f"Folder {folder}", args.baseline), flush=True)
        print()
    print(compare([args.one_file], max(args.repeat, 5), f"One file {args.one_file}",
                  args.baseline), flush=True)
    print()
    print(docs_commands(max(args.repeat, 5), args.baseline))
    return 0


if __name__ == "__main__":
    sys.exit(main())
