"""One policy walker: every IAM statement of a template, normalized, with its location.

The least-privilege rules (`checks/iam/`) are small functions over these statements. Every
place RULES.md §4 lists is walked: identity policies (`AWS::IAM::Policy`,
`ManagedPolicy`, inline `Policies` of roles, users and groups, SAM function `Policies`
inline statements), role trust policies, and resource policies (S3, SQS, SNS, KMS key
policies, Secrets Manager, API Gateway, ECR repositories). `Action`, `NotAction`,
`Resource`, `NotResource` and `Principal` come back as lists; a document whose values
come from `!If` is walked once per condition scenario. A document given as a JSON string
(`PolicyDocument: '{"Version": ...}'`, or a `!Sub` of one) is parsed; its statements
point at the property that holds the string.

`NARROWING` is the one list of condition keys that narrow a statement, for every 94xx
rule (RULES.md wave 2).
"""

from __future__ import annotations

from dataclasses import dataclass, field
import json
import re
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
    "AWS::ECR::Repository": [(RESOURCE, ("RepositoryPolicyText",), False)],
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
    scenario_count: int = 1  # how many condition scenarios the document was walked in
    opaque: bool = False  # parsed from a JSON string: no path inside it


    @property
    def allows(self) -> bool:
        return self.effect == "Allow"

    def at(self, key: str) -> list:
        """Path to one element of the statement (falls back to the statement, and to the
        property holding the string for a document parsed from JSON text)."""
        return self.path + [key] if key and not self.opaque else self.path

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
    parsed = parse_document(document)
    opaque = parsed is not document
    document = parsed
    if not isinstance(document, dict):
        return
    variants = condition_variants(cfn, document)
    for scenario, resolved in variants:
        if not isinstance(resolved, dict):
            continue
        raw = resolved.get("Statement")
        items = raw if isinstance(raw, list) else [raw]
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            where = path + ["Statement"] + ([index] if isinstance(raw, list) else [])
            yield Statement(
                kind=kind, resource=name, resource_type=resource_type,
                path=path if opaque else existing_prefix(cfn.template, where) if scenario else where,
                effect=item.get("Effect"),
                actions=_strings(item.get("Action")),
                not_actions=_strings(item.get("NotAction")),
                resources=_strings(item.get("Resource")),
                not_resources=_strings(item.get("NotResource")),
                principals=_principals(item.get("Principal")),
                conditions=item.get("Condition") if isinstance(item.get("Condition"), dict) else {},
                scenario=scenario,
                scenario_count=len(variants),
                opaque=opaque,
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


def parse_document(document: Any) -> Any:
    """A policy document as a mapping: itself, or parsed from a JSON string or from the
    template string of a `!Sub` (its `${...}` placeholders stay inside the strings, where
    no rule reads them as a wildcard). Anything else comes back unchanged (unknown)."""
    text = None
    if isinstance(document, str):
        text = document
    elif isinstance(document, dict) and set(document) == {"Fn::Sub"}:
        argument = document["Fn::Sub"]
        text = argument[0] if isinstance(argument, list) and argument else argument
    if not isinstance(text, str) or "Statement" not in text:
        return document
    try:
        parsed = json.loads(text)
    except ValueError:
        return document
    return parsed if isinstance(parsed, dict) else document


#: The one list of condition keys that narrow a statement (lower case; a trailing `/`
#: is a prefix, `*` any service prefix), shared by every 94xx rule. Each key narrows
#: WHAT the statement reaches ("resource": W9402, W9403, E9404, E9401), and the
#: "principal" ones also narrow WHO may use a public (`*`) principal (E9406, E9409):
#: `aws:ResourceTag/...` limits the resources, but anyone could still act on them.
#: Not here: tests of how or when a request is sent (`aws:SecureTransport`,
#: `aws:CurrentTime`, `aws:SourceIp`), and `iam:PassedToService`, which limits the service
#: a role is passed to, not which roles (RULES.md wave 2: PassRole on `*` stays E9404).
NARROWING: dict[str, frozenset[str]] = {
    **{key: frozenset({"principal", "resource"}) for key in (
        "aws:sourcearn", "aws:sourceaccount", "aws:sourceowner", "aws:principalorgid",
        "aws:principalorgpaths", "aws:principalaccount", "aws:principalarn",
        "aws:sourcevpce", "aws:sourcevpc", "aws:sourceorgid", "aws:sourceorgpaths",
        "kms:calleraccount", "s3:dataaccesspointaccount", "s3:dataaccesspointarn",
        "cognito-identity.amazonaws.com:aud",
    )},
    **{key: frozenset({"resource"}) for key in (
        "aws:viaawsservice", "aws:calledvia", "aws:calledviafirst", "aws:calledvialast",
        "kms:viaservice", "kms:requestalias", "kms:resourcealiases",
        "kms:encryptioncontextkeys", "kms:encryptioncontext:", "kms:grantisforawsresource",
        "aws:resourcetag/", "*:resourcetag/", "aws:resourceaccount", "aws:resourceorgid",
        "aws:resourceorgpaths",
    )},
}
NOT_NARROWING = frozenset({"iam:passedtoservice"})
_SERVICE_RESOURCE_TAG = re.compile(r"^[a-z0-9-]+:resourcetag/")


def _aspects(key: str) -> frozenset[str]:
    key = key.lower()
    if key in NOT_NARROWING:
        return frozenset()
    if key in NARROWING:
        return NARROWING[key]
    for prefix, aspects in NARROWING.items():
        if prefix.endswith("/") or prefix.endswith(":"):
            if prefix.startswith("*:") and _SERVICE_RESOURCE_TAG.match(key):
                return aspects
            if key.startswith(prefix):
                return aspects
    return frozenset()


def narrowed(conditions: Any, aspect: str = "principal") -> bool:
    """True when a condition of the statement narrows it in `aspect` ("principal": who
    may use a public principal; "resource": what the statement reaches). Tests that let
    other requests through do not narrow: `...IfExists`, `Null` and `ForAllValues:` (a
    request without the key passes), negated operators (`StringNotEquals`: everyone but
    one), and `Bool` tests for false."""
    if not isinstance(conditions, dict):
        return False
    for operator, tests in conditions.items():
        operator = str(operator)
        if not isinstance(tests, dict) or operator.endswith("IfExists") \
                or operator.startswith(("Null", "ForAllValues:")) or "Not" in operator:
            continue
        for key, value in tests.items():
            if operator == "Bool" and str(value).lower() != "true":
                continue
            if aspect in _aspects(str(key)):
                return True
    return False
