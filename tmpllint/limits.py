"""Per-file limits: a wall-time limit and a memory cap for the process that lints.

The time limit is an alarm signal that raises `LintTimeout` in the middle of whatever
is running; `LintTimeout` derives from `BaseException` so that cfn-lint's per-rule
`except Exception` cannot swallow it, and it names the rule that was running (found on
the interrupted stack). The memory cap is `RLIMIT_AS`: going over it raises
`MemoryError` in the linting code instead of inviting the kernel's OOM killer.
"""

from __future__ import annotations

import contextlib
import resource
import signal
import sys
from typing import Iterator

GIB = 1024 ** 3


class LintTimeout(BaseException):
    """A file took longer than its time limit."""

    def __init__(self, seconds: float, rule: str | None) -> None:
        super().__init__(seconds, rule)
        self.seconds = seconds
        self.rule = rule

    def __str__(self) -> str:
        where = f" in rule {self.rule}" if self.rule else ""
        return f"timed out after {self.seconds:g} s{where}"


def running_rule(frame) -> str | None:
    """The id of the innermost cfn-lint rule on the stack, if any."""
    while frame is not None:
        candidate = frame.f_locals.get("self")
        rule_id = getattr(candidate, "id", None)
        if isinstance(rule_id, str) and rule_id and hasattr(candidate, "shortdesc"):
            return rule_id
        frame = frame.f_back
    return None


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise `LintTimeout` in this (main) thread after `seconds`; None or 0: no limit."""
    if not seconds or not hasattr(signal, "SIGALRM"):
        yield
        return

    def expire(signum, frame):
        raise LintTimeout(seconds, running_rule(frame))

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def cap_memory(limit_bytes: int | None) -> None:
    """Cap this process's address space (a worker's, or the CLI's with --jobs 1)."""
    if not limit_bytes or sys.platform != "linux":
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = limit_bytes if hard == resource.RLIM_INFINITY else min(limit_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
