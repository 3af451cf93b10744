"""`--format sarif`: SARIF 2.1.0 as GitHub code scanning reads it.

One run; `tool.driver.rules` lists every rule that fired with its descriptions, help
(what to do, and why) and family tag; each result has a region and the finding's
stable fingerprint in `partialFingerprints`, so code scanning follows a finding across
commits. Paths are relative to the working directory. The run carries
`automationDetails.id` ("<--sarif-category>/") and one invocation with the exit code; a
file that could not be linted is a tool execution notification (with its error kind).
"""

from __future__ import annotations

import os
from pathlib import Path

from tmpllint import __version__
from tmpllint.findings import FileResult

LEVELS = {"error": "error", "warning": "warning", "info": "note"}
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/tmpllint/tmpllint"
DEFAULT_CATEGORY = "tmpllint"


def relative_uri(path: str) -> str:
    """A POSIX path relative to the working directory (as code scanning expects)."""
    try:
        return Path(os.path.relpath(os.path.abspath(path))).as_posix()
    except ValueError:  # another drive on Windows
        return Path(path).as_posix()


def _rule_entry(rule_id: str) -> dict:
    from tmpllint.catalog import find

    doc, _ = find(rule_id)
    if doc is None:
        return {"id": rule_id, "name": rule_id, "shortDescription": {"text": rule_id},
                "fullDescription": {"text": rule_id}, "help": {"text": rule_id},
                "properties": {"tags": ["cfn-lint"]}}
    help_text = doc.description + (f"\n\nWhy: {doc.why}" if doc.why else "")
    if doc.example_pass:
        help_text += f"\n\nPasses:\n{doc.example_pass}"
    entry = {
        "id": doc.id,
        "name": "".join(word.capitalize() for word in doc.shortdesc.replace("-", " ").split()
                        if word.isalnum()) or doc.id,
        "shortDescription": {"text": doc.shortdesc},
        "fullDescription": {"text": doc.description},
        "help": {"text": help_text},
        "defaultConfiguration": {"level": LEVELS[doc.severity]},
        # tags must be unique: cfn-lint's rules have family and source both "cfn-lint"
        "properties": {"tags": list(dict.fromkeys([doc.family, doc.source]))},
    }
    if doc.source_url:
        entry["helpUri"] = doc.source_url
    return entry


def render(results: list[FileResult], *, color: bool = False, verbose: bool = False,
           extra: dict | None = None) -> str:
    findings = [finding for result in results for finding in result.findings]
    rule_ids = sorted({finding.rule for finding in findings})
    index = {rule_id: position for position, rule_id in enumerate(rule_ids)}
    sarif_results = []
    for finding in findings:
        region = {"startLine": finding.line, "startColumn": finding.column,
                  "endLine": max(finding.end_line, finding.line),
                  "endColumn": finding.end_column if finding.end_line > finding.line
                  else max(finding.end_column, finding.column)}
        sarif_results.append({
            "ruleId": finding.rule,
            "ruleIndex": index[finding.rule],
            "level": LEVELS[finding.severity],
            "message": {"text": finding.message},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": relative_uri(finding.path), "uriBaseId": "%SRCROOT%"},
                "region": region}}],
            "partialFingerprints": {"tmpllint/v1": finding.fingerprint or finding.rule},
        })
    notifications = [
        {"level": "error", "message": {"text": f"{result.path}: {result.error}"},
         "locations": [{"physicalLocation": {"artifactLocation": {
             "uri": relative_uri(result.path), "uriBaseId": "%SRCROOT%"}}}],
         "properties": {"errorKind": result.error_kind or "crash"}}
        for result in results if result.status == "error"
    ]
    facts = (extra or {}).get("_run", {})
    invocation = {"executionSuccessful": not notifications,
                  "toolExecutionNotifications": notifications}
    if facts.get("exit_code") is not None:
        invocation["exitCode"] = facts["exit_code"]
    run = {
        "tool": {"driver": {"name": "tmpllint", "version": __version__,
                            "informationUri": INFORMATION_URI,
                            "rules": [_rule_entry(rule_id) for rule_id in rule_ids]}},
        "results": sarif_results,
        "invocations": [invocation],
        # the category code scanning files this upload under ("<category>/"), so uploads
        # of several categories (folders, shard sets) of one repository do not replace
        # each other
        "automationDetails": {"id": f"{facts.get('category') or DEFAULT_CATEGORY}/"},
        "columnKind": "unicodeCodePoints",
    }
    from tmpllint.report.json import dumps  # json.dumps(indent=2), less peak memory

    return dumps({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]})
