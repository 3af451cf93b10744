"""Lint many files with one cfn-lint rules collection, each file on its own.

Building cfn-lint's rules (imports, ~300 rule objects, schemas) is the expensive part of
a run, so `Engine` builds the collection once and reuses it for every file. Each file
goes through the same stages as cfn-lint's own runner (read, parse, template model,
transform, rules, suppression), but every stage is guarded: an exception in one
template becomes that file's `status: "error"` and the run goes on.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from dataclasses import replace as _replace
from pathlib import Path
from typing import Iterable, Iterator

from tmpllint.findings import CFN_LINT_SEVERITY, FileResult, Finding
from tmpllint import guard, samrefs
from tmpllint.accepted import accepted, info_here
from tmpllint.preprocess import quiet_cfn_lint
from tmpllint.selection import SUPERSEDED, RuleSelection

#: Files larger than this are not parsed (CloudFormation itself accepts 1 MB).
MAX_TEMPLATE_BYTES = 10 * 1024 * 1024
#: How much of a file the "is this CloudFormation at all?" sniff reads.
SNIFF_BYTES = 64 * 1024
TEMPLATE_KEYS = ("Resources", "AWSTemplateFormatVersion")
TMPLLINT_PACK = "tmpllint.checks"
MAPPING_SECTIONS = ("Parameters", "Globals", "Mappings", "Conditions", "Resources", "Outputs")
_RULE_CRASH = re.compile(r"processing rule (\w+): (.*)", re.S)


class _Stage:
    """Names the stage a file is in, so an internal error can say where it happened."""

    def __init__(self) -> None:
        self.name = "read"


class Engine:
    """One cfn-lint rules collection (cfn-lint's rules + tmpllint.checks) per process."""

    def __init__(
        self,
        regions: Iterable[str] = ("us-east-1",),
        selection: RuleSelection = RuleSelection(),
        extra_rules: Iterable = (),
    ) -> None:
        from cfnlint.config import ConfigMixIn
        from cfnlint.rules import Rules

        class _IsolatedConfig(ConfigMixIn):
            """cfn-lint config that ignores `.cfnlintrc`: tmpllint has its own config."""

            def _find_config(self):
                return "", ""

            # cfn-lint asks the config about every rule of every file (which rules are
            # on, their settings): ~400 rules x 5 settings, each merged anew from the
            # command line, template and file arguments. They change only with the
            # template's own Metadata, so each file computes them once.
            def set_template_args(self, template):
                self._tmpllint_values = {}
                super().set_template_args(template)

            def _get_argument_value(self, arg_name, is_template, is_config_file):
                values = self.__dict__.get("_tmpllint_values")
                if values is None:
                    return super()._get_argument_value(arg_name, is_template, is_config_file)
                key = (arg_name, is_template, is_config_file)
                if key not in values:
                    value = super()._get_argument_value(arg_name, is_template, is_config_file)
                    if arg_name != "merge_configs" and self.merge_configs:
                        return value  # merged anew on every call by cfn-lint: not kept
                    values[key] = value
                return values[key]

        self.selection = selection
        self.regions = list(regions)
        self.rules = _build_rules(_guarded_rules_class(Rules), selection, extra_rules)
        _install_speedups(self.rules)
        samrefs.install_sub(self.rules)
        # cfn-lint's informational rules are off unless asked for; tmpllint reports
        # every severity and lets --fail-on decide what fails.
        self._config = _IsolatedConfig(regions=self.regions, include_checks=["I"])

    def load_deferred(self) -> None:
        """Load now the rule data that would be loaded on first use (before forking
        workers, which then share it)."""
        from tmpllint import speedups

        speedups.load_deferred(self.rules.values())

    @property
    def rule_ids(self) -> list[str]:
        return sorted(self.rules.keys())

    def lint_path(self, path: str, timeout: float | None = None) -> FileResult:
        """Lint one file within `timeout` seconds. Never raises for anything the file
        contains: a crash, a timeout or running out of memory is that file's error."""
        from tmpllint.limits import LintTimeout, time_limit

        stage = _Stage()
        try:
            with time_limit(timeout):
                return self._lint(path, stage)
        except LintTimeout as timeout_error:
            return FileResult(path, "error", error=str(timeout_error), error_kind="timeout")
        except (MemoryError, LintOutOfMemory) as err:
            rule = f" in rule {err.args[0]}" if isinstance(err, LintOutOfMemory) else ""
            return FileResult(path, "error", error=f"out of memory{rule} (in {stage.name}); "
                              "raise --max-memory or --ignore the rule", error_kind="memory")
        except OSError as err:
            return FileResult(path, "error", error=f"cannot read the file: {err.strerror or err}",
                              error_kind="read")
        except RecursionError:
            return FileResult(path, "error", error=f"internal error in {stage.name}: "
                              "template nested too deeply (recursion limit)", error_kind="crash")
        except Exception as err:  # noqa: BLE001 - isolation is the point
            return FileResult(path, "error", error=f"internal error in {stage.name}: "
                              f"{type(err).__name__}: {err}", error_kind="crash")

    # -- stages ---------------------------------------------------------------------
    def _lint(self, path: str, stage: _Stage) -> FileResult:
        from cfnlint.decode.decode import decode_str

        stage.name = "read"
        text, problem = _read_text(path)
        if problem is not None:
            return _parse_error(path, problem)
        if not any(key in text[:SNIFF_BYTES] for key in TEMPLATE_KEYS) and text.strip():
            return FileResult(path, "skipped", skipped="not a CloudFormation template")

        stage.name = "parse"
        template, matches = decode_str(text)
        if matches:
            return FileResult(path, findings=self._findings(path, matches))
        if not text.strip() or template is None:
            return _parse_error(path, "the file is empty; a template needs Resources")
        if not isinstance(template, dict):
            return _parse_error(path, "a template must be a mapping (key: value) at the top")
        if not any(key in template for key in TEMPLATE_KEYS):
            return FileResult(path, "skipped", skipped="not a CloudFormation template")
        return self._run_rules(path, template, stage)

    def _run_rules(self, path: str, template: dict, stage: _Stage) -> FileResult:
        from cfnlint.runner.template.runner import _check_metadata_directives, _dedup
        from cfnlint.template import Template

        stage.name = "template model"
        self._config.set_template_args(template)
        cfn = Template(path, template, self.regions)
        stage.name = "transform"
        # cfn-lint's SAM Globals merge crashes on a section that is not a mapping
        # (`Parameters:` left empty, say); such a template is not transformed and the
        # rules report the broken section instead
        sections_ok = all(isinstance(template[key], dict) for key in MAPPING_SECTIONS
                          if key in template) and isinstance(template.get("Resources"), dict)
        matches = list(cfn.transform()) if sections_ok else []
        if not matches and cfn.template is not None:
            samrefs.adjust_context(cfn)
            stage.name = "rules"
            found = self.rules.run(filename=path, cfn=cfn, config=self._config)
            stage.name = "suppression"
            matches = list(_dedup(_check_metadata_directives(found, cfn, self._config)))
        stage.name = "report"
        # secrets the rules found, and every literal at a secret-bearing property whether a
        # rule reported it or not, are masked in every message, cfn-lint's included
        from tmpllint.checks.secretscan import SECRETS_ATTRIBUTE
        from tmpllint.checks.secretstores import values_to_mask

        secrets = set(getattr(cfn, SECRETS_ATTRIBUTE, ()))
        if isinstance(cfn.template, dict):
            secrets |= values_to_mask(cfn)
        result = FileResult(path, findings=self._findings(path, matches, secrets, template))
        quiet_cfn_lint(result, template)
        guard.apply(result, template)
        crashes = [m for m in matches if m.rule.id == "E0002"]
        if crashes:
            result.status, result.error_kind = "error", "crash"
            result.error = "; ".join(sorted(_crash_text(m.message) for m in crashes))
        return result

    def _findings(self, path: str, matches, secrets=(), template=None) -> list[Finding]:
        findings = {
            _with_info(_to_finding(path, match, secrets, template),
                       self.selection.overlaps != "keep"
                       and info_here(match.rule.id, getattr(match, "path", None), template))
            for match in matches
            if match.rule.id != "E0002" and self.selection.enabled(match.rule.id)
            and not accepted(match.rule.id, getattr(match, "path", None), template)
        }
        return sorted(_one_per_defect(
            _replace(f, severity=self.selection.severity(f.rule, f.severity)) for f in findings))


_SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}


