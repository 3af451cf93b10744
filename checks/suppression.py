"""W9000: a suppression in the template names a rule that does not exist.

The id is the template family's `0`, next to cfn-lint's own `E0000` family for the
template as a file: it is about the template's lint directives, not about a resource,
and sits below every numbered practice (E9001...) so it can never collide with one.
It is a warning, not a usage error: a template may be written for another cfn-lint
version whose rules this one does not have.
"""

from __future__ import annotations

from typing import Any, Iterator

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from tmpllint.checks.base import Documented

#: template-level `Metadata: cfn-lint: config:` keys whose values are rule ids
TEMPLATE_KEYS = ("ignore_checks", "include_checks", "mandatory_checks")


class UnknownSuppressedRule(Documented, CloudFormationLintRule):
    id = "W9000"
    shortdesc = "Suppressions in the template name known rules"
    description = (
        "Flags an id or prefix in `Metadata: cfn-lint: config: ignore_checks` (of the "
        "template or of a resource) or in the template's `include_checks` / "
        "`mandatory_checks` that matches no rule of tmpllint or of this cfn-lint."
    )
    why = (
        "A typo in a suppression (`W9O03` with a letter O) silently suppresses nothing, "
        "and the author believes the finding is handled. The Metadata section is one of "
        "a template's sections like any other and is read by the tools that deploy and "
        "lint it, so it deserves the same care."
    )
    seeds = ("002:963-970",)
    source_url = "https://github.com/aws-cloudformation/cfn-lint#metadata"
    tags = ["template", "suppression"]
    example_fail = (
        "Logs:\n  Type: AWS::S3::Bucket\n  Metadata:\n    cfn-lint:\n      config:\n"
        "        ignore_checks: [W98O4]\n"
    )
    example_pass = (
        "Logs:\n  Type: AWS::S3::Bucket\n  Metadata:\n    cfn-lint:\n      config:\n"
        "        ignore_checks: [W9804]\n"
    )

    #: every rule id of the run; tmpllint's engine sets it when it builds the rules.
    #: Under plain cfn-lint (--append-rules) it is computed on first use.
    known_rule_ids: frozenset[str] | None = None

    def match(self, cfn) -> list[RuleMatch]:
        found = list(_directives(cfn.template))
        if not found:
            return []
        known = self.known_rule_ids
        if known is None:
            from tmpllint.catalog import known_ids

            known = type(self).known_rule_ids = known_ids()
        from tmpllint.selection import closest

        matches = []
        for path, value in found:
            wanted = value.strip().upper()
            if any(rule.startswith(wanted) for rule in known):
                continue
            close = closest(wanted, known)[:3]
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            matches.append(RuleMatch(path, f"Suppression '{value}' matches no rule{hint}; "
                                           "correct the id or remove it."))
        return matches


def _directives(template: Any) -> Iterator[tuple[list, str]]:
    """(path, value) of every rule id written in cfn-lint Metadata directives."""
    if not isinstance(template, dict):
        return
    config = _config(template.get("Metadata"))
    for key in TEMPLATE_KEYS:
        yield from _ids(config, key, ["Metadata", "cfn-lint", "config"])
    resources = template.get("Resources")
    for name, resource in (resources.items() if isinstance(resources, dict) else ()):
        if isinstance(resource, dict):
            yield from _ids(_config(resource.get("Metadata")), "ignore_checks",
                            ["Resources", name, "Metadata", "cfn-lint", "config"])


def _config(metadata: Any) -> dict:
    lint = metadata.get("cfn-lint") if isinstance(metadata, dict) else None
    config = lint.get("config") if isinstance(lint, dict) else None
    return config if isinstance(config, dict) else {}


def _ids(config: dict, key: str, prefix: list) -> Iterator[tuple[list, str]]:
    values = config.get(key)
    if isinstance(values, str):
        yield prefix + [key], values
    elif isinstance(values, list):
        for index, value in enumerate(values):
            if isinstance(value, str):
                yield prefix + [key, index], value
