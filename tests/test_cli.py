"""The command line as a user runs it: exit codes, formats, rules and explain."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import FIXTURES, ROOT

EXAMPLES = ROOT / "examples"


def run(*args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tmpllint", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def example_json():
    done = run("lint", "examples", "--format", "json")
    return done, json.loads(done.stdout)


def test_lint_examples_reports_the_marked_findings(example_json):
    done, report = example_json
    assert done.returncode == 1
    found = {(f["path"], f["line"], f["rule"]) for f in report["findings"]}
    assert found == {
        ("examples/serverless-api.yaml", 15, "W9703"),
        ("examples/serverless-api.yaml", 18, "I9708"),
        ("examples/serverless-api.yaml", 22, "W9007"),
        ("examples/serverless-api.yaml", 24, "W9004"),
        ("examples/serverless-api.yaml", 31, "I9708"),
        ("examples/serverless-api.yaml", 35, "W9002"),
    }


def test_json_follows_the_version_1_contract(example_json):
    _, report = example_json
    assert report["version"] == 1
    assert report["tool"]["name"] == "tmpllint"
    assert report["files"] == [
        {"path": "examples/clean-queue.yaml", "status": "ok", "error": None, "error_kind": None,
         "notes": []},
        {"path": "examples/serverless-api.yaml", "status": "ok", "error": None, "error_kind": None,
         "notes": []},
    ]
    assert report["summary"] == {"files": 2, "errors": 0, "warnings": 4, "infos": 2}
    finding = next(f for f in report["findings"] if f["rule"] == "W9004")
    assert finding == {
        "rule": "W9004", "severity": "warning", "path": "examples/serverless-api.yaml",
        "line": 24, "column": 9, "end_line": 24, "end_column": 15, "resource": "CreateOrder",
        "message": finding["message"], "source": "tmpllint",
    }
    assert "no authorizer" in finding["message"]


def test_text_output_is_one_line_per_finding_and_a_summary():
    done = run("lint", "examples")
    lines = done.stdout.splitlines()
    assert lines[1].startswith("examples/serverless-api.yaml:22:11  W9007  ")
    assert lines[1].endswith("  [CreateOrder]")
    assert lines[-1] == ("2 files linted, 0 errors, 4 warnings, 2 infos; "
                         "not shown: 2 infos (--show info lists them)")
    assert len(lines) == 5


@pytest.mark.parametrize(("fail_on", "code"), [("error", 0), ("warning", 1), ("info", 1)])
def test_fail_on_sets_the_exit_code(fail_on, code):
    assert run("lint", "examples/serverless-api.yaml", "--fail-on", fail_on).returncode == code


def test_clean_file_exits_zero():
    done = run("lint", "examples/clean-queue.yaml", "--fail-on", "info")
    assert done.returncode == 0, done.stdout


def test_ignore_and_only_take_prefixes():
    ignored = json.loads(run("lint", "examples", "-f", "json", "--ignore", "W9004,W9007",
                             "--ignore", "W97").stdout)
    assert {f["rule"] for f in ignored["findings"]} == {"W9002", "I9708"}
    only = json.loads(run("lint", "examples", "-f", "json", "--only", "W900").stdout)
    assert {f["rule"] for f in only["findings"]} == {"W9002", "W9004", "W9007"}


def test_output_file_gets_the_report(tmp_path):
    target = tmp_path / "report.json"
    done = run("lint", "examples", "-f", "json", "--output", str(target))
    assert done.stdout == ""
    assert json.loads(target.read_text())["summary"]["warnings"] == 4


def test_unknown_format_is_a_usage_error():
    done = run("lint", "--format", "nope", "examples")
    assert done.returncode == 2
    assert "nope" in done.stderr and "text" in done.stderr


def test_missing_path_is_a_usage_error():
    done = run("lint", "no/such/template.yaml")
    assert done.returncode == 2
    assert "path not found: no/such/template.yaml" in done.stderr


def test_unknown_region_is_a_usage_error():
    done = run("lint", "examples", "--region", "mars-north-1")
    assert done.returncode == 2
    assert "mars-north-1" in done.stderr


def test_default_path_is_the_current_folder():
    done = run("lint", "-f", "json", cwd=EXAMPLES)
    assert {f["path"] for f in json.loads(done.stdout)["files"]} == {
        "clean-queue.yaml", "serverless-api.yaml"}


def test_verbose_lists_skipped_files(tmp_path):
    (tmp_path / "workflow.yaml").write_text("on: push\njobs: {}\n")
    done = run("lint", str(tmp_path), "--verbose")
    assert done.returncode == 0
    assert f"{tmp_path / 'workflow.yaml'}  skipped: not a CloudFormation template" in done.stdout


def test_wrong_sam_transform_suggests_the_right_one():
    done = run("lint", "-f", "json", str(FIXTURES / "checks/E9001/fail_literal.yaml"))
    e9001 = [f for f in json.loads(done.stdout)["findings"] if f["rule"] == "E9001"]
    assert len(e9001) == 1 and e9001[0]["line"] == 3
    assert "use 'AWS::Serverless-2016-10-31'" in e9001[0]["message"]


def test_rules_lists_every_pack_rule_as_json():
    done = run("rules", "--format", "json")
    rules = {rule["id"]: rule for rule in json.loads(done.stdout)}
    assert set(rules) == {
        "W9000", "E9001", "W9002", "W9003", "W9004", "I9005", "I9006", "W9007",
        "W9101", "W9102", "W9103", "W9104", "W9105", "W9106", "W9107", "W9108", "I9110",
        "W9111", "I9112",
        "W9201", "W9202", "W9203", "W9204", "W9205", "W9206", "W9207",
        "E9301", "E9302", "W9303", "E9303", "E9304", "W9305", "E9306", "E9307", "W9308",
        "E9401", "W9402", "W9403", "E9404", "W9405", "E9406", "W9407", "W9408", "E9409",
        "W9410", "E9411", "E9412",
        "E9601", "W9602", "E9603", "E9604", "W9605", "W9606", "W9607", "E9608",
        "W9501", "W9502", "W9503", "W9504", "W9505", "W9506", "W9507", "W9508", "I9509",
        "I9510", "W9511", "W9512",
        "W9701", "W9702", "W9703", "I9704", "W9705", "I9706", "I9707",
        "W9801", "W9802", "W9803", "W9804", "I9805", "W9806", "W9807",
        "E9008", "E9009", "E9010", "E9011", "E9012", "E9013", "E9014", "E9015", "I9708",
        "W9808"}
    assert (rules["W9003"]["severity"], rules["W9003"]["family"]) == ("warning", "template")
    assert (rules["I9110"]["severity"], rules["I9110"]["family"]) == ("info", "encryption")
    assert (rules["W9204"]["severity"], rules["W9204"]["family"]) == ("warning", "transit")


def test_rules_table_has_a_row_per_rule():
    done = run("rules")
    assert done.returncode == 0
    ids = [line.split()[0] for line in done.stdout.splitlines()[1:] if line[:1] in ("E", "W", "I")]
    assert ids[:9] == ["W9000", "E9001", "W9002", "W9003", "W9004", "I9005", "I9006", "W9007", "E9008"]
    from tmpllint.catalog import pack_rules

    assert ids == [doc.id for doc in pack_rules()]  # one row per rule


def test_explain_prints_what_why_seed_and_examples():
    done = run("explain", "w9003")
    assert done.returncode == 0
    for heading in ("What it checks", "Why it matters", "From the study notes", "Fails", "Passes"):
        assert heading in done.stdout
    assert "seeds/000_9237e2f645326144.txt:437" in done.stdout


def test_explain_unknown_id_suggests_close_ones():
    done = run("explain", "W9002X")
    assert done.returncode == 2
    suggested = done.stderr.split("Did you mean: ")[1].split("?")[0].split(", ")
    assert suggested[0] == "W9002" and len(suggested) == 5


def test_help_answers_without_a_traceback():
    done = run("lint", "--help")
    assert done.returncode == 0 and "--fail-on" in done.stdout