def _with_info(finding: Finding, info: bool) -> Finding:
    """`finding` at info when `info` (accepted.INFO_WHERE says it changes nothing)."""
    return _replace(finding, severity="info") if info else finding


def _one_per_defect(findings: Iterable[Finding]) -> list[Finding]:
    """cfn-lint reports some defects through several of its rules at once, word for word
    (a JSON `null` in `Fn::GetAZs` inside a `Fn::Join` is both E1022 and E3024): cfn-lint
    findings with the same span and the same message are one defect, reported once (the
    most severe, then the lowest rule id). tmpllint's own findings are never merged."""
    kept: dict[tuple, Finding] = {}
    result = []
    for finding in findings:
        if finding.source != "cfn-lint":
            result.append(finding)
            continue
        key = (finding.line, finding.column, finding.end_line, finding.end_column, finding.message)
        rank = (_SEVERITY_RANK.get(finding.severity, 3), finding.rule)
        if key not in kept or rank < (_SEVERITY_RANK.get(kept[key].severity, 3), kept[key].rule):
            kept[key] = finding
    return result + list(kept.values())


class LintOutOfMemory(BaseException):
    """MemoryError inside a rule, carried past cfn-lint's per-rule `except Exception`."""


def _guarded_rules_class(rules_cls):
    """cfn-lint's `Rules`, except that running out of memory inside a rule stops the
    file (a `MemoryError` would otherwise become one more E0002 and the next rule
    would run out of memory too)."""

    class GuardedRules(rules_cls):
        def run_check(self, check, filename, rule_id, config, enabled_rule_ids=set(), *args):
            def guarded(*arguments):
                try:
                    yield from iter(check(*arguments))
                except MemoryError:
                    raise LintOutOfMemory(rule_id) from None

            yield from super().run_check(guarded, filename, rule_id, config,
                                         enabled_rule_ids, *args)

        def run(self, filename, cfn, config):
            from tmpllint import speedups

            speedups.reset(self.data)  # cfn-lint re-wires the child rules of every file
            from cfnlint.rules._rule import matching

            if (speedups.same_source(rules_cls.run, _CFN_LINT_RUN)
                    and speedups.same_source(matching, _CFN_LINT_MATCHING)):
                yield from speedups.rules_run(self, filename, cfn, config)
            else:  # another cfn-lint version: its own code
                yield from super().run(filename, cfn, config)

    return GuardedRules


