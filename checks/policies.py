"""One policy walker: every IAM statement of a template, normalized, with its location.

The least-privilege rules (`iam.py`) are small functions over these statements. Every
place RULES.md §4 lists is walked: identity policies (`AWS::IAM::Policy`,
`ManagedPolicy`, inline `Policies` of roles, users and groups, SAM function `Policies`
inline statements), role trust policies, and resource policies (S3, SQS, SNS, KMS key
policies, Secrets Manager, API Gateway). `Action`, `NotAction`, `Resource`,
`NotResource` and `Principal` come back as lists; a document whose values come from
`!If` is walked once per condition scenario.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from tmpllint.checks.base import condition_variants, existing_prefix, properties

IDENTITY, TRUST, RESOURCE = "identity", "trust", "resource"

#: resource type -> [(kind, path to a policy document or to a list of {PolicyDocument})]
_DOCUMENTS: dict[str, list[tuple[str, tuple, bool]]] = {
    "AWS::IAM::Policy": [(IDENTITY, ("PolicyDocument",), False)],
    "AWS::IAM::ManagedPolicy": [(IDENTITY, ("PolicyDocument",), False)],
    "AWS::IAM::Role": [(TRUST, ("AssumeRolePolicyDocument",), False),
                       (IDENTITY, ("Policies",), True)],
    "AWS::IAM::User": [(IDENTITY, ("Policies",), True)],
    "AWS::IAM::Group": [(IDENTITY, ("Policies",), True)],
    "AWS::IAM::RolePolicy": [(IDENTITY, ("PolicyDocument",), False)],
    "AWS::IAM::UserPolicy": [(IDENTITY, ("PolicyDocument",), False)],
    "AWS::IAM::GroupPolicy": [(IDENTITY, ("PolicyDocument",), False)],
    "AWS::S3::BucketPolicy": [(RESOURCE, ("PolicyDocument",), False)],
    "AWS::SQS::QueuePolicy": [(RESOURCE, ("PolicyDocument",), False)],
    "AWS::SNS::TopicPolicy": [(RESOURCE, ("PolicyDocument",), False)],
    "AWS::KMS::Key": [(RESOURCE, ("KeyPolicy",), False)],
    "AWS::SecretsManager::ResourcePolicy": [(RESOURCE, ("ResourcePolicy",), False)],
    "AWS::ApiGateway::RestApi": [(RESOURCE, ("Policy",), False)],
}


@dataclass
class Statement:
    """One statement, normalized. `path` locates it in the template as written."""

    kind: str  # identity, trust or resource
    resource: str  # the logical id holding the policy
    resource_type: str
    path: list
    effect: Any
    actions: list = field(default_factory=list)
    not_actions: list = field(default_factory=list)
    resources: list = field(default_factory=list)
    not_resources: list = field(default_factory=list)
    principals: dict = field(default_factory=dict)  # {"AWS": [...], "Service": [...]}, "*" -> {"*": ["*"]}
    conditions: dict = field(default_factory=dict)
    scenario: dict | None = None

    @property
    def allows(self) -> bool:
        return self.effect == "Allow"

    def at(self, key: str) -> list:
        """Path to one element of the statement (falls back to the statement)."""
        return self.path + [key] if key else self.path

    @property
    def public_principal(self) -> bool:
        """Principal "*" or {"AWS": "*"}."""
        return "*" in self.principals.get("*", []) or "*" in self.principals.get("AWS", [])


def statements(cfn) -> list[Statement]:
    """Every statement of the template (cached on the template object)."""
    cached = getattr(cfn, "_tmpllint_statements", None)
    if cached is None:
        cached = list(_walk(cfn))
        setattr(cfn, "_tmpllint_statements", cached)
    return cached


def _walk(cfn) -> Iterator[Statement]:
    for name, resource in cfn.get_resources().items():
        if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str):
            continue
        props = properties(resource)
        for kind, doc_path, is_list in _DOCUMENTS.get(resource["Type"], ()):
            base = ["Resources", name, "Properties", *doc_path]
            value = props.get(doc_path[0])
            if is_list:
                for index, item in enumerate(value if isinstance(value, list) else []):
                    if isinstance(item, dict):
                        yield from _document(cfn, kind, name, resource["Type"], base + [index, "PolicyDocument"],
                                             item.get("PolicyDocument"))
            else:
                yield from _document(cfn, kind, name, resource["Type"], base, value)
        if resource["Type"] == "AWS::Serverless::Function":
            policies = props.get("Policies")
            for index, item in enumerate(policies if isinstance(policies, list) else [policies]):
                if isinstance(item, dict) and "Statement" in item:
                    path = ["Resources", name, "Properties", "Policies"] + (
                        [index] if isinstance(policies, list) else [])
                    yield from _document(cfn, IDENTITY, name, resource["Type"], path, item)


def _document(cfn, kind, name, resource_type, path, document) -> Iterator[Statement]:
    if not isinstance(document, dict):
        return
    for scenario, resolved in condition_variants(cfn, document):
        raw = resolved.get("Statement")
        items = raw if isinstance(raw, list) else [raw]
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            where = path + ["Statement"] + ([index] if isinstance(raw, list) else [])
            yield Statement(
                kind=kind, resource=name, resource_type=resource_type,
                path=existing_prefix(cfn.template, where) if scenario else where,
                effect=item.get("Effect"),
                actions=_strings(item.get("Action")),
                not_actions=_strings(item.get("NotAction")),
                resources=_strings(item.get("Resource")),
                not_resources=_strings(item.get("NotResource")),
                principals=_principals(item.get("Principal")),
                conditions=item.get("Condition") if isinstance(item.get("Condition"), dict) else {},
                scenario=scenario,
            )


def _strings(value: Any) -> list:
    """A policy element as a list; intrinsic functions stay in as they are (unknown)."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _principals(value: Any) -> dict:
    if value == "*":
        return {"*": ["*"]}
    if isinstance(value, dict):
        return {str(key): _strings(item) for key, item in value.items()}
    return {}


#: Condition keys that narrow a public principal to known callers (lower case).
NARROWING_KEYS = frozenset({
    "aws:sourcearn", "aws:sourceaccount", "aws:sourceowner", "aws:principalorgid",
    "aws:principalorgpaths", "aws:principalaccount", "aws:principalarn", "aws:sourcevpce",
    "aws:sourcevpc", "aws:sourceorgid", "aws:sourceorgpaths", "kms:calleraccount",
    "s3:dataaccesspointaccount", "s3:dataaccesspointarn",
})


def narrowed(conditions: dict) -> bool:
    """True when a condition limits who can act (`aws:SecureTransport` or
    `aws:CurrentTime` do not; an `...IfExists` operator does not either, because a
    request without the key passes)."""
    for operator, tests in conditions.items():
        if not isinstance(tests, dict) or str(operator).endswith("IfExists") \
                or str(operator).startswith("Null"):
            continue
        if any(str(key).lower() in NARROWING_KEYS for key in tests):
            return True
    return False
