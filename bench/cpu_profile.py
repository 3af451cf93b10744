#!/usr/bin/env python3
"""Where one process spends its CPU time: per stage, per rule, and cProfile's top functions.

    python bench/cpu_profile.py [FOLDER] [--limit 80] [--one-file FILE] [--cfn-lint-only]
                            [--only IDS] [--ignore IDS] [--top 25] [--cprofile]
                            [--pstats OUT] [--engine FILE]

Lints the first LIMIT templates of FOLDER (sorted; default 80 of
../shared/corpus/aws-cloudformation-templates), or one file with --one-file, in this
process with one engine, as `tmpllint lint --jobs 1 --no-cache` does. All figures are
CPU seconds of this process (`time.process_time`), which a loaded machine disturbs far
less than wall time.

- stages: import (tmpllint + cfn-lint), rule construction, then read/parse/template
  model/transform/rules/suppression/report summed over the files;
- rules: exclusive CPU per rule (time inside the rule's own entry points `match`,
  `matchall`, `matchall_resource_properties`, `validate` and the keyword validators a
  schema rule hands to its children, minus the time of rules nested inside it), split
  into tmpllint's pack and cfn-lint's rules;
- with --cprofile: cProfile's top functions by cumulative time over the lint loop.

--engine FILE runs another version of tmpllint/engine.py in the same environment, for a
before/after comparison in one checkout:
    git show main:tmpllint/engine.py > /tmp/engine_main.py
    python bench/cpu_profile.py --engine /tmp/engine_main.py --no-rule-timer

The per-rule timers add their own overhead (a few percent); compare runs of this script
with each other, not with `time tmpllint lint`. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import inspect
import io
import pstats
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FOLDER = ROOT.parent / "shared" / "corpus" / "aws-cloudformation-templates"
SUFFIXES = (".yaml", ".yml", ".json", ".template")
ENTRY_POINTS = ("match", "matchall", "matchall_resource_properties", "validate")

clock = time.process_time


class RuleTimer:
    """Exclusive CPU time per rule, through wrappers on the rules' entry points."""

    def __init__(self) -> None:
        self.exclusive: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.stack: list[list] = []  # [rule_id, started, nested]

    def _enter(self, rule_id: str) -> None:
        self.stack.append([rule_id, clock(), 0.0])

    def _leave(self) -> None:
        rule_id, started, nested = self.stack.pop()
        spent = clock() - started
        self.exclusive[rule_id] += spent - nested
        if self.stack:
            self.stack[-1][2] += spent

    def wrap(self, rule_id: str, function):
        timer = self

        @functools.wraps(function)
        def wrapped(*args, **kwargs):
            timer.calls[rule_id] += 1
            timer._enter(rule_id)
            try:
                result = function(*args, **kwargs)
            finally:
                timer._leave()
            if inspect.isgenerator(result) or hasattr(result, "__next__"):
                return timer._generator(rule_id, result)
            return result

        return wrapped

    def _generator(self, rule_id: str, generator):
        while True:
            self._enter(rule_id)
            try:
                item = next(generator)
            except StopIteration:
                return
            finally:
                self._leave()
            yield item

    def instrument(self, rules) -> None:
        names_by_rule: dict[str, set[str]] = defaultdict(set)
        for rule in rules.values():
            for name, child in (getattr(rule, "rule_set", None) or {}).items():
                names_by_rule[child].add(name)
        for rule_id, rule in rules.items():
            for name in set(ENTRY_POINTS) | names_by_rule[rule_id]:
                method = getattr(rule, name, None)
                if callable(method):
                    setattr(rule, name, self.wrap(rule_id, method))


class StageTimer:
    """Replaces the engine's `_Stage`, so every stage change is timed."""

    totals: dict[str, float] = defaultdict(float)

    def __init__(self) -> None:
        object.__setattr__(self, "_current", None)
        object.__setattr__(self, "_since", clock())
        self.name = "read"

    def __setattr__(self, key, value):
        if key == "name":
            now = clock()
            if self._current is not None:
                # the rules run lazily: their generator is drained in "suppression"
                current = {"rules": "rules + suppression",
                           "suppression": "rules + suppression"}.get(self._current,
                                                                     self._current)
                StageTimer.totals[current] += now - self._since
            object.__setattr__(self, "_current", value)
            object.__setattr__(self, "_since", now)
        object.__setattr__(self, key, value)

    def close(self) -> None:
        self.name = None


