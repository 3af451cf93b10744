"""An interrupted run: stop cleanly, say how far it got, leave no partial report.

`tmpllint lint` installs handlers for SIGINT, SIGTERM and SIGHUP that raise
`Interrupted` (a `BaseException`, so neither cfn-lint's per-rule `except Exception` nor
the engine's per-file guard can swallow it). Unwinding kills the worker processes
(workers.py) and removes any half-written temporary file (the report and cache entries
are written to a temporary file and renamed); `main()` then prints
"tmpllint: interrupted (N of M files linted)" on stderr and exits 128 + the signal
number: 130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP.

`RunState` counts the files done (for that line) and draws the progress bar.
"""

from __future__ import annotations

import os
import signal
import sys
import time

SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                if hasattr(signal, name))
#: Runs of at most this many files get no progress bar.
PROGRESS_MIN_FILES = 5
#: Seconds between two redraws of the bar.
REDRAW_SECONDS = 0.1


class Interrupted(BaseException):
    """The run received SIGINT, SIGTERM or SIGHUP."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def _raise(signum, frame) -> None:
    for other in SIGNALS:  # a second Ctrl-C while unwinding must not cut the clean-up short
        signal.signal(other, signal.SIG_IGN)
    raise Interrupted(signum)


def install() -> None:
    """Turn SIGINT, SIGTERM and SIGHUP into `Interrupted` for the rest of the run."""
    for signum in SIGNALS:
        signal.signal(signum, _raise)


class RunState:
    """Files done out of files to lint, and the progress bar on stderr."""

    def __init__(self) -> None:
        self.total = 0
        self.done = 0
        self.started = time.monotonic()
        self.bar = False
        self._drawn = 0.0
        self._recent: list[tuple[float, int]] = []

    def start(self, total: int, progress: bool = True, stream=None) -> None:
        self.total, self.done = total, 0
        self.started = time.monotonic()
        self.stream = stream or sys.stderr
        self.bar = progress and total > PROGRESS_MIN_FILES and wants_progress(self.stream)
        self._recent = [(self.started, 0)]
        if self.bar:
            self._draw(force=True)

    def advance(self, _result=None) -> None:
        self.done += 1
        if self.bar:
            self._draw(force=self.done == self.total)

    def _draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._drawn < REDRAW_SECONDS:
            return
        self._drawn = now
        self._recent = [(t, n) for t, n in self._recent if now - t <= 10.0] + [(now, self.done)]
        self.stream.write("\r" + progress_line(self.done, self.total, now - self.started,
                                               _rate(self._recent), _width(self.stream)) + "\x1b[K")
        self.stream.flush()

    def clear(self) -> None:
        """Remove the bar, so the report or a message starts on a clean line."""
        if self.bar:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.bar = False


STATE = RunState()


def wants_progress(stream) -> bool:
    """A bar only on a terminal, and never in CI (CI logs are not terminals, but some
    CI systems fake one)."""
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _rate(recent: list[tuple[float, int]]) -> float:
    """Files per second over the last ten seconds."""
    (t0, n0), (t1, n1) = recent[0], recent[-1]
    return (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0


def _width(stream) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns or 80  # 0: size never set
    except (OSError, AttributeError, ValueError):
        return 80


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}" if seconds < 3600 else \
        f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def progress_line(done: int, total: int, elapsed: float, rate: float, width: int = 80) -> str:
    """`[#####.....] 120/2000 files  14.2 files/s  0:08 elapsed  ETA 2:12`."""
    eta = _clock((total - done) / rate) if rate > 0 and done < total else ("0:00" if done >= total else "--:--")
    text = f" {done}/{total} files  {rate:.1f} files/s  {_clock(elapsed)} elapsed  ETA {eta}"
    room = max(10, min(40, width - len(text) - 3))
    filled = room * done // total if total else room
    return ("[" + "#" * filled + "." * (room - filled) + "]" + text)[: max(20, width - 1)]


def message(stop: Interrupted) -> str:
    return f"tmpllint: interrupted ({STATE.done} of {STATE.total} files linted)"
