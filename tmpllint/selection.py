"""Which rules a run enables: `--only` and `--ignore` prefixes, cfn-lint style, and the
cfn-lint rules that tmpllint's own rules supersede.

A rule id matches a selector when it starts with it, so `W9` means every tmpllint
warning and `E30` cfn-lint's E30xx rules. `E0000` (the template does not parse) stays on
whatever `--only` says, because a template that cannot be read cannot pass a gate.

`SUPERSEDED` is the one table of cfn-lint rules that say what a tmpllint rule already
says (found by `bench/overlaps.py`, which lists every resource line where a cfn-lint and
a tmpllint finding coincide). They are removed from the rule collection unless the
configuration says `cfn-lint-overlaps = "keep"`, or `--only` names one by its full id.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Iterable

ALWAYS_ON = ("E0000",)

#: cfn-lint rule -> (the tmpllint rules that supersede it, why).
SUPERSEDED: dict[str, tuple[tuple[str, ...], str]] = {
    "I3011": (("W9801",), "both ask stateful resources for DeletionPolicy and "
              "UpdateReplacePolicy; W9801 is the gate-level rule and says which value "
              "protects the data (I3011 also lists queues, log groups, secrets and nested "
              "stacks, which W9801 leaves out: messages and logs expire, a deleted secret "
              "can be restored for 7 to 30 days)"),
    "W3011": (("W9801",), "a stateful resource with only one of DeletionPolicy and "
              "UpdateReplacePolicy is reported by W9801 (W3011 also asks it of "
              "resources W9801 leaves out, such as log groups)"),
    "W2501": (("E9301", "W9303"), "a hardcoded password is E9301 and a password "
              "parameter without NoEcho is W9303, at the same lines"),
    "W1011": (("E9301", "W9303"), "tmpllint decides where a secret may come from: a "
              "visible parameter is W9303, while a NoEcho parameter without a default "
              "is accepted by E9301, which W1011 would still flag"),
    "W2010": (("E9306",), "an output that echoes a NoEcho parameter is E9306 at the "
              "same line (W2010 also looks at Metadata, which tmpllint does not)"),
}

#: `cfn-lint-overlaps` values: drop the superseded rules (default) or keep them.
OVERLAP_MODES = ("drop", "keep")


def superseded_by(rule_id: str) -> tuple[str, ...]:
    """The tmpllint rules that supersede cfn-lint's `rule_id` (empty when none do)."""
    return SUPERSEDED.get(rule_id, ((), ""))[0]


def supersedes(rule_id: str) -> list[str]:
    """The cfn-lint rules that tmpllint's `rule_id` supersedes."""
    return sorted(cfn for cfn, (ours, _) in SUPERSEDED.items() if rule_id in ours)


@dataclass(frozen=True)
class RuleSelection:
    only: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    overlaps: str = "drop"

    def enabled(self, rule_id: str) -> bool:
        """True when findings of `rule_id` are reported in this run."""
        if rule_id in ALWAYS_ON:
            return True
        if any(rule_id.startswith(prefix) for prefix in self.ignore):
            return False
        if rule_id in SUPERSEDED and self.overlaps != "keep" and rule_id not in self.only:
            return False
        if self.only:
            return any(rule_id.startswith(prefix) for prefix in self.only)
        return True


def closest(wanted: str, known: Iterable[str]) -> list[str]:
    """Up to five known ids closest to `wanted` (what `explain` suggests)."""
    known = sorted(set(known), key=lambda rule: (rule[1:], rule))
    close = difflib.get_close_matches(wanted, known, n=5, cutoff=0.6)
    close = close or [rule for rule in known if rule[:2] == wanted[:2]][:5]
    # a letter typed for the digit it looks like (W9O03, E3O12, I9l10) comes first
    lookalike = wanted[:1] + wanted[1:].translate(str.maketrans("OIL", "011"))
    if lookalike != wanted and lookalike in known:
        close = [lookalike] + [rule for rule in close if rule != lookalike][:4]
    return close


def unknown_selectors(values: Iterable[str], known: Iterable[str]) -> list[tuple[str, list[str]]]:
    """(value, closest ids) for every id or prefix in `values` that no known rule has."""
    known = set(known)
    return [(value, closest(value.upper(), known)) for value in values
            if not any(rule.startswith(value.upper()) for rule in known)]