#: sha256 (first 16 hex digits) of `cfnlint.rules.Rules.run`'s source in the cfn-lint
#: versions whose `run` `speedups.rules_run` repeats.
_CFN_LINT_RUN = frozenset({"6fa2334a73faecae"})
#: the same for `cfnlint.rules._rule.matching` (the wrapper `rules_run` relies on).
_CFN_LINT_MATCHING = frozenset({"2b086d0ebdabe6d6"})


def _install_speedups(rules) -> None:
    """cfn-lint's own code, minus repeated work (tmpllint/speedups.py; same findings)."""
    from tmpllint import speedups

    speedups.install()
    keyword_rule = rules.get("E1101")
    # cfn-lint loads its rules from files, so the class is known by name, not module
    if (type(keyword_rule).__name__ == "CfnLint" and hasattr(keyword_rule, "cfnLint")
            and speedups.same_source(type(keyword_rule).cfnLint, speedups.CFN_LINT_KEYWORD)):
        speedups.index_keywords(keyword_rule)


def _build_rules(rules_cls, selection: RuleSelection, extra_rules: Iterable):
    """cfn-lint's rules plus our pack, minus every rule the selection turns off.

    Removing a rule (instead of filtering its matches afterwards) is what makes
    `--ignore` an escape hatch from a slow rule. A parent rule that an enabled child
    needs to run (cfn-lint's schema rules run their children) is kept; its own
    matches are filtered out later.
    """
    everything = _cfn_lint_rules(rules_cls)
    everything.update(rules_cls.create_from_module(TMPLLINT_PACK))
    for rule in extra_rules:
        everything.register(rule)
    known = frozenset(everything)
    for rule in everything.values():
        if hasattr(rule, "known_rule_ids"):  # W9000 checks template suppressions
            rule.known_rule_ids = known
    keep = {rule_id for rule_id in everything if selection.enabled(rule_id)}
    if len(keep) < len(everything):
        parents = _parents(everything)
        pending = list(keep)
        while pending:
            for parent in parents.get(pending.pop(), ()):
                # a superseded rule (selection.SUPERSEDED) reads a resource's attributes
                # and walks nothing, so no rule needs it to run
                if parent in everything and parent not in keep and parent not in SUPERSEDED:
                    keep.add(parent)
                    pending.append(parent)
    keep.add("E0002")  # reports a crashing rule; turned into a per-file error
    # sorted, so rules run (and crashes are reported) in the same order on every machine
    return rules_cls({rule_id: everything[rule_id] for rule_id in sorted(keep)
                      if rule_id in everything})


