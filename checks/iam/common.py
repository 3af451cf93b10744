"""What the least-privilege rules share: the per-statement rule base, and what a
statement grants (its wildcards, its write actions on `*`), decided once here so W9402,
W9403 and E9404 agree on it.

Every rule reads the statements of the one policy walker (`checks/policies.py`); access
levels and resource-level support come from the IAM catalog (`checks/iam_catalog.py`).
Deny statements are never flagged. Every rule survives schema-invalid values (lists,
numbers, null where a string is expected): what it cannot read is unknown.
"""

from __future__ import annotations

import fnmatch
import re
from typing import Any, Iterable

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from tmpllint.checks.base import load_data, reported_scenarios, when
from tmpllint.checks.iam_catalog import expand
from tmpllint.checks.policies import IDENTITY, narrowed, statements

EVERYTHING = ("*", "*:*")

#: W9403: write actions whose only sensible resource is the caller (reason per action).
SELF_SERVICE = frozenset(a.lower() for a in load_data("data/iam_self_service.json")["actions"])
#: W9402: the action patterns of AWS's documented key-policy statements.
KEY_POLICY_ACTIONS = frozenset(
    a.lower() for a in load_data("data/kms_key_policy_actions.json")["actions"])


def everything(actions: Iterable) -> bool:
    return any(isinstance(action, str) and action in EVERYTHING for action in actions)


def on_everything(resources: Iterable) -> bool:
    return any(isinstance(resource, str) and resource == "*" for resource in resources)


def on_every_resource(statement) -> bool:
    """`Resource: "*"` meaning every resource of the account: in an identity policy. In a
    resource policy `*` is the resource itself (a key policy's `*` is that key)."""
    return statement.kind == IDENTITY and on_everything(statement.resources)


def is_wildcard(action: Any) -> bool:
    return isinstance(action, str) and ("*" in action or "?" in action)


class StatementRule(CloudFormationLintRule):
    """A rule that judges each Allow statement of some kinds with `check`.

    A finding that fails in every condition scenario of its document names no condition
    (statements that do not depend on the `!If` of a sibling are reported once)."""

    kinds: tuple[str, ...] = (IDENTITY,)

    def match(self, cfn) -> list[RuleMatch]:
        return collapsed(
            (statement.at(key), message, statement.scenario, statement.scenario_count)
            for statement in statements(cfn)
            if statement.allows and statement.kind in self.kinds
            for key, message in self.check(statement))

    def check(self, statement) -> Iterable[tuple[str, str]]:
        raise NotImplementedError


def collapsed(hits: Iterable[tuple[list, str, Any, int]]) -> list[RuleMatch]:
    """RuleMatches for (path, message with `{when}`, scenario, scenario count) hits: one
    per path and message, naming a condition only when the hit does not hold in every
    scenario (`base.reported_scenarios`)."""
    grouped: dict[tuple, list] = {}  # (path, message) -> [path, scenarios, scenario count]
    for path, message, scenario, total in hits:
        entry = grouped.setdefault((tuple(map(str, path)), message), [path, [], total])
        if scenario not in entry[1]:
            entry[1].append(scenario)
    found = []
    for (_, message), (path, scenarios, total) in grouped.items():
        for scenario in reported_scenarios(scenarios, total):
            found.append(RuleMatch(path, message.replace("{when}", when(scenario))))
    return found


def sample(names: Iterable[str], size: int = 3) -> str:
    names = sorted(set(names))
    return ", ".join(names[:size]) + (", ..." if len(names) > size else "")


# -- what a statement grants ---------------------------------------------------------
def unscoped_writes(statement) -> tuple[list[str], list[str]]:
    """(write actions, the wildcard patterns they come from) that an identity statement
    allows on `Resource: "*"`: W9403's finding. Only actions that accept a resource ARN
    count; self-service actions (`SELF_SERVICE`) and statements narrowed by a condition
    (`policies.NARROWING`) do not. `Action: "*"` is E9401's, `iam:PassRole` E9404's."""
    if statement.kind != IDENTITY or not on_everything(statement.resources) \
            or everything(statement.actions) or narrowed(statement.conditions, "resource"):
        return [], []
    writes, patterns = [], []
    for action in statement.actions:
        found = [a.name for a in expand(action) or ()
                 if a.writes and a.resource_level and a.name.lower() not in SELF_SERVICE
                 and a.name.lower() != "iam:passrole"]
        writes += found
        if found and is_wildcard(action):
            patterns.append(action)
    return sorted(set(writes)), patterns


