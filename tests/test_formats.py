"""Issue 7 formats: SARIF (validated against the official schema), JUnit, GitHub."""

from __future__ import annotations

import json
import subprocess
import sys
from xml.etree import ElementTree

import pytest

from conftest import FIXTURES, ROOT, SHARED

SARIF_SCHEMA = SHARED / "schemas" / "sarif-schema-2.1.0.json"


def lint(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tmpllint", "lint", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def sarif():
    done = lint("examples", "-f", "sarif")
    assert done.returncode == 1
    return json.loads(done.stdout)


def test_sarif_validates_against_the_official_schema(sarif):
    if not SARIF_SCHEMA.is_file():
        pytest.skip(f"{SARIF_SCHEMA} is not beside this checkout")
    import jsonschema

    schema = json.loads(SARIF_SCHEMA.read_text())
    jsonschema.validate(sarif, schema, cls=jsonschema.Draft7Validator)


def test_sarif_results_and_rules(sarif):
    [run] = sarif["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == ["I9708", "W9002", "W9004", "W9007", "W9703"]
    w9004 = rules[2]
    assert w9004["shortDescription"]["text"] == "API routes require authorization"
    assert "Why:" in w9004["help"]["text"] and w9004["helpUri"].startswith("https://")
    assert w9004["properties"]["tags"] == ["template", "tmpllint"]
    result = next(r for r in run["results"] if r["ruleId"] == "W9004")
    assert result["level"] == "warning" and result["ruleIndex"] == 2
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "examples/serverless-api.yaml"
    assert location["region"] == {"startLine": 24, "startColumn": 9, "endLine": 24, "endColumn": 15}
    assert len(result["partialFingerprints"]["tmpllint/v1"]) == 32


def test_sarif_fingerprints_survive_unrelated_edits(tmp_path):
    original = (ROOT / "examples/serverless-api.yaml").read_text()
    moved = tmp_path / "serverless-api.yaml"
    moved.write_text(original)
    first = json.loads(lint(str(moved), "-f", "sarif", "--no-cache").stdout)
    moved.write_text("# a comment that moves every line down\n\n" + original)
    second = json.loads(lint(str(moved), "-f", "sarif", "--no-cache").stdout)

    def prints(doc):
        return sorted((r["ruleId"], r["partialFingerprints"]["tmpllint/v1"]) for r in doc["runs"][0]["results"])

    def lines(doc):
        return sorted(r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in doc["runs"][0]["results"])

    assert prints(first) == prints(second)
    assert lines(second) == [line + 2 for line in lines(first)]


def test_junit_has_one_testcase_per_file_and_a_failure_per_finding():
    done = lint("examples", "-f", "junit")
    root = ElementTree.fromstring(done.stdout)
    suite = root.find("testsuite")
    cases = suite.findall("testcase")
    assert [case.get("name") for case in cases] == ["examples/clean-queue.yaml",
                                                    "examples/serverless-api.yaml"]
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("2", "6", "0")
    assert cases[0].findall("failure") == []
    assert sorted(f.get("type") for f in cases[1].findall("failure")) == ["I9708", "I9708", "W9002", "W9004", "W9007",
                                                                          "W9703"]


def test_github_annotations_are_workflow_commands():
    done = lint("examples", "-f", "github")
    lines = done.stdout.splitlines()
    assert len(lines) == 6
    assert lines[0].startswith(
        "::warning file=examples/serverless-api.yaml,line=15,col=3,endLine=15,endColumn=12,title=W9703::"
        "API stage writes no access logs")


def test_every_format_masks_secrets():
    from test_secret_masking import SECRET_FIXTURES, SECRETS

    for fmt in ("sarif", "junit", "github"):
        done = lint("--format", fmt, "--fail-on", "error", *SECRET_FIXTURES)
        assert done.returncode == 1
        assert [s for s in SECRETS if s in done.stdout] == [], fmt
        assert "hun****" in done.stdout