def _cfn_lint_rules(rules_cls):
    """cfn-lint's rules, with the large data files only a few rules use
    (`speedups.DEFERRED_DATA`) loaded when one of them first needs it; built again the
    ordinary way when a rule does something with the data that the deferral cannot
    stand in for (another cfn-lint version)."""
    import cfnlint.config

    from tmpllint import speedups

    rules_dir = cfnlint.config._DEFAULT_RULESDIR
    try:
        with speedups.deferred_data() as deferred:
            everything = rules_cls.create_from_directory(rules_dir)
        if deferred.attach(everything.values()):
            return everything
    except Exception:  # noqa: BLE001 - a rule choked on a token: build as cfn-lint does
        pass
    return rules_cls.create_from_directory(rules_dir)


def _parents(everything) -> dict[str, set[str]]:
    """Rule id -> the rules it cannot run without: declared parents, rules that list it
    as a child, and the schema rules whose keyword path leads to its keywords (schema
    rules are reached by walking down the template: "Resources" (E3001), then
    "Resources/*" (E3002), then "Resources/<Type>/Properties")."""
    parents: dict[str, set[str]] = {}
    by_keyword: dict[str, set[str]] = {}
    walkers: dict[str, set[str]] = {}
    for rule_id, rule in everything.items():
        for parent in rule.parent_rules or []:
            parents.setdefault(rule_id, set()).add(parent)
        for child in rule.child_rules or {}:
            parents.setdefault(child, set()).add(rule_id)
        for keyword in getattr(rule, "keywords", None) or []:
            by_keyword.setdefault(keyword, set()).add(rule_id)
            # tmpllint's schema rules validate against their own small schemas, which
            # hand nothing down to other rules' keywords: they never walk for a child
            if not type(rule).__module__.startswith(TMPLLINT_PACK):
                walkers.setdefault(keyword, set()).add(rule_id)
    namespaces = _namespace_walkers(everything, walkers)
    for keyword, rule_ids in by_keyword.items():
        covering = set().union(*(walkers.get(prefix, set()) for prefix in _prefixes(keyword)),
                               namespaces.get(keyword.split("/")[0], set()))
        for rule_id in rule_ids:
            parents.setdefault(rule_id, set()).update(covering - {rule_id})
    return parents


def _namespace_walkers(everything, walkers: dict[str, set[str]]) -> dict[str, set[str]]:
    """Keywords that are not template paths, by their first part -> the rules whose schemas
    lead to them: cfn-lint's IAM policy schema names its parts "AWS::IAM::Policy/..." (W2511,
    W3037, E3514, I3510), reached through every policy-document rule (E3510, E3512, E3513,
    E3530); the console interface's "cfnParameter" (W4001) through E4001. Without them
    `--only W2511` ran no rule that reaches the policy version and reported nothing."""
    try:
        from cfnlint.rules.resources.iam.Policy import Policy
    except ImportError:  # another cfn-lint layout: keep every rule's own parents only
        policy_rules: set[str] = set()
    else:
        policy_rules = {rule_id for rule_id, rule in everything.items() if isinstance(rule, Policy)}
    return {"AWS::IAM::Policy": policy_rules,
            "cfnParameter": set(walkers.get("Metadata/AWS::CloudFormation::Interface", set()))}