def templates(folder: Path, limit: int) -> list[str]:
    files = sorted(str(p) for p in folder.rglob("*") if p.is_file() and p.suffix in SUFFIXES)
    return files[:limit] if limit else files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", default=str(DEFAULT_FOLDER))
    parser.add_argument("--limit", type=int, default=80)
    parser.add_argument("--one-file")
    parser.add_argument("--cfn-lint-only", action="store_true",
                        help="only cfn-lint's rules (tmpllint's pack ignored: E9,W9,I9)")
    parser.add_argument("--only", default="")
    parser.add_argument("--ignore", default="")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument("--no-rule-timer", action="store_true")
    parser.add_argument("--pstats", help="write cProfile's stats to this file")
    parser.add_argument("--engine", help="load the engine module from this file instead")
    args = parser.parse_args()

    if args.one_file:
        files = [args.one_file]
    else:
        folder = Path(args.folder)
        if not folder.is_dir():
            print(f"profile skipped: {folder} is not here")
            return 0
        files = templates(folder, args.limit)

    started = clock()
    import cfnlint.rules  # noqa: F401 - the import is what is measured
    import tmpllint.engine as engine_module
    from tmpllint.selection import RuleSelection

    if args.engine:
        import importlib.util

        spec = importlib.util.spec_from_file_location("tmpllint_engine_other", args.engine)
        engine_module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(engine_module)

    imported = clock()
    ignore = [s for s in args.ignore.split(",") if s]
    if args.cfn_lint_only:
        ignore += ["E9", "W9", "I9"]
    selection = RuleSelection(only=tuple(s for s in args.only.split(",") if s),
                              ignore=tuple(ignore))
    engine = engine_module.Engine(selection=selection)
    built = clock()

    rule_timer = RuleTimer()
    if not args.no_rule_timer:
        rule_timer.instrument(engine.rules)
    stages: list[StageTimer] = []

    def make_stage():
        stage = StageTimer()
        stages.append(stage)
        return stage

    engine_module._Stage = make_stage
    profiler = cProfile.Profile() if args.cprofile else None
    lint_started = clock()
    findings = 0
    if profiler:
        profiler.enable()
    for path in files:
        result = engine.lint_path(path)
        stages[-1].close()
        findings += len(result.findings)
    if profiler:
        profiler.disable()
    linted = clock()

    print(f"{len(files)} files, {findings} findings, {len(engine.rules)} rules; CPU seconds")
    print(f"{'import':<24}{imported - started:>8.2f}")
    print(f"{'rule construction':<24}{built - imported:>8.2f}")
    print(f"{'lint (all files)':<24}{linted - lint_started:>8.2f}")
    for name, spent in sorted(StageTimer.totals.items(), key=lambda kv: -kv[1]):
        print(f"  {name:<22}{spent:>8.2f}")
    if not args.no_rule_timer:
        ours = {r for r in rule_timer.exclusive
                if type(engine.rules[r]).__module__.startswith("tmpllint.checks")}
        pack = sum(v for r, v in rule_timer.exclusive.items() if r in ours)
        theirs = sum(v for r, v in rule_timer.exclusive.items() if r not in ours)
        print(f"\nrules, exclusive CPU: tmpllint pack {pack:.2f} s ({len(ours)} rules), "
              f"cfn-lint {theirs:.2f} s")
        ranked = sorted(rule_timer.exclusive.items(), key=lambda kv: -kv[1])
        for label, wanted in (("tmpllint", True), ("cfn-lint", False)):
            print(f"top {label} rules{'':<8}{'CPU s':>8}{'calls':>10}")
            shown = [kv for kv in ranked if (kv[0] in ours) == wanted][:args.top]
            for rule_id, spent in shown:
                print(f"  {rule_id:<22}{spent:>8.2f}{rule_timer.calls[rule_id]:>10}")
    if profiler:
        stream = io.StringIO()
        stats = pstats.Stats(profiler, stream=stream)
        if args.pstats:
            stats.dump_stats(args.pstats)
        stats.sort_stats("cumulative").print_stats(args.top)
        print(stream.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
