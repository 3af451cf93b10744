"""The one currency of tmpllint: what a lint run found, per file.

Every reporter, the exit code and the tests read these types and nothing else, so
cfn-lint's own `Match` objects never leave the engine.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

#: Severities from least to most severe; `--fail-on` compares positions in this list.
SEVERITIES = ("info", "warning", "error")

#: cfn-lint's severity words mapped to ours.
CFN_LINT_SEVERITY = {"informational": "info", "warning": "warning", "error": "error"}


def severity_rank(severity: str) -> int:
    """Position of a severity in `SEVERITIES` (info=0 ... error=2)."""
    return SEVERITIES.index(severity)


@dataclass(frozen=True, order=True)
class Finding:
    """One rule match at one place of one file."""

    path: str
    line: int
    column: int
    rule: str
    severity: str
    message: str
    end_line: int
    end_column: int
    resource: str | None = None
    source: str = "tmpllint"  # "tmpllint" for our pack, "cfn-lint" for its own rules
    #: Identifies the finding across unrelated edits (rule, resource, property path and
    #: a hash of the offending value; never the line): baselines and SARIF use it.
    fingerprint: str = ""

    def to_dict(self) -> dict:
        """The finding as the JSON contract (DESIGN.md "Contracts") spells it."""
        data = asdict(self)
        return {
            key: data[key]
            for key in (
                "rule",
                "severity",
                "path",
                "line",
                "column",
                "end_line",
                "end_column",
                "resource",
                "message",
                "source",
            )
        }


@dataclass
class FileResult:
    """What happened to one file: linted (with findings), skipped, or an error.

    `status` is "ok", "error" or "skipped"; `error` says why a file could not be
    linted and `error_kind` what kind of reason it is: "crash" (cfn-lint or a rule
    raised on what the template contains, so the template is at fault and the run
    fails like a finding) or "read" (the file could not be read at all: exit code 3).
    `skipped` says why a file was not a template. `notes` are the lines cfn-lint logged
    (or wrote to stderr) while it linted this file, e.g. "Template file not found: ..."
    for a nested stack whose local TemplateURL is missing.
    """

    path: str
    status: str = "ok"
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None
    error_kind: str | None = None
    skipped: str | None = None
    notes: list[str] = field(default_factory=list)
    #: wall time linting took in this run (0 for a cache hit); not part of the result
    seconds: float = field(default=0.0, compare=False)


def summarize(results: list[FileResult]) -> dict[str, int]:
    """Counts for the summary line and the JSON `summary` (skipped files not counted)."""
    findings = [finding for result in results for finding in result.findings]
    return {
        "files": sum(1 for result in results if result.status != "skipped"),
        "errors": sum(1 for finding in findings if finding.severity == "error"),
        "warnings": sum(1 for finding in findings if finding.severity == "warning"),
        "infos": sum(1 for finding in findings if finding.severity == "info"),
    }