def _prefixes(keyword: str) -> Iterator[str]:
    """Every keyword path that is a strict prefix of `keyword`, with `*` for any part."""
    import itertools

    parts = keyword.split("/")
    for length in range(1, len(parts)):
        for stars in itertools.product((False, True), repeat=length):
            yield "/".join("*" if star else part for star, part in zip(stars, parts[:length]))


def _read_text(path: str) -> tuple[str, str | None]:
    """The file as text, or a reason it cannot be a template (size, binary, encoding)."""
    size = Path(path).stat().st_size
    if size > MAX_TEMPLATE_BYTES:
        with open(path, "rb") as handle:
            head = handle.read(SNIFF_BYTES).decode("utf-8", "replace")
        if not any(key in head for key in TEMPLATE_KEYS):
            return head, None  # a large data file: the head alone, which the sniff skips
        return "", (f"the file is {size / 1_048_576:.1f} MB; CloudFormation accepts "
                    f"templates up to 1 MB and tmpllint reads up to "
                    f"{MAX_TEMPLATE_BYTES // 1_048_576} MB, so it was not parsed")
    data = Path(path).read_bytes()
    if b"\x00" in data:
        return "", "the file is binary (it contains NUL bytes), not a template"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        return "", f"the file is not UTF-8 text (byte {err.start})"
    return text, None


def _parse_error(path: str, message: str) -> FileResult:
    finding = Finding(path=path, line=1, column=1, end_line=1, end_column=1, rule="E0000",
                      severity="error", message=message, resource=None, source="cfn-lint",
                      fingerprint=fingerprint("E0000", [], None, message))
    return FileResult(path, findings=[finding])


def _crash_text(message: str) -> str:
    found = _RULE_CRASH.search(message)
    if not found:
        return f"internal error in rules: {message}"
    detail = found.group(2).strip()
    try:  # cfn-lint puts the exception text in as a Python repr
        detail = str(ast.literal_eval(detail))
    except (ValueError, SyntaxError):
        pass
    return f"internal error in rule {found.group(1)}: {detail}"


def fingerprint(rule: str, rule_path, template, message: str) -> str:
    """rule + property path + a hash of the value there; the value is left out for the
    secrets family (a hash of a short password can be guessed) and for matches without
    a path (parse errors), which use their message instead."""
    parts = [rule, "/".join(map(str, rule_path))]
    if not rule_path:
        parts.append(message)
    elif template is not None and not rule.startswith(("E93", "W93", "I93")):
        value = template
        for key in rule_path:
            try:
                value = value[key]
            except (KeyError, IndexError, TypeError):
                break
        parts.append(json.dumps(value, sort_keys=True, default=str)[:100_000])
    return hashlib.sha256("\0".join(parts).encode("utf-8", "replace")).hexdigest()[:32]


def _to_finding(path: str, match, secrets=(), template=None) -> Finding:
    from tmpllint.checks.secretscan import redact

    rule_path = getattr(match, "path", None) or ()
    resource = None
    if len(rule_path) >= 2 and rule_path[0] == "Resources":
        resource = str(rule_path[1])
    module = type(match.rule).__module__
    message = redact(str(match.message), secrets)
    return Finding(
        path=path,
        line=int(match.linenumber),
        column=int(match.columnnumber),
        end_line=int(match.linenumberend),
        end_column=int(match.columnnumberend),
        rule=match.rule.id,
        # a rule may report one match at a lower severity than its own (W9804 on log
        # buckets) through the match's `tmpllint_severity`
        severity=CFN_LINT_SEVERITY.get(getattr(match, "tmpllint_severity", None)
                                       or match.rule.severity, "error"),
        message=message,
        resource=resource,
        source="tmpllint" if module.startswith(TMPLLINT_PACK) else "cfn-lint",
        fingerprint=fingerprint(match.rule.id, list(rule_path), template, message),
    )
