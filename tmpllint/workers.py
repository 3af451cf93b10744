"""Lint files in worker processes that the parent can stop, and that never outlive it.

Each worker is forked from the parent after the engine is built (so the rule collection
is built once, not once per worker) and lints one file at a time under the file's time
limit and its own memory cap. The parent keeps a hard deadline per file as well: a
worker stuck where the alarm cannot reach it (inside C code) is killed and replaced, and
a worker that dies is replaced; either way that file gets an error and the others go on.
Results come back in input order.

A worker ends within about a second of its parent's death, whatever killed the parent:
on Linux the kernel sends it SIGKILL (`PR_SET_PDEATHSIG`); everywhere it closes every
descriptor it inherited except its own end of its pipe (so no worker holds another
worker's pipe open, and a dead parent means end-of-file), and it checks that its parent
is still the same process between files and while it waits for one. Workers ignore
SIGINT (a Ctrl-C at a terminal reaches the whole process group; the parent handles it
and stops them).
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
from collections import deque
from dataclasses import asdict
from multiprocessing.connection import Connection, wait

from tmpllint.findings import FileResult, Finding

#: Seconds the parent waits past a file's time limit before it kills the worker.
GRACE_SECONDS = 5.0
#: How often an idle worker checks that its parent is alive.
PARENT_CHECK_SECONDS = 0.5
PR_SET_PDEATHSIG = 1


def _parent_death_signal():
    """A function that asks the kernel to SIGKILL the calling process when its parent
    dies (Linux prctl), or None where there is no such thing. Looked up in the parent, so
    a worker does not load ctypes."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    return lambda: prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _close_inherited(keep: int) -> None:
    """Close every descriptor above stderr except `keep`."""
    try:
        descriptors = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        try:
            descriptors = [int(name) for name in os.listdir("/dev/fd")]
        except OSError:
            limit = min(os.sysconf("SC_OPEN_MAX") if hasattr(os, "sysconf") else 1024, 65536)
            descriptors = list(range(3, limit))
    for descriptor in descriptors:
        if descriptor > 2 and descriptor != keep:
            try:
                os.close(descriptor)
            except OSError:
                pass


def _child(engine, connection: Connection, parent: int, timeout, max_memory, pdeathsig) -> None:
    """The worker's whole life; never returns into the parent's code."""
    from tmpllint.limits import cap_memory

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for signum in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if signum is not None:
            signal.signal(signum, signal.SIG_DFL)
    if pdeathsig is not None:
        pdeathsig()
    if os.getppid() != parent:  # the parent died before the death signal was armed
        return
    cap_memory(max_memory)
    while True:
        while not connection.poll(PARENT_CHECK_SECONDS):
            if os.getppid() != parent:
                return
        try:
            task = connection.recv()
        except (EOFError, OSError):
            return
        if task is None or os.getppid() != parent:
            return
        index, path = task
        from tmpllint.runner import lint_one

        result = lint_one(engine, path, timeout)
        if os.getppid() != parent:
            return
        connection.send((index, asdict(result)))


class _Worker:
    def __init__(self, engine, timeout, max_memory, pdeathsig) -> None:
        ours, theirs = socket.socketpair()
        parent = os.getpid()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the worker
            code = 0
            try:
                ours.close()
                keep = theirs.detach()
                _close_inherited(keep)
                _child(engine, Connection(keep), parent, timeout, max_memory, pdeathsig)
            except BaseException:  # noqa: BLE001 - a worker never returns to the parent's code
                code = 1
            finally:
                os._exit(code)
        theirs.close()
        self.pid = pid
        self.exitcode: int | None = None
        self.connection = Connection(ours.detach())
        self.task: tuple[int, str, float] | None = None  # (index, path, deadline)

    def _reap(self, block: bool) -> bool:
        """Collect the exit status; True when the worker has ended."""
        if self.exitcode is not None:
            return True
        try:
            pid, status = os.waitpid(self.pid, 0 if block else os.WNOHANG)
        except ChildProcessError:
            self.exitcode = -1
            return True
        if pid == 0:
            return False
        self.exitcode = os.waitstatus_to_exitcode(status)
        return True

    def join(self, timeout: float) -> bool:
        ends = time.monotonic() + timeout
        while not self._reap(block=False):
            if time.monotonic() >= ends:
                return False
            time.sleep(0.02)
        return True

    def kill(self) -> None:
        if self.exitcode is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._reap(block=True)
        self.connection.close()

    def stop(self) -> None:
        """Ask the worker to end; kill it when it does not within 5 s."""
        try:
            self.connection.send(None)
        except OSError:
            pass
        if not self.join(timeout=5):
            self.kill()
        self.connection.close()


def lint_in_workers(engine, paths: list[str], jobs: int, timeout: float | None,
                    max_memory: int | None, on_result=None) -> list[FileResult]:
    """Lint `paths` in `jobs` worker processes; results in the order of `paths`.
    `on_result(result)` is called in the parent as each file is done. On any exception
    in the parent (a signal handler's included) every worker is killed at once."""
    pdeathsig = _parent_death_signal()
    if hasattr(engine, "load_deferred"):  # data loaded once here is shared by every worker
        engine.load_deferred()
    results: list[FileResult | None] = [None] * len(paths)
    # largest files first, so no big file is left running alone at the end
    pending = deque(sorted(enumerate(paths), key=lambda item: -_size(item[1])))
    workers: list[_Worker] = []
    finished = False
    try:
        for _ in range(min(jobs, len(paths))):
            workers.append(_Worker(engine, timeout, max_memory, pdeathsig))
        while pending or any(w.task for w in workers):
            for worker in workers:
                if worker.task is None and pending:
                    index, path = pending.popleft()
                    deadline = time.monotonic() + timeout + GRACE_SECONDS if timeout else float("inf")
                    worker.task = (index, path, deadline)
                    worker.connection.send((index, path))
            busy = [w for w in workers if w.task]
            soonest = min(w.task[2] for w in busy)
            wait_for = None if soonest == float("inf") else max(0.0, soonest - time.monotonic())
            ready = wait([w.connection for w in busy], timeout=wait_for)
            for position, worker in enumerate(workers):
                if worker.task is None:
                    continue
                index, path, deadline = worker.task
                if worker.connection in ready:
                    try:
                        _, data = worker.connection.recv()
                        results[index] = _from_dict(data)
                        worker.task = None
                        if on_result:
                            on_result(results[index])
                        continue
                    except (EOFError, OSError):
                        worker.join(timeout=5)
                        reason = f"the worker process ended ({_exit_reason(worker.exitcode)})"
                        results[index] = FileResult(path, "error", error=reason, error_kind="worker")
                elif time.monotonic() >= deadline:
                    results[index] = FileResult(path, "error", error=f"timed out after {timeout:g} s",
                                                error_kind="timeout")
                else:
                    continue
                if on_result:
                    on_result(results[index])
                worker.kill()
                workers[position] = _Worker(engine, timeout, max_memory, pdeathsig)
        finished = True
    finally:
        for worker in workers:
            worker.stop() if finished else worker.kill()
    return [result for result in results if result is not None]


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _exit_reason(code) -> str:
    if code is None:
        return "still running"
    if code < 0:
        return f"killed by signal {-code}"
    return f"exit code {code}"


def _from_dict(data: dict) -> FileResult:
    data = dict(data)
    data["findings"] = [Finding(**finding) for finding in data["findings"]]
    return FileResult(**data)
