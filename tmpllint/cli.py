"""The command line: `tmpllint lint`, `merge`, `config` and `fix` live here; `new` in
cli_new.py, `rules` and `explain` in cli_docs.py, what they share in cli_common.py.

Exit codes (DESIGN.md "Contracts"): 0 nothing at or above `--fail-on`; 1 findings at
or above it (or cfn-lint crashed on a template's content); 2 usage or configuration
error; 3 a file could not be read. cfn-lint is imported only inside the commands that need it.
"""

from __future__ import annotations

import sys
from typing import List, Optional

import typer

from tmpllint import __version__
from tmpllint.cli_common import (
    EXIT_FILE_ERROR,
    EXIT_FINDINGS,
    EXIT_OK,
    Format,
    Level,
    ListFormat,
    _fail,
    _split,
)
from tmpllint.cli_docs import explain, rules
from tmpllint.cli_new import new_app
from tmpllint.config import ConfigError

app = typer.Typer(
    help="Lint AWS CloudFormation and SAM templates against AWS best practices "
    "(encryption, secrets, least privilege, Multi-AZ, logging, backups), on cfn-lint v1.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        import platform

        from tmpllint.cache import _package_version

        typer.echo(f"tmpllint {__version__} (cfn-lint {_package_version('cfn-lint')}, "
                   f"Python {platform.python_version()})")
        raise typer.Exit()


@app.callback()
def main_options(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """Lint AWS CloudFormation and SAM templates against AWS best practices."""


@app.command()
def lint(
    paths: Optional[List[str]] = typer.Argument(
        None, help="Template files or folders (searched recursively for .yaml .yml .json "
        ".template), or - to read one template from standard input. Default: the current "
        "folder."),
    fmt: Optional[Format] = typer.Option(None, "--format", "-f",
                                         help="Output format. [default: text]"),
    output: Optional[str] = typer.Option(None, "--output", "-o",
                                         help="Write the report to FILE instead of stdout."),
    fail_on: Optional[Level] = typer.Option(
        None, "--fail-on", help="Exit 1 when a finding is at or above this severity. "
        "[default: warning]"),
    only: Optional[List[str]] = typer.Option(
        None, "--only", help="Report only these rules (ids or prefixes like W9, repeatable "
        "or comma-separated). Other rules are not run at all."),
    ignore: Optional[List[str]] = typer.Option(
        None, "--ignore", "-i", help="Skip these rules (ids or prefixes, repeatable or "
        "comma-separated). Ignored rules are not run at all."),
    region: Optional[List[str]] = typer.Option(
        None, "--region", help="AWS region(s) to validate for (repeatable). [default: us-east-1]"),
    verbose: bool = typer.Option(False, "--verbose", "-v",
                                 help="Also list clean files and files skipped as not CloudFormation."),
    jobs: Optional[int] = typer.Option(
        None, "--jobs", "-j", min=1,
        help="Worker processes (default: the number of CPUs); 1 lints in this process."),
    no_cache: bool = typer.Option(
        False, "--no-cache", help="Neither read nor write the result cache (.tmpllint_cache/, "
        "or $TMPLLINT_CACHE_DIR)."),
    timeout: Optional[float] = typer.Option(
        None, "--timeout", min=0,
        help="Seconds one file may take; a file over it is reported as an error (0: no "
        "limit). [default: 60]"),
    max_memory: Optional[str] = typer.Option(
        None, "--max-memory", metavar="SIZE",
        help="Memory cap of each linting process, e.g. 2G or 512M (0: no cap). [default: 2G]"),
    baseline: Optional[str] = typer.Option(
        None, "--baseline", metavar="FILE",
        help="Report only findings that FILE (from --write-baseline) does not hold."),
    write_baseline: Optional[str] = typer.Option(
        None, "--write-baseline", metavar="FILE",
        help="Record every current finding in FILE and exit 0."),
    show: Optional[Level] = typer.Option(
        None, "--show", help="Lowest severity the text report lists (default: the --fail-on "
        "level; the summary counts the rest). JSON, SARIF, JUnit and github hold every finding."),
    stdin_filename: Optional[str] = typer.Option(
        None, "--stdin-filename", metavar="PATH", help="With -, the name the template read from "
        "standard input has, for per-file-ignores and the report."),
    shard: Optional[str] = typer.Option(
        None, "--shard", metavar="K/N",
        help="Lint only shard K of N (1-based; stable by path hash, so a file keeps its "
        "shard as the repository grows). Join the shards' reports with `tmpllint merge`."),
    changed_since: Optional[str] = typer.Option(
        None, "--changed-since", metavar="REF",
        help="Lint only templates that differ from git REF (committed, staged, unstaged "
        "or untracked) and the templates that include one as a nested stack."),
    no_progress: bool = typer.Option(
        False, "--no-progress", help="No progress bar (it is only ever drawn on a terminal, "
        "never when CI is set)."),
    sarif_category: str = typer.Option(
        "tmpllint", "--sarif-category", metavar="NAME",
        help="SARIF automationDetails category, so several uploads of one repository "
        "(per folder, per shard set) do not replace each other."),
) -> None:
    """Lint templates and report the findings.

    Settings come from \\[tool.tmpllint] in pyproject.toml or .tmpllint.yaml (see
    `tmpllint config`); options given here win. Exit codes: 0 clean; 1 findings at or
    above --fail-on, or a template cfn-lint crashed on; 2 bad usage or configuration;
    3 a file could not be linted (unreadable, over --timeout or --max-memory).
    """
    from tmpllint.discovery import MissingPath, discover
    from tmpllint.interrupt import STATE, install
    from tmpllint.report import render
    from tmpllint.runner import RunOptions, lint_files
    from tmpllint.selection import RuleSelection

    settings = _settings({
        "format": fmt.value if fmt else None, "fail-on": fail_on.value if fail_on else None,
        "only": list(_split(only)) or None, "ignore": list(_split(ignore)) or None,
        "regions": [r.lower() for r in _split(region)] or None, "jobs": jobs,
        "timeout": timeout, "max-memory": max_memory, "baseline": baseline,
        "show": show.value if show else None,
    })
    _check_rule_ids(settings)
    from_stdin = "-" in (paths or [])
    if from_stdin and len(paths) > 1:
        _fail("- (standard input) cannot be combined with other paths")
    if stdin_filename and not from_stdin:
        _fail("--stdin-filename needs - as the path")
    try:
        files = [] if from_stdin else discover(paths or ["."], exclude=settings["exclude"])
    except MissingPath as missing:
        _fail(f"path not found: {missing}")
    install()  # SIGINT/SIGTERM/SIGHUP: stop the workers, no partial report (see main)
    files = _narrow(files, shard, changed_since)
    regions = tuple(r.lower() for r in settings["regions"])
    selection = RuleSelection(tuple(r.upper() for r in settings["only"]),
                              tuple(r.upper() for r in settings["ignore"]),
                              settings["cfn-lint-overlaps"])
    options = RunOptions(regions=regions, selection=selection,
                         timeout=settings["timeout"] or None,
                         max_memory=_size(settings["max-memory"]) or None, cache=not no_cache)
    if settings["jobs"]:
        options.jobs = settings["jobs"]
    build = lambda: _engine(regions, selection)  # noqa: E731
    if from_stdin:
        results = _lint_stdin(stdin_filename, options, build)
    else:
        STATE.start(len(files), progress=not no_progress)
        results = lint_files(files, options, build_engine=build, on_result=STATE.advance)
        STATE.clear()
    results = _per_file_ignores(results, settings["per-file-ignores"])
    if write_baseline:
        from tmpllint.baseline import write

        count = write(write_baseline, results)
        typer.echo(f"tmpllint: wrote {count} finding{'s' * (count != 1)} to {write_baseline}", err=True)
        raise typer.Exit(EXIT_OK)
    extra = None
    if settings["baseline"]:
        from tmpllint.baseline import apply, load

        try:
            results, outcome = apply(results, load(settings["baseline"]))
        except ConfigError as err:
            _fail(str(err))
        extra = {"baseline": {"file": settings["baseline"], "baselined": outcome.matched,
                              "stale": outcome.stale}}
    extra = dict(extra or {}, show=settings["show"] or settings["fail-on"])
    chosen = settings["format"]
    color = output is None and chosen == "text" and sys.stdout.isatty()
    code = exit_code(results, settings["fail-on"])
    extra = {**(extra or {}), "_run": {"exit_code": code, "category": sarif_category}}
    report = render(chosen, results, color=color, verbose=verbose, extra=extra)
    _write_report(report, output)
    raise typer.Exit(code)


def _write_report(report: str, output: Optional[str]) -> None:
    """Print the report, or write it to `output` through a temporary file and a rename,
    so an interrupted run never leaves a truncated report where a CI step expects one."""
    if not output:
        sys.stdout.write(report)
        return
    from tmpllint.atomic import write_text_atomic

    try:
        write_text_atomic(output, report, prefix=".tmpllint-report-")
    except OSError as err:
        _fail(f"cannot write --output {output}: {err.strerror}")


def _narrow(files: list[str], shard: Optional[str], changed_since: Optional[str]) -> list[str]:
    """--changed-since, then --shard; either wrong is a usage error."""
    from tmpllint.discovery import in_shard, parse_shard

    if changed_since:
        from tmpllint.changes import NotARepository, changed_templates

        try:
            files = changed_templates(files, changed_since)
        except NotARepository as err:
            _fail(str(err))
    if shard:
        try:
            index, count = parse_shard(shard)
        except ValueError as err:
            _fail(str(err))
        files = [path for path in files if in_shard(path, index, count)]
    return files


def _settings(cli: dict):
    """The effective settings, or exit 2 naming the bad key and its file."""
    from tmpllint.config import load

    try:
        return load(cli=cli)
    except ConfigError as err:
        _fail(str(err))


def _check_rule_ids(settings) -> None:
    """Exit 2 on an id or prefix in --ignore, --only, ignore, only or per-file-ignores
    that names no known rule, saying where it was written and the closest ids."""
    places = [(flag if settings.sources[key] == "command line"
               else f"'{key}' of {settings.sources[key]}", settings[key])
              for key, flag in (("ignore", "--ignore"), ("only", "--only"))]
    places += [(f"'per-file-ignores' (\"{glob}\") of {settings.sources['per-file-ignores']}",
                rules) for glob, rules in settings["per-file-ignores"].items()]
    if not any(values for _, values in places):
        return
    from tmpllint.catalog import known_ids
    from tmpllint.selection import unknown_selectors

    known = known_ids()
    for where, values in places:
        for value, close in unknown_selectors(values, known):
            hint = f" Did you mean: {', '.join(close)}?" if close else ""
            _fail(f"unknown rule id '{value}' in {where}.{hint} "
                  "(`tmpllint rules --all` lists them all)")


def _lint_stdin(name: Optional[str], options, build_engine):
    """Lint the template on standard input in this process, without the cache, and
    report it under `name` (default `<stdin>`)."""
    import os
    import tempfile
    from dataclasses import replace

    from tmpllint.runner import lint_files

    shown = name or "<stdin>"
    data = sys.stdin.buffer.read()
    with tempfile.TemporaryDirectory(prefix="tmpllint-stdin-") as folder:
        path = os.path.join(folder, "stdin" + (os.path.splitext(shown)[1] or ".yaml"))
        with open(path, "wb") as handle:
            handle.write(data)
        options = replace(options, jobs=1, cache=False)
        results = lint_files([path], options, build_engine=build_engine)
    return [replace(result, path=shown, findings=[replace(f, path=shown) for f in result.findings])
            for result in results]


def _per_file_ignores(results, per_file: dict):
    """Drop findings of rules a `per-file-ignores` glob turns off for that file."""
    if not per_file:
        return results
    import fnmatch
    from dataclasses import replace

    from tmpllint.report.sarif import relative_uri

    kept = []
    for result in results:
        where = relative_uri(result.path)
        off = tuple(rule.upper() for glob, rules in per_file.items()
                    if fnmatch.fnmatch(where, glob) for rule in rules)
        kept.append(replace(result, findings=[f for f in result.findings
                                              if not f.rule.startswith(off)]) if off else result)
    return kept


@app.command()
def merge(
    reports: List[str] = typer.Argument(..., metavar="REPORT...",
                                        help="JSON or SARIF reports of `lint --shard K/N` runs."),
    fmt: Optional[Format] = typer.Option(
        None, "--format", "-f", help="Output format. [default: the reports' format]"),
    output: Optional[str] = typer.Option(None, "--output", "-o",
                                         help="Write the report to FILE instead of stdout."),
    fail_on: Optional[Level] = typer.Option(
        None, "--fail-on", help="Exit 1 when a finding is at or above this severity. "
        "[default: warning]"),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="As `lint --verbose`."),
    show: Optional[Level] = typer.Option(
        None, "--show", help="As `lint --show`: lowest severity the text report lists "
        "(default: the --fail-on level)."),
    sarif_category: Optional[str] = typer.Option(
        None, "--sarif-category", metavar="NAME",
        help="SARIF automationDetails category. [default: the reports' own]"),
) -> None:
    """Join the reports of sharded runs into one report with one exit code.

    The summary and exit code are those one run over all the files gives (--fail-on
    applies). JSON reports merge into any format but SARIF; SARIF reports into SARIF.
    """
    from tmpllint.merge import MergeError, load, merge_sarif, results_from_json

    settings = _settings({"fail-on": fail_on.value if fail_on else None,
                          "show": show.value if show else None})
    threshold = settings["fail-on"]
    try:
        kind, documents = load(reports)
        chosen = fmt.value if fmt else kind
        if kind == "sarif":
            if chosen != "sarif":
                _fail("SARIF reports merge into SARIF only (merge JSON reports for other formats)")
            import json

            document, code = merge_sarif(documents, threshold, sarif_category)
            _write_report(json.dumps(document, indent=2) + "\n", output)
            raise typer.Exit(code)
    except MergeError as err:
        _fail(str(err))
    if chosen == "sarif":
        _fail("JSON reports carry no SARIF fingerprints: run the shards with --format sarif")
    from tmpllint.report import render

    results = results_from_json(documents)
    code = exit_code(results, threshold)
    extra = {"_run": {"exit_code": code, "category": sarif_category or "tmpllint"},
             "show": settings["show"] or threshold}
    color = output is None and chosen == "text" and sys.stdout.isatty()
    _write_report(render(chosen, results, color=color, verbose=verbose, extra=extra), output)
    raise typer.Exit(code)


@app.command()
def config(
    fmt: ListFormat = typer.Option(ListFormat.text, "--format", "-f", help="Output format."),
) -> None:
    """Print the effective configuration and where each value comes from."""
    import json

    settings = _settings({})
    if fmt is ListFormat.json:
        typer.echo(json.dumps({"file": str(settings.file) if settings.file else None,
                               "settings": {k: {"value": v, "source": settings.sources[k]}
                                            for k, v in settings.values.items()}}, indent=2))
        return
    typer.echo(f"configuration file: {settings.file or '(none found)'}")
    for key, value in settings.values.items():
        typer.echo(f"{key:<18} {json.dumps(value):<40} {settings.sources[key]}")


app.add_typer(new_app, name="new")


@app.command()
def fix(
    paths: Optional[List[str]] = typer.Argument(None, help="Template files or folders. Default: ."),
    diff: bool = typer.Option(False, "--diff", help="Print a unified diff and change nothing "
                              "(exit 1 when there is something to fix)."),
    select: Optional[List[str]] = typer.Option(None, "--select", "--only",
                                               help="Fix only these rules (ids or prefixes)."),
    ignore: Optional[List[str]] = typer.Option(None, "--ignore", "-i", help="Skip these rules."),
    unsafe_fixes: bool = typer.Option(False, "--unsafe-fixes", help="Also apply unsafe fixes "
                                      "(a replaced resource, added cost, shorter retention)."),
    check_remaining: bool = typer.Option(True, "--check-remaining/--no-check-remaining",
                                         help="Exit 1 when findings remain (the hook turns it off)."),
    region: Optional[List[str]] = typer.Option(None, "--region", help="AWS region(s)."),
) -> None:
    """Fix what the rules found, in place, keeping the template as written; then print
    what was fixed, the fixes left (unsafe or manual) and the lint report of what remains."""
    from tmpllint.discovery import MissingPath, discover
    from tmpllint.fix.command import FixOptions, run_fix

    settings = _settings({"only": list(_split(select)) or None, "ignore": list(_split(ignore)) or None,
                          "regions": [r.lower() for r in _split(region)] or None})
    try:
        files = discover(paths or ["."], exclude=settings["exclude"])
    except MissingPath as missing:
        _fail(f"path not found: {missing}")
    raise typer.Exit(run_fix(files, FixOptions(
        regions=tuple(r.lower() for r in settings["regions"]),
        only=tuple(r.upper() for r in settings["only"]), ignore=tuple(r.upper() for r in settings["ignore"]),
        unsafe=unsafe_fixes, diff=diff, check_remaining=check_remaining,
        fail_on=settings["fail-on"])))


#: File errors that say nothing about the template: the file could not be linted.
UNLINTED = ("read", "timeout", "memory", "worker")


def exit_code(results, fail_on: str) -> int:
    """3 when a file could not be linted (unreadable, timed out, out of memory); 1 when
    a finding reaches `fail_on` or cfn-lint or a rule crashed on a template (the
    template is at fault, and a file that was not fully linted never passes a gate);
    else 0."""
    from tmpllint.findings import severity_rank

    if any(result.error_kind in UNLINTED for result in results):
        return EXIT_FILE_ERROR
    threshold = severity_rank(fail_on)
    failing = any(result.error_kind == "crash" for result in results) or any(
        severity_rank(finding.severity) >= threshold
        for result in results for finding in result.findings)
    return EXIT_FINDINGS if failing else EXIT_OK


def _size(text: str) -> int:
    """'2G', '512M', '1048576' -> bytes; a bad size is a usage error."""
    units = {"K": 1024, "M": 1024 ** 2, "G": 1024 ** 3}
    value = text.strip().upper().removesuffix("B").removesuffix("I")
    try:
        if value and value[-1] in units:
            return int(float(value[:-1]) * units[value[-1]])
        return int(value)
    except ValueError:
        _fail(f"--max-memory takes a size like 2G or 512M, not '{text}'")
        return 0


def _engine(regions, selection):
    """Build the engine, turning a bad region into a usage error. The cyclic garbage
    collector is off meanwhile, and in the console command (one engine, kept to the
    end) what start-up made is frozen (speedups.gc_paused)."""
    from tmpllint import speedups

    with speedups.gc_paused(freeze=_STARTUP["freeze"]):
        from cfnlint.helpers import REGIONS

        from tmpllint.engine import Engine

        unknown = [r for r in regions if r not in REGIONS]
        if unknown:
            _fail(f"unknown region(s): {', '.join(unknown)} (e.g. us-east-1, eu-west-1)")
        return Engine(regions=regions, selection=selection)


app.command()(rules)
app.command()(explain)


#: set by `main`: a process that runs one command (not a test calling `app` again and
#: again, where frozen engines would never be freed)
_STARTUP = {"freeze": False}


def main() -> None:
    """Console-script entry point; an interrupted run says how far it got and exits
    128 + the signal (130 SIGINT, 143 SIGTERM, 129 SIGHUP)."""
    from tmpllint.interrupt import STATE, Interrupted, message

    _STARTUP["freeze"] = True
    try:
        app()
    except Interrupted as stop:
        STATE.clear()
        sys.stderr.write(message(stop) + "\n")
        sys.stderr.flush()
        raise SystemExit(stop.exit_code) from None
