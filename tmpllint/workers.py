"""Lint files in worker processes that the parent can stop.

Each worker lints one file at a time with the engine built before it was forked (so the
rule collection is built once, not once per worker), under the file's time limit and
its own memory cap. The parent keeps a hard deadline per file as well: a worker stuck
where the alarm cannot reach it (inside C code) is killed and replaced, and a worker
that dies is replaced; either way that file gets an error and the others go on.
Results come back in input order.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import deque
from dataclasses import asdict
from multiprocessing.connection import wait

from tmpllint.findings import FileResult, Finding

#: Seconds the parent waits past a file's time limit before it kills the worker.
GRACE_SECONDS = 5.0

_ENGINE = None  # set in the parent just before forking; inherited by the workers


def _serve(connection, timeout, max_memory) -> None:
    from tmpllint.limits import cap_memory

    cap_memory(max_memory)
    while True:
        task = connection.recv()
        if task is None:
            return
        index, path = task
        result = _ENGINE.lint_path(path, timeout=timeout)
        connection.send((index, asdict(result)))


class _Worker:
    def __init__(self, context, timeout, max_memory) -> None:
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, timeout, max_memory),
                                       daemon=True)
        self.process.start()
        child.close()
        self.task: tuple[int, str, float] | None = None  # (index, path, deadline)

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.connection.send(None)
            except OSError:
                pass
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


def lint_in_workers(engine, paths: list[str], jobs: int, timeout: float | None,
                    max_memory: int | None) -> list[FileResult]:
    """Lint `paths` in `jobs` worker processes; results in the order of `paths`."""
    global _ENGINE
    _ENGINE = engine
    context = multiprocessing.get_context("fork")
    results: list[FileResult | None] = [None] * len(paths)
    # largest files first, so no big file is left running alone at the end
    pending = deque(sorted(enumerate(paths), key=lambda item: -_size(item[1])))
    workers = [_Worker(context, timeout, max_memory) for _ in range(min(jobs, len(paths)))]
    try:
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
                        continue
                    except (EOFError, OSError):
                        worker.process.join(timeout=5)
                        reason = (f"the worker process ended ({_exit_reason(worker.process.exitcode)})")
                        results[index] = FileResult(path, "error", error=reason, error_kind="worker")
                elif time.monotonic() >= deadline:
                    results[index] = FileResult(path, "error", error=f"timed out after {timeout:g} s",
                                                error_kind="timeout")
                else:
                    continue
                worker.stop(kill=True)
                workers[position] = _Worker(context, timeout, max_memory)
    finally:
        for worker in workers:
            worker.stop()
        _ENGINE = None
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
