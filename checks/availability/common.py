"""Helpers of the availability rules: scenarios of resource conditions, numbers."""

from __future__ import annotations

from typing import Any

from cfnlint.rules import RuleMatch

from tmpllint.checks.base import condition_names, one_finding


def resource_active(condition: str | None, scenario: "dict | list | None") -> bool:
    """Whether a resource with `Condition: condition` exists in `scenario` (for the
    collapsed terms of one finding, `one_finding`: in the first of them)."""
    if isinstance(scenario, list):
        scenario = scenario[0] if scenario else None
    return condition is None or scenario is None or scenario.get(condition, True)


def resource_scenarios(cfn, conditions, values=()) -> list[dict | None]:
    """Every possible scenario of resource conditions plus `Fn::If`s inside `values`."""
    names = {c for c in conditions if c}
    for value in values:
        names |= condition_names(value)
    if not names:
        return [None]
    return list(cfn.conditions.build_scenarios(dict.fromkeys(sorted(names)))) or [None]


def flag_per_scenario(hits: dict, total: int, make) -> list[RuleMatch]:
    """One match per flagged thing: unconditional when it fails in every scenario,
    else one per failing scenario with the condition named."""
    matches = []
    for key, failing in hits.items():
        matches.extend(make(key, scenario) for scenario in one_finding(failing, total))
    return matches


def as_number(value: Any) -> int | None:
    """An integer property value given as a number or a numeric string, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None
