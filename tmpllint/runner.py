"""One lint run: cache look-ups first, then the engine for the files that missed.

The engine (and so cfn-lint) is only built when some file is not in the cache. Files
are linted in-process when there is one job or one file, otherwise in worker processes;
either way under the per-file time limit and memory cap, and results come back in the
order of the input.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable

from tmpllint.findings import FileResult
from tmpllint.selection import RuleSelection

DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_MEMORY = 2 * 1024 ** 3


@dataclass
class RunOptions:
    regions: tuple[str, ...] = ("us-east-1",)
    selection: RuleSelection = field(default_factory=RuleSelection)
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    timeout: float | None = DEFAULT_TIMEOUT
    max_memory: int | None = DEFAULT_MAX_MEMORY
    cache: bool = True
    cache_dir: str | None = None

    def cache_settings(self) -> dict:
        """What, besides the file and the tool versions, decides a file's findings."""
        return {"regions": list(self.regions), "only": list(self.selection.only),
                "ignore": list(self.selection.ignore), "overlaps": self.selection.overlaps}


def lint_files(paths: list[str], options: RunOptions,
               build_engine: Callable[[], object] | None = None,
               on_result: Callable[[FileResult], None] | None = None) -> list[FileResult]:
    """Lint `paths`; one result per path, in order. `on_result` is called once per file
    as it is done (cache hits first), for progress and for "N of M files linted"."""
    from tmpllint.cache import Cache

    cache = Cache(options.cache_settings(), options.cache_dir) if options.cache else None
    results: list[FileResult | None] = [None] * len(paths)
    misses: list[tuple[int, str, str | None]] = []
    for index, path in enumerate(paths):
        key = cache.key(path) if cache else None
        hit = cache.get(key, path) if key else None
        if hit is not None:
            results[index] = hit
            if on_result:
                on_result(hit)
        else:
            misses.append((index, path, key))
    if misses:
        engine = (build_engine or _default_engine(options))()
        linted = _lint(engine, [path for _, path, _ in misses], options, on_result)
        for (index, _, key), result in zip(misses, linted):
            results[index] = result
            if cache and key:
                cache.put(key, result)
    return [result for result in results if result is not None]


def _default_engine(options: RunOptions):
    def build():
        from tmpllint import speedups
        from tmpllint.engine import Engine

        with speedups.gc_paused():  # start-up makes no garbage; see speedups.gc_paused
            return Engine(regions=options.regions, selection=options.selection)
    return build


def _lint(engine, paths: list[str], options: RunOptions, on_result=None) -> list[FileResult]:
    if options.jobs <= 1 or len(paths) == 1:
        from tmpllint.limits import cap_memory

        cap_memory(options.max_memory)
        results = []
        for path in paths:
            results.append(lint_one(engine, path, options.timeout))
            if on_result:
                on_result(results[-1])
        return results
    from tmpllint.workers import lint_in_workers

    return lint_in_workers(engine, paths, options.jobs, options.timeout, options.max_memory,
                           on_result=on_result)


def lint_one(engine, path: str, timeout: float | None) -> FileResult:
    """Lint one file, turning what cfn-lint logs or writes to stderr meanwhile (e.g.
    "Template file not found: ..." for a nested stack) into the file's `notes` instead
    of stray lines on the terminal."""
    import contextlib
    import io
    import logging

    class Collect(logging.Handler):
        def __init__(self) -> None:
            super().__init__(logging.WARNING)
            self.lines: list[str] = []

        def emit(self, record) -> None:
            try:
                self.lines.append(record.getMessage())
            except Exception:  # noqa: BLE001 - a bad log call must not fail the file
                self.lines.append(str(record.msg))

    import time

    started = time.perf_counter()
    logger = logging.getLogger("cfnlint")
    handler, propagate = Collect(), logger.propagate
    stderr = io.StringIO()
    logger.addHandler(handler)
    logger.propagate = False
    try:
        with contextlib.redirect_stderr(stderr):
            result = engine.lint_path(path, timeout=timeout)
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
    result.seconds = round(time.perf_counter() - started, 3)
    notes = handler.lines + [line for line in stderr.getvalue().splitlines() if line.strip()]
    if notes:
        result.notes = list(dict.fromkeys(list(result.notes) + notes))  # once each, in order
    return result
