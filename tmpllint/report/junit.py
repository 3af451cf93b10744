"""`--format junit`: one testsuite for the run, one testcase per file, one failure per
finding (and an error element for a file that could not be linted). `time` attributes
are the seconds linting took in this run (0 for a file served from the cache); the
suite's is their sum."""

from __future__ import annotations

from xml.etree import ElementTree

from tmpllint.findings import FileResult


def render(results: list[FileResult], *, color: bool = False, verbose: bool = False,
           extra: dict | None = None) -> str:
    linted = [result for result in results if result.status != "skipped"]
    failures = sum(len(result.findings) for result in linted)
    errors = sum(1 for result in linted if result.status == "error")
    total = f"{sum(result.seconds for result in linted):.3f}"
    suite = ElementTree.Element("testsuite", name="tmpllint", tests=str(len(linted)),
                                failures=str(failures), errors=str(errors), skipped="0",
                                time=total)
    for result in linted:
        case = ElementTree.SubElement(suite, "testcase", classname="tmpllint", name=result.path,
                                      time=f"{result.seconds:.3f}")
        for finding in result.findings:
            failure = ElementTree.SubElement(
                case, "failure", type=finding.rule,
                message=f"{finding.rule} {finding.message}")
            failure.text = (f"{finding.path}:{finding.line}:{finding.column} {finding.rule} "
                            f"({finding.severity}) {finding.message}"
                            + (f" [{finding.resource}]" if finding.resource else ""))
        if result.status == "error":
            ElementTree.SubElement(case, "error", message=result.error or "error").text = result.error
    suites = ElementTree.Element("testsuites", name="tmpllint", tests=str(len(linted)),
                                 failures=str(failures), errors=str(errors), time=total)
    suites.append(suite)
    ElementTree.indent(suites)
    return ElementTree.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"
