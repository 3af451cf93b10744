"""Issue 15: CI at any size: valid SARIF for both sources, shards and merge,
changed-only runs, a progress bar on terminals only, cfn-lint's stderr as notes, and the
small gaps (github --verbose, JUnit time, a stored rule catalog)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from conftest import FIXTURES, ROOT, SHARED

SARIF_SCHEMA = SHARED / "schemas" / "sarif-schema-2.1.0.json"
CORPUS = SHARED / "corpus" / "aws-cloudformation-templates"

NESTED_PARENT = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Child:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: ./missing-child.yaml
"""
BAD_TYPE = """Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: [1, 2]
"""
QUEUE = "Resources:\n  Jobs:\n    Type: AWS::SQS::Queue\n"


def run(*args: str, cwd=ROOT, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tmpllint", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})}, **kwargs)


def _write(folder: Path, **files: str) -> list[str]:
    paths = []
    for name, text in files.items():
        path = folder / name.replace("__", "/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        paths.append(str(path))
    return paths


# -- 1. SARIF ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cfn_lint_templates(tmp_path_factory) -> Path:
    """Templates on which cfn-lint's own rules fire (W3002, E3012, E0000; I3011 is superseded
    by W9801 and off by default since wave 2)."""
    folder = tmp_path_factory.mktemp("cfnlint")
    _write(folder, parent_yaml=NESTED_PARENT, bad_type_yaml=BAD_TYPE,
           broken_yaml="Resources:\n  Jobs:\n\tType: AWS::SQS::Queue\n")
    for path in folder.iterdir():
        path.rename(path.with_name(path.name.replace("_yaml", ".yaml")))
    return folder


def _validate(document: dict) -> None:
    import jsonschema

    schema = json.loads(SARIF_SCHEMA.read_text())
    jsonschema.validate(document, schema, cls=jsonschema.Draft7Validator)


def test_sarif_of_cfn_lint_findings_validates_and_tags_are_unique(cfn_lint_templates):
    if not SARIF_SCHEMA.is_file():
        pytest.skip(f"{SARIF_SCHEMA} is not beside this checkout")
    done = run("lint", "-f", "sarif", "--sarif-category", "infra/templates",
               str(cfn_lint_templates), *sorted(str(p) for p in (FIXTURES / "robust").iterdir())[:6])
    document = json.loads(done.stdout)
    _validate(document)
    [sarif_run] = document["runs"]
    rules = {rule["id"]: rule for rule in sarif_run["tool"]["driver"]["rules"]}
    assert {"W3002", "E3012", "E0000"} <= set(rules)
    assert rules["E3012"]["properties"]["tags"] == ["cfn-lint"]
    assert all(len(set(r["properties"]["tags"])) == len(r["properties"]["tags"]) for r in rules.values())
    assert sarif_run["automationDetails"] == {"id": "infra/templates/"}
    assert sarif_run["invocations"][0]["exitCode"] == done.returncode == 1


def test_sarif_of_a_corpus_sample_validates():
    if not SARIF_SCHEMA.is_file() or not CORPUS.is_dir():
        pytest.skip("needs ../shared/corpus and ../shared/schemas beside this checkout")
    sample = sorted(str(p) for p in CORPUS.rglob("*.yaml"))[::40][:12]
    done = run("lint", "-f", "sarif", *sample)
    document = json.loads(done.stdout)
    _validate(document)
    assert document["runs"][0]["automationDetails"] == {"id": "tmpllint/"}
    assert {r["properties"]["tags"][-1] for r in document["runs"][0]["tool"]["driver"]["rules"]} \
        == {"cfn-lint", "tmpllint"}


# -- 2. shards and merge -----------------------------------------------------------------

def test_shards_cover_every_file_once_and_adding_files_moves_none(tmp_path, monkeypatch):
    from tmpllint.discovery import discover, in_shard

    sources = sorted((FIXTURES / "checks").glob("*/*.yaml"))
    texts = [path.read_bytes() for path in sources]
    repo = tmp_path / "repo"
    for number in range(2100):
        folder = repo / f"team{number % 13}" / f"service{number % 41}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"stack-{number:05d}.yaml").write_bytes(texts[number % len(texts)])
    monkeypatch.chdir(repo)
    files = discover(["."])
    assert len(files) == 2100
    before = {}
    for count in (1, 2, 3, 7):
        shards = [[path for path in files if in_shard(path, index, count)]
                  for index in range(1, count + 1)]
        assert sorted(path for shard in shards for path in shard) == sorted(files)
        assert all(len(shard) > 2100 / count * 0.8 for shard in shards)  # spread, not lumped
        before[count] = {path: index for index, shard in enumerate(shards) for path in shard}
    for number in range(300):
        folder = repo / "newteam" if number % 2 else repo / "team3" / "service7"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"added-{number}.yaml").write_bytes(texts[0])
    grown = discover(["."])
    assert len(grown) == 2400
    for count in (1, 2, 3, 7):
        after = {path: index for index in range(1, count + 1)
                 for path in grown if in_shard(path, index, count)}
        assert len(after) == 2400
        assert all(after[path] == before[count][path] + 1 for path in files)


def test_bad_shards_are_usage_errors():
    for shard in ("0/3", "4/3", "two/3", "1/0"):
        done = run("lint", "--shard", shard, "examples")
        assert done.returncode == 2, shard
        assert "--shard" in done.stderr


@pytest.fixture(scope="module")
def small_repo(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("small")
    for name in ("W9004/fail_rest.yaml", "W9004/pass_sam.yaml", "E9001", "W9002"):
        for source in sorted((FIXTURES / "checks").glob(name if "/" in name else f"{name}/*.yaml"))[:2]:
            (folder / f"{source.parent.name}-{source.name}").write_bytes(source.read_bytes())
    _write(folder, parent_yaml=NESTED_PARENT, bad_type_yaml=BAD_TYPE, queue_yaml=QUEUE,
           compose_yaml="services:\n  web:\n    image: nginx\n")
    for path in folder.iterdir():
        path.rename(path.with_name(path.name.replace("_yaml", ".yaml")))
    return folder


@pytest.mark.parametrize("fail_on", ["warning", "error"])
def test_four_json_shards_merge_into_the_report_of_one_run(small_repo, tmp_path, fail_on):
    whole = run("lint", "-f", "json", "--fail-on", fail_on, ".", cwd=small_repo)
    parts = []
    for index in range(1, 5):
        part = tmp_path / f"shard{index}.json"
        run("lint", "-f", "json", "--shard", f"{index}/4", "-o", str(part), ".", cwd=small_repo)
        parts.append(str(part))
    merged = run("merge", "--fail-on", fail_on, *parts, cwd=small_repo)
    assert merged.returncode == whole.returncode, merged.stderr
    one, joined = json.loads(whole.stdout), json.loads(merged.stdout)
    assert joined["summary"] == one["summary"]
    assert sorted(map(json.dumps, joined["files"])) == sorted(map(json.dumps, one["files"]))
    assert joined["skipped"] == one["skipped"] == [{"path": "compose.yaml",
                                                    "reason": "not a CloudFormation template"}]
    assert sorted(map(json.dumps, joined["findings"])) == sorted(map(json.dumps, one["findings"]))
    assert len(one["findings"]) > 5
    text = run("merge", "-f", "text", "--fail-on", fail_on, *parts, cwd=small_repo)
    assert text.stdout.splitlines()[-1] == run("lint", "--fail-on", fail_on, ".",
                                               cwd=small_repo).stdout.splitlines()[-1]


def test_four_sarif_shards_merge_into_the_results_of_one_run(small_repo, tmp_path):
    whole = run("lint", "-f", "sarif", ".", cwd=small_repo)
    parts = []
    for index in range(1, 5):
        part = tmp_path / f"shard{index}.sarif"
        run("lint", "-f", "sarif", "--shard", f"{index}/4", "-o", str(part), ".", cwd=small_repo)
        parts.append(str(part))
    merged = run("merge", *parts, "-o", str(tmp_path / "merged.sarif"), cwd=small_repo)
    assert merged.returncode == whole.returncode == 1
    one = json.loads(whole.stdout)["runs"][0]
    joined = json.loads((tmp_path / "merged.sarif").read_text())["runs"][0]
    key = lambda result: json.dumps(result, sort_keys=True)  # noqa: E731
    assert sorted(map(key, joined["results"])) == sorted(map(key, one["results"]))
    assert joined["tool"] == one["tool"]
    assert joined["invocations"] == one["invocations"]
    assert joined["automationDetails"] == one["automationDetails"]
    if SARIF_SCHEMA.is_file():
        _validate(json.loads((tmp_path / "merged.sarif").read_text()))


def test_merge_refuses_what_it_cannot_merge(small_repo, tmp_path):
    sarif, report = tmp_path / "a.sarif", tmp_path / "b.json"
    run("lint", "-f", "sarif", "-o", str(sarif), "queue.yaml", cwd=small_repo)
    run("lint", "-f", "json", "-o", str(report), "queue.yaml", cwd=small_repo)
    mixed = run("merge", str(sarif), str(report))
    assert (mixed.returncode, mixed.stderr) == (
        2, "tmpllint: error: the reports mix JSON and SARIF; merge one format at a time\n")
    assert run("merge", str(report), "-f", "sarif").returncode == 2
    assert run("merge", str(tmp_path / "absent.json")).returncode == 2


# -- 3. --changed-since ------------------------------------------------------------------

def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                   cwd=repo, check=True, capture_output=True)


def test_changed_since_lints_changed_templates_and_their_nested_stack_parents(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    _write(repo, nested__child_yaml=QUEUE, parent_yaml=(
        "Resources:\n  Child:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n"
        "      TemplateURL: nested/child.yaml\n"),
        grandparent_json='{"Resources": {"Parent": {"Type": "AWS::CloudFormation::Stack",'
        ' "Properties": {"TemplateURL": "./parent.yaml"}}}}',
        sam_app_yaml=("Transform: AWS::Serverless-2016-10-31\nResources:\n  App:\n"
                      "    Type: AWS::Serverless::Application\n    Properties:\n"
                      "      Location: ./gone.yaml\n"),
        gone_yaml=QUEUE, unchanged_yaml=QUEUE, old_name_yaml=QUEUE + "# renamed\n",
        remote_yaml=("Resources:\n  Child:\n    Type: AWS::CloudFormation::Stack\n"
                     "    Properties:\n      TemplateURL: https://example.com/nested/child.yaml\n"))
    for path in list(repo.rglob("*_yaml")) + list(repo.rglob("*_json")):
        path.rename(path.with_name(path.name.replace("_yaml", ".yaml").replace("_json", ".json")))
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "base")
    (repo / "nested" / "child.yaml").write_text(QUEUE + "    Properties:\n      DelaySeconds: 5\n")
    (repo / "gone.yaml").unlink()
    _git(repo, "mv", "old_name.yaml", "new_name.yaml")
    _git(repo, "commit", "-qam", "change")
    (repo / "added.yaml").write_text(QUEUE)  # untracked

    done = run("lint", "-f", "json", "--changed-since", "HEAD~1", "--no-cache", ".", cwd=repo)
    linted = sorted(entry["path"] for entry in json.loads(done.stdout)["files"])
    assert linted == ["added.yaml", "grandparent.json", "nested/child.yaml", "new_name.yaml",
                      "parent.yaml", "sam_app.yaml"], done.stderr
    head = run("lint", "-f", "json", "--changed-since", "HEAD", ".", cwd=repo)
    assert sorted(e["path"] for e in json.loads(head.stdout)["files"]) == ["added.yaml"]
    unknown = run("lint", "--changed-since", "no-such-branch", ".", cwd=repo)
    assert unknown.returncode == 2 and "'no-such-branch' is not a commit" in unknown.stderr


def test_changed_since_outside_a_git_repository_is_a_usage_error(tmp_path):
    outside = tmp_path / "plain"
    outside.mkdir()
    (outside / "queue.yaml").write_text(QUEUE)
    done = run("lint", "--changed-since", "main", ".", cwd=outside,
               env={"GIT_CEILING_DIRECTORIES": str(tmp_path)})
    assert done.returncode == 2
    assert done.stderr == (f"tmpllint: error: --changed-since needs a git repository, and "
                           f"{outside} is not inside one\n")


# -- 4. progress -------------------------------------------------------------------------

def test_progress_line():
    from tmpllint.interrupt import progress_line

    assert progress_line(50, 200, 65.0, 2.5, 100) == (
        "[##########..............................] 50/200 files  2.5 files/s  1:05 elapsed  ETA 1:00")
    assert progress_line(0, 10, 0.0, 0.0, 100).endswith("0/10 files  0.0 files/s  0:00 elapsed  ETA --:--")


@pytest.fixture(scope="module")
def eight_queues(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("eight")
    for number in range(8):
        (folder / f"queue{number}.yaml").write_text(QUEUE + f"# {number}\n")
    return folder


def _stderr_on_a_terminal(folder: Path, *args: str, env: dict | None = None) -> str:
    import pty

    master, slave = pty.openpty()
    environment = {key: value for key, value in os.environ.items() if key != "CI"}
    process = subprocess.Popen([sys.executable, "-m", "tmpllint", "lint", "--jobs", "1",
                                "--no-cache", *args, str(folder)], stdout=subprocess.PIPE,
                               stderr=slave, env={**environment, **(env or {})})
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the terminal's last writer closed it
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.communicate(timeout=120)
    os.close(master)
    return b"".join(chunks).decode()


def test_progress_bar_on_a_terminal_only(eight_queues):
    shown = _stderr_on_a_terminal(eight_queues)
    assert "\r[" in shown and "8/8 files" in shown and "files/s" in shown and "ETA" in shown
    assert shown.endswith("\r\x1b[K")  # cleared before the report
    assert _stderr_on_a_terminal(eight_queues, "--no-progress") == ""
    assert _stderr_on_a_terminal(eight_queues, env={"CI": "true"}) == ""
    piped = run("lint", "--jobs", "1", str(eight_queues), env={"CI": ""})
    assert piped.stderr == "" and "8 files linted" in piped.stdout


# -- 5. cfn-lint's stderr as notes ----------------------------------------------------------

@pytest.mark.parametrize("jobs", ["1", "2"])
def test_cfn_lint_stderr_lines_become_notes(tmp_path, jobs):
    parent, queue = _write(tmp_path, **{"parent.yaml": NESTED_PARENT, "queue.yaml": QUEUE})
    missing = str(tmp_path / "missing-child.yaml")
    report = run("lint", "-f", "json", "--no-cache", "--jobs", jobs, parent, queue)
    assert report.stderr == ""
    files = {entry["path"]: entry for entry in json.loads(report.stdout)["files"]}
    assert files[parent]["notes"] == [f"Template file not found: {missing}"]
    assert files[queue]["notes"] == []
    plain = run("lint", "--jobs", jobs, parent, queue)
    assert plain.stderr == "" and "not found" not in plain.stdout
    verbose = run("lint", "--verbose", "--jobs", jobs, parent, queue)
    assert verbose.stderr == ""
    assert f"{parent}  note: Template file not found: {missing}" in verbose.stdout.splitlines()
    cached = run("lint", "-f", "json", parent)  # notes survive the cache
    assert json.loads(cached.stdout)["files"][0]["notes"] == [f"Template file not found: {missing}"]
    Path(missing).write_text(QUEUE)  # the child appears: the cached result no longer holds
    assert json.loads(run("lint", "-f", "json", parent).stdout)["files"][0]["notes"] == []


# -- 6. small gaps -------------------------------------------------------------------------

def test_github_format_honours_verbose(tmp_path):
    parent, queue, compose = _write(tmp_path, **{
        "parent.yaml": NESTED_PARENT, "queue.yaml": (ROOT / "examples/clean-queue.yaml").read_text(),
        "compose.yaml": "services:\n  web:\n    image: nginx\n"})
    quiet = run("lint", "-f", "github", "--fail-on", "error", ".", cwd=tmp_path)
    assert all(line.startswith("::") for line in quiet.stdout.splitlines())
    loud = run("lint", "-f", "github", "--verbose", "--fail-on", "error", ".", cwd=tmp_path)
    lines = loud.stdout.splitlines()
    assert "compose.yaml  skipped: not a CloudFormation template" in lines
    assert "queue.yaml  ok" in lines
    assert (f"::notice file=parent.yaml,title=cfn-lint::Template file not found: "
            f"{tmp_path / 'missing-child.yaml'}") in lines
    assert lines[-1] == "2 files linted, 0 errors, 1 warning, 0 infos, 1 skipped (not CloudFormation)"
    assert "::warning file=parent.yaml,line=6,col=7,endLine=6,endColumn=18,title=W3002::" \
        "This code may only work with 'package' cli command" in lines
    assert len(set(lines) - set(quiet.stdout.splitlines())) == 4


def test_junit_has_time_attributes():
    done = run("lint", "-f", "junit", "--no-cache", "examples")
    root = ElementTree.fromstring(done.stdout)
    cases = root.find("testsuite").findall("testcase")
    times = [float(case.get("time")) for case in cases]
    assert len(times) == 2 and all(t > 0 for t in times)
    assert float(root.find("testsuite").get("time")) == pytest.approx(sum(times), abs=0.002)
    assert float(root.get("time")) == float(root.find("testsuite").get("time"))


def test_rules_and_explain_use_the_stored_catalog_without_cfn_lint(tmp_path):
    env = {**os.environ, "TMPLLINT_CATALOG_DIR": str(tmp_path / "catalog")}
    probe = ("import sys\nfrom tmpllint.cli import main\nsys.argv = ['tmpllint'] + sys.argv[1:]\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             "sys.stderr.write('cfnlint loaded' if 'cfnlint' in sys.modules else 'no cfnlint')\n")

    def call(*args: str) -> tuple[str, bool]:
        done = subprocess.run([sys.executable, "-c", probe, *args], cwd=ROOT, capture_output=True,
                              text=True, timeout=300, env=env)
        return done.stdout, done.stderr.endswith("cfnlint loaded")

    built, loaded = call("explain", "W9004")
    assert loaded and built.startswith("W9004 (warning")
    assert call("explain", "W9004") == (built, False)
    assert [p.name.split("-")[1] for p in (tmp_path / "catalog").iterdir()] == ["tmpllint"]
    listing, loaded = call("rules")
    assert not loaded and "W9004" in listing
    everything, loaded = call("rules", "--all")
    assert loaded and "E3012" in everything
    assert call("rules", "--all") == (everything, False)
    explained, loaded = call("explain", "E3012")
    assert not loaded and explained.startswith("E3012 (error, cfn-lint)")


def test_a_file_that_could_not_be_linted_stays_exit_3_through_merge(tmp_path):
    outputs = {}
    for fmt in ("sarif", "json"):
        outputs[fmt] = tmp_path / f"shard.{fmt}"
        done = run("lint", "--no-cache", "--jobs", "1", "--timeout", "0.001", "-f", fmt,
                   "-o", str(outputs[fmt]), "examples/clean-queue.yaml")
        assert done.returncode == 3
    document = json.loads(outputs["sarif"].read_text())
    [notification] = document["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert notification["properties"] == {"errorKind": "timeout"}
    if SARIF_SCHEMA.is_file():
        _validate(document)
    assert run("merge", str(outputs["sarif"])).returncode == 3
    merged = run("merge", str(outputs["json"]))
    assert merged.returncode == 3
    assert json.loads(merged.stdout)["files"][0]["error_kind"] == "timeout"