def broad_wildcards(statement) -> list[str]:
    """The wildcard actions of a statement that grant more than a list would: W9402's
    finding. Not counted: a pattern that matches one action only or only actions that
    take no resource ARN (`kms:Decrypt*`, `ssmmessages:*`), a pattern covering read and
    list actions only, and in a KMS key policy AWS's documented key-policy patterns and
    anything granted to the account itself (the default key policy)."""
    if narrowed(statement.conditions, "resource"):
        return []
    key_policy = statement.resource_type == "AWS::KMS::Key"
    if key_policy and only_account_root(statement.principals):
        return []
    found = []
    for action in statement.actions:
        if not is_wildcard(action):
            continue
        if action in EVERYTHING:
            if not on_every_resource(statement):  # on every resource it is E9401's
                found.append(action)
            continue
        if key_policy and action.lower() in KEY_POLICY_ACTIONS:
            continue
        covered = expand(action)
        if covered is None:
            if action.endswith(":*"):  # a service the catalog does not know: still all of it
                found.append(action)
            continue
        if len(covered) <= 1 or not any(a.resource_level for a in covered):
            continue
        if action.endswith(":*") or any(a.writes for a in covered):
            found.append(action)
    return found


def covers(patterns: Iterable, action: str) -> bool | None:
    """True when one of the action patterns covers `action`; None when one is unknown."""
    unknown = False
    for pattern in patterns:
        if not isinstance(pattern, str):
            unknown = True
        elif fnmatch.fnmatchcase(action.lower(), pattern.lower()):
            return True
    return None if unknown else False


def only_account_root(principals: Any) -> bool:
    """True when the only principal is this account (`AWS::AccountId` or its `:root`
    ARN): in a key policy that hands the key's control to the account's IAM policies."""
    if not isinstance(principals, dict) or set(principals) != {"AWS"}:
        return False
    values = principals["AWS"] if isinstance(principals["AWS"], list) else []
    if not values:
        return False
    for value in values:
        if isinstance(value, dict) and value.get("Ref") == "AWS::AccountId":
            continue
        text = _joined(value)
        if not isinstance(text, str) or not (text.endswith(":root") and "${AWS::AccountId}" in text):
            return False
    return True


def _joined(value: Any) -> str | None:
    """The text of a literal, a `!Sub`, or a `!Join` of literals and pseudo parameters
    (as `${AWS::AccountId}`); None otherwise."""
    if isinstance(value, str):
        return value
    if not isinstance(value, dict) or len(value) != 1:
        return None
    (function, argument), = value.items()
    if function == "Fn::Sub":
        text = argument[0] if isinstance(argument, list) and argument else argument
        return text if isinstance(text, str) else None
    if function == "Fn::Join" and isinstance(argument, list) and len(argument) == 2 \
            and isinstance(argument[0], str) and isinstance(argument[1], list):
        parts = []
        for part in argument[1]:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict) and len(part) == 1 and isinstance(part.get("Ref"), str) \
                    and part["Ref"].startswith("AWS::"):
                parts.append("${" + part["Ref"] + "}")
            else:
                return None
        return argument[0].join(parts)
    return None


# -- service principals --------------------------------------------------------------
_REGIONAL = re.compile(r"^([a-z0-9-]+(?:\.[a-z0-9-]+)*?)\.(?:[a-z]{2}(?:-gov)?-[a-z]+-\d|\$\{aws::region\})"
                       r"\.amazonaws\.com$")


def service_name(value: Any) -> str | None:
    """A service principal in one comparable form (`states.amazonaws.com`), from a
    literal, a `!Sub` or a `!Join` of literals and `AWS::URLSuffix`/`AWS::Region`; None
    when it cannot be known (a `FindInMap`, a parameter)."""
    text = _joined(value)
    if not isinstance(text, str):
        return None
    text = text.strip().lower().replace("${aws::urlsuffix}", "amazonaws.com")
    if "${" in text.replace("${aws::region}", ""):
        return None
    if text.endswith(".amazonaws.com.cn"):
        text = text[:-3]
    regional = _REGIONAL.match(text)
    return f"{regional.group(1)}.amazonaws.com" if regional else text
