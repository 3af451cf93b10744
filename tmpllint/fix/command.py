"""What `tmpllint fix` prints and returns: the fixes made (or the diff), the fixes left
(unsafe without --unsafe-fixes, or manual) and the normal lint report of what remains."""

from __future__ import annotations

import difflib
import sys
from dataclasses import dataclass

from tmpllint.fix.registry import FIXES


@dataclass
class FixOptions:
    regions: tuple[str, ...] = ("us-east-1",)
    only: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    unsafe: bool = False
    diff: bool = False
    check_remaining: bool = True
    fail_on: str = "warning"


def run_fix(files: list[str], options: FixOptions, out=None, err=None) -> int:
    """Fix (or diff) `files`; the exit code: with --diff 1 when something would change;
    else 1 when a file changed or (with check_remaining) a finding at or above
    fail_on remains, 3 when a file could not be read; 0 otherwise."""
    from tmpllint.findings import severity_rank
    from tmpllint.fix.apply import FixEngine, fix_file, write_atomic
    from tmpllint.report import render
    from tmpllint.selection import RuleSelection

    out = out or sys.stdout
    err = err or sys.stderr
    engine = FixEngine(regions=options.regions, selection=RuleSelection(options.only, options.ignore))
    results, changed, unreadable = [], 0, False
    for path in files:
        try:
            outcome = fix_file(engine, path, unsafe=options.unsafe)
        except OSError as problem:
            err.write(f"tmpllint: cannot read {path}: {problem.strerror}\n")
            unreadable = True
            continue
        if outcome.result is not None and outcome.result.status == "skipped":
            continue
        if outcome.changed:
            changed += 1
            if options.diff:
                out.writelines(difflib.unified_diff(
                    outcome.original.splitlines(True), outcome.text.splitlines(True),
                    f"a/{path.lstrip('/')}", f"b/{path.lstrip('/')}"))
            else:
                write_atomic(path, outcome.text)
        verb = "would fix" if options.diff else "fixed"
        for plan in outcome.fixed:
            err.write(f"{path}:{plan.finding.line}: {plan.finding.rule} {verb}: "
                      f"{FIXES[plan.finding.rule].summary}\n")
            if plan.note:
                err.write(f"    {plan.note}\n")
        for plan in outcome.skipped:
            if plan.manual:
                what = f"fix is manual: {plan.manual}"
            else:
                what = f"fix available (unsafe): {plan.unsafe} (--unsafe-fixes applies it)"
            err.write(f"{path}:{plan.finding.line}: {plan.finding.rule} {what}\n")
        if outcome.error:
            err.write(f"{path}: {outcome.error}\n")
        if outcome.result is not None:
            results.append(outcome.result)
    if options.diff:
        err.write(f"tmpllint: {changed} file{'s' * (changed != 1)} would be changed\n")
        return 1 if changed else 0
    err.write(f"tmpllint: fixed {changed} file{'s' * (changed != 1)}; what remains:\n")
    out.write(render("text", results, color=False, verbose=False))
    if unreadable or any(r.error_kind in ("read", "timeout", "memory") for r in results):
        return 3
    threshold = severity_rank(options.fail_on)
    remaining = any(severity_rank(f.severity) >= threshold for r in results for f in r.findings)
    return 1 if changed or (options.check_remaining and remaining) else 0
