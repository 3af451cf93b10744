"""Helpers shared by the wiring rules: numbers as written, judged per condition scenario."""

from __future__ import annotations

from typing import Any, Callable

from tmpllint.checks.base import condition_variants, literal_values, reported_scenarios, when


def numbers(cfn, value: Any, default: float | None = None) -> list[float] | None:
    """The numbers `value` can be (a literal, or a parameter's Default and AllowedValues);
    `default` when it is missing; None when unknown or not a number."""
    if value is None:
        return None if default is None else [default]
    found = literal_values(cfn, value)
    if not found:
        return None
    try:
        return [float(item) for item in found if not isinstance(item, (bool, dict, list))] or None
    except (TypeError, ValueError):
        return None


def strings(cfn, value: Any) -> list[str] | None:
    """The strings `value` can be, or None when unknown."""
    found = literal_values(cfn, value)
    if not found or not all(isinstance(item, str) for item in found):
        return None
    return found


def judged(cfn, instance: Any, problem: Callable[[Any], str | None]) -> list[tuple[str, str]]:
    """(detail, ' when X is true' or '') for each way `instance` fails.

    `problem(resolved)` returns a detail for the message or None; it runs once per
    condition scenario of `instance`. A problem found in every scenario is reported
    once without naming a condition; otherwise once per failing scenario."""
    variants = condition_variants(cfn, instance)
    failing: dict[str, list] = {}
    for scenario, resolved in variants:
        detail = problem(resolved)
        if detail is not None:
            failing.setdefault(detail, []).append(scenario)
    found = []
    for detail, scenarios in failing.items():
        for scenario in reported_scenarios(scenarios, len(variants)):
            found.append((detail, when(scenario)))
    return found


def mapping(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def items(value: Any) -> list:
    """A list property as a list (a single mapping counts as one item)."""
    if isinstance(value, list):
        return value
    return [value] if isinstance(value, dict) else []
