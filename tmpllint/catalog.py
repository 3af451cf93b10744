"""The rule catalog: every rule's metadata and documentation, for `rules` and `explain`.

The text lives on the rule classes themselves (checks/*.py); this module only collects
it, so the documentation cannot drift from the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from tmpllint.findings import CFN_LINT_SEVERITY
from tmpllint.selection import closest, superseded_by, supersedes


@dataclass(frozen=True)
class RuleDoc:
    id: str
    severity: str
    family: str
    shortdesc: str
    description: str
    source_url: str
    source: str  # "tmpllint" or "cfn-lint"
    why: str = ""
    seeds: tuple[str, ...] = ()
    example_fail: str = ""
    example_pass: str = ""
    #: cfn-lint rules this tmpllint rule supersedes (off unless cfn-lint-overlaps = keep)
    supersedes: tuple[str, ...] = ()
    #: for a cfn-lint rule: the tmpllint rules that supersede it
    superseded_by: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return dict(self.__dict__, seeds=list(self.seeds), supersedes=list(self.supersedes),
                    superseded_by=list(self.superseded_by))


def _doc(rule, source: str) -> RuleDoc:
    documented = source == "tmpllint"
    return RuleDoc(
        id=rule.id,
        severity=CFN_LINT_SEVERITY.get(rule.severity, "error"),
        family=type(rule).family() if documented else "cfn-lint",
        shortdesc=rule.shortdesc,
        description=rule.description,
        source_url=rule.source_url or "",
        source=source,
        why=getattr(rule, "why", ""),
        seeds=tuple(type(rule).seed_citations()) if documented else (),
        example_fail=getattr(rule, "example_fail", ""),
        example_pass=getattr(rule, "example_pass", ""),
        supersedes=tuple(supersedes(rule.id)) if documented else (),
        superseded_by=() if documented else superseded_by(rule.id),
    )


def pack_rules() -> list[RuleDoc]:
    """tmpllint's own rules, sorted by id (from the stored catalog, see catalog_store)."""
    from tmpllint.catalog_store import stored

    return stored("tmpllint", build_pack_rules, RuleDoc)


def cfn_lint_rules() -> list[RuleDoc]:
    """cfn-lint's built-in rules, sorted by id (from the stored catalog)."""
    from tmpllint.catalog_store import stored

    return stored("cfn-lint", build_cfn_lint_rules, RuleDoc)


def build_pack_rules() -> list[RuleDoc]:
    """tmpllint's own rules, read from the rule classes (imports cfn-lint)."""
    import tmpllint.checks
    from cfnlint.helpers import create_rules

    return sorted((_doc(rule, "tmpllint") for rule in create_rules(tmpllint.checks)),
                  key=lambda doc: (doc.id[1:], doc.id))


def build_cfn_lint_rules() -> list[RuleDoc]:
    """cfn-lint's built-in rules, read from cfn-lint."""
    import cfnlint.config
    from cfnlint.rules import Rules

    rules = Rules.create_from_directory(cfnlint.config._DEFAULT_RULESDIR)
    return sorted((_doc(rule, "cfn-lint") for rule in rules.values()), key=lambda doc: (doc.id[1:], doc.id))


def find(rule_id: str) -> tuple[RuleDoc | None, list[str]]:
    """The documentation of `rule_id` (any case), or None and the closest known ids."""
    wanted = rule_id.strip().upper()
    ours = pack_rules()
    for doc in ours:
        if doc.id == wanted:
            return doc, []
    theirs = cfn_lint_rules()
    for doc in theirs:
        if doc.id == wanted:
            return doc, []
    return None, closest(wanted, [doc.id for doc in ours + theirs])


@lru_cache(maxsize=1)
def known_ids() -> frozenset[str]:
    """Every rule id a selector may name: tmpllint's and cfn-lint's. Read from the stored
    catalog (catalog_store), so a run whose files all hit the cache does not build
    cfn-lint's rules just to check `--ignore`."""
    return frozenset(doc.id for doc in pack_rules() + cfn_lint_rules())
