"""Which rules a run enables: `--only` and `--ignore` prefixes, cfn-lint style.

A rule id matches a selector when it starts with it, so `W9` means every tmpllint
warning and `E30` cfn-lint's E30xx rules. `E0000` (the template does not parse) stays on
whatever `--only` says, because a template that cannot be read cannot pass a gate.
"""

from __future__ import annotations

from dataclasses import dataclass

ALWAYS_ON = ("E0000",)


@dataclass(frozen=True)
class RuleSelection:
    only: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def enabled(self, rule_id: str) -> bool:
        """True when findings of `rule_id` are reported in this run."""
        if rule_id in ALWAYS_ON:
            return True
        if any(rule_id.startswith(prefix) for prefix in self.ignore):
            return False
        if self.only:
            return any(rule_id.startswith(prefix) for prefix in self.only)
        return True
