"""`--changed-since REF`: the templates a change touches.

A template is linted when git says it differs from REF (committed since, staged,
unstaged, or untracked and not ignored; a renamed file under its new name), or when it
includes such a file as a nested stack through a local path: `TemplateURL` of an
`AWS::CloudFormation::Stack` or `Location` of an `AWS::Serverless::Application`
(transitively: the parent of a parent too). Deleted files are not linted (they are
gone), but a parent that still points at one is. Which files include which is read from
the text of the files the run discovered (no parse, no cfn-lint), so it costs little
even in a large repository.
"""

from __future__ import annotations

import os
import re
import subprocess

#: `TemplateURL: ./child.yaml`, `"Location": "apps/child.json"` (YAML or JSON).
_REFERENCE = re.compile(r"""(?<![\w-])["']?(?:TemplateURL|Location)["']?\s*:\s*["']?([^"'\s#,{}\[\]]+)""")


class NotARepository(Exception):
    """Not inside a git work tree, or REF is not a revision git knows."""


def _git(args: list[str], cwd: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                              timeout=120)
    except FileNotFoundError:
        raise NotARepository("--changed-since needs git, and git is not installed") from None
    if done.returncode != 0:
        raise NotARepository(done.stderr.strip().splitlines()[-1] if done.stderr.strip()
                             else f"git {' '.join(args)} failed")
    return done.stdout


def changed_paths(ref: str, cwd: str = ".") -> tuple[set[str], set[str]]:
    """(absolute paths that differ from `ref` and exist, absolute paths deleted since)."""
    cwd = os.path.abspath(cwd)
    probe = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=cwd,
                           capture_output=True, text=True)
    if probe.returncode != 0:
        raise NotARepository(f"--changed-since needs a git repository, and {cwd} is not "
                             "inside one")
    top = probe.stdout.strip()
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], top)
    except NotARepository:
        raise NotARepository(f"--changed-since: '{ref}' is not a commit, branch or tag "
                             "in this repository") from None
    changed: set[str] = set()
    deleted: set[str] = set()
    # -z: paths exactly as git stores them (no quoting), NUL-separated
    fields = _git(["diff", "--name-status", "-z", "-M", ref, "--"], top).split("\0")
    position = 0
    while position < len(fields) and fields[position]:
        status = fields[position]
        if status[0] in "RC":
            old, new = fields[position + 1], fields[position + 2]
            position += 3
            if status[0] == "R":
                deleted.add(os.path.join(top, old))
            changed.add(os.path.join(top, new))
            continue
        path = os.path.join(top, fields[position + 1])
        position += 2
        (deleted if status[0] == "D" else changed).add(path)
    for name in _git(["ls-files", "--others", "--exclude-standard", "-z"], top).split("\0"):
        if name:
            changed.add(os.path.join(top, name))
    changed = {os.path.realpath(path) for path in changed if os.path.exists(path)}
    deleted = {os.path.realpath(path) for path in deleted}
    return changed, deleted


def local_references(path: str) -> set[str]:
    """The local files a template names as nested stacks (absolute, resolved against
    the template's folder); URLs (https://, s3://) and intrinsic functions are not local."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read(2_000_000)
    except OSError:
        return set()
    folder = os.path.dirname(os.path.abspath(path))
    found = set()
    for match in _REFERENCE.finditer(text):
        value = match.group(1)
        if "://" in value or value.startswith(("!", "Fn::", "$")):
            continue
        found.add(os.path.realpath(os.path.join(folder, value)))
    return found


def changed_templates(files: list[str], ref: str, cwd: str = ".") -> list[str]:
    """The subset of `files` (in their order) to lint for a change since `ref`."""
    changed, deleted = changed_paths(ref, cwd)
    touched = changed | deleted
    real = {path: os.path.realpath(path) for path in files}
    includes = {real[path]: local_references(path) for path in files}
    selected = {resolved for resolved in real.values() if resolved in changed}
    grew = True
    while grew:  # parents of selected or changed files, then their parents
        grew = False
        for parent, children in includes.items():
            if parent not in selected and children & (touched | selected):
                selected.add(parent)
                grew = True
    return [path for path in files if real[path] in selected]
