"""`tmpllint merge REPORT...`: join the reports of `--shard K/N` runs into the report
(and exit code) one run over all the files would give.

JSON reports (`--format json`) are read back into per-file results, so the merged
report can be written in any format but SARIF (JSON carries no fingerprints) and the
exit code is computed exactly as `lint` computes it, `--fail-on` included. SARIF reports
are merged as SARIF: the union of the rules (sorted by id, as one run lists them), every
result with its `ruleIndex` pointing into that union, and one invocation whose exit code
is the merged one.
"""

from __future__ import annotations

import json
from pathlib import PurePath

from tmpllint.findings import FileResult, Finding

#: SARIF levels back to tmpllint severities.
SEVERITY = {"error": "error", "warning": "warning", "note": "info", "none": "info"}
UNLINTED = ("read", "timeout", "memory", "worker")


class MergeError(Exception):
    """A report that cannot be merged (unreadable, another format, mixed formats)."""


def load(paths: list[str]) -> tuple[str, list[dict]]:
    """("json" or "sarif", the parsed documents)."""
    kinds, documents = set(), []
    for path in paths:
        try:
            with open(path, encoding="utf-8") as handle:
                document = json.load(handle)
        except OSError as err:
            raise MergeError(f"cannot read {path}: {err.strerror or err}") from None
        except ValueError as err:
            raise MergeError(f"{path} is not JSON: {err}") from None
        if isinstance(document, dict) and document.get("version") == "2.1.0" and "runs" in document:
            kinds.add("sarif")
        elif isinstance(document, dict) and document.get("version") == 1 and "files" in document:
            kinds.add("json")
        else:
            raise MergeError(f"{path} is neither a tmpllint JSON report (--format json) "
                             "nor a SARIF 2.1.0 report (--format sarif)")
        documents.append(document)
    if len(kinds) > 1:
        raise MergeError("the reports mix JSON and SARIF; merge one format at a time")
    return kinds.pop(), documents


def results_from_json(documents: list[dict]) -> list[FileResult]:
    """Per-file results of every report, each file once, in path order."""
    by_path: dict[str, FileResult] = {}
    for document in documents:
        for entry in document.get("files", []):
            kind = entry.get("error_kind") or ("crash" if entry.get("status") == "error" else None)
            by_path[entry["path"]] = FileResult(entry["path"], entry.get("status", "ok"),
                                                error=entry.get("error"), error_kind=kind,
                                                notes=list(entry.get("notes") or []))
        for entry in document.get("skipped", []):
            by_path[entry["path"]] = FileResult(entry["path"], "skipped", skipped=entry.get("reason"))
        for item in document.get("findings", []):
            result = by_path.setdefault(item["path"], FileResult(item["path"]))
            result.findings.append(Finding(
                path=item["path"], line=item["line"], column=item["column"], rule=item["rule"],
                severity=item["severity"], message=item["message"], end_line=item["end_line"],
                end_column=item["end_column"], resource=item.get("resource"),
                source=item.get("source", "tmpllint")))
    for result in by_path.values():  # a file reported twice (overlapping shards) once
        result.findings = list(dict.fromkeys(result.findings))
    return [by_path[path] for path in sorted(by_path, key=PurePath)]


def merge_sarif(documents: list[dict], fail_on: str, category: str | None) -> tuple[dict, int]:
    """The merged SARIF document and its exit code."""
    from tmpllint.findings import severity_rank

    runs = [run for document in documents for run in document.get("runs", [])]
    if not runs:
        raise MergeError("the SARIF reports hold no run")
    rules: dict[str, dict] = {}
    for run in runs:
        for rule in run.get("tool", {}).get("driver", {}).get("rules", []):
            rules.setdefault(rule["id"], rule)
    order = sorted(rules)
    index = {rule_id: position for position, rule_id in enumerate(order)}
    results, seen, notifications = [], set(), []
    for run in runs:
        for result in run.get("results", []):
            merged = dict(result, ruleIndex=index[result["ruleId"]]) if result.get("ruleId") in index \
                else dict(result)
            key = json.dumps(merged, sort_keys=True)
            if key not in seen:
                seen.add(key)
                results.append(merged)
        for invocation in run.get("invocations", []):
            notifications.extend(invocation.get("toolExecutionNotifications", []))
    results.sort(key=lambda r: _uri(r))
    threshold = severity_rank(fail_on)
    kinds = [n.get("properties", {}).get("errorKind", "crash") for n in notifications
             if n.get("level", "error") == "error"]
    if any(kind in UNLINTED for kind in kinds):
        code = 3
    elif kinds or any(severity_rank(SEVERITY.get(r.get("level", "warning"), "warning")) >= threshold
                      for r in results):
        code = 1
    else:
        code = 0
    first = runs[0]
    driver = dict(first.get("tool", {}).get("driver", {}), rules=[rules[i] for i in order])
    run = {key: value for key, value in first.items()
           if key not in ("tool", "results", "invocations", "automationDetails")}
    run = {"tool": {**first.get("tool", {}), "driver": driver}, "results": results,
           "invocations": [{"executionSuccessful": not notifications,
                            "toolExecutionNotifications": notifications, "exitCode": code}],
           "automationDetails": {"id": f"{category}/"} if category
           else first.get("automationDetails", {"id": "tmpllint/"}),
           **run}
    document = {key: value for key, value in documents[0].items() if key != "runs"}
    document["runs"] = [run]
    return document, code


def _uri(result: dict) -> str:
    try:
        return result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    except (KeyError, IndexError, TypeError):
        return ""
