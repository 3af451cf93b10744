"""Family 3 (`93xx`), continued: what goes into the secret stores, and what is masked.

E9307 (a secret in a plain String SSM parameter) and W9308 (a database secret that never
rotates), and `values_to_mask`, the literals the engine masks in every message whatever
rule reports them. The detector is `secretscan.py`; the property catalogue and E9301-E9306
are in `secrets.py`.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from tmpllint.checks.base import (
    Documented,
    literal_values,
    parameter,
    properties,
    references_in,
    resources_of,
    walk,
    when,
)
from tmpllint.checks.secretscan import (
    _WORD,
    SUB_VARIABLE,
    literal_pieces,
    mask,
    secret_name,
)
from tmpllint.checks.secrets import _judge, environment_entries, secret_property_values


# -- masking ------------------------------------------------------------------------------
def values_to_mask(cfn) -> set[str]:
    """Every literal the template holds where a secret belongs: at a secret-bearing
    property, a secret-named environment variable or a secret-named plain SSM parameter
    (each `Fn::If` branch, each piece of a `Sub`/`Join`, the `Default` of a parameter it
    refers to, the values of a JSON secret string). The engine masks them in every
    message, cfn-lint's included, whether or not a rule reports them."""
    values: list[Any] = [value for _, _, value in secret_property_values(cfn)]
    values += [value for _, _, variable, value in environment_entries(cfn) if secret_name(variable)]
    values += [value for _, _, value in ssm_secret_parameters(cfn)]
    found: set[str] = set()
    for value in values:
        for text in _literal_texts(cfn, value):
            found.add(text)
            found.update(_json_values(text))
    return {text for text in found if len(text.strip()) >= 4 and not _JSON_SKELETON.fullmatch(text)}


#: A piece of a JSON secret string assembled around variables (`{"username":"`): keys
#: and punctuation only, nothing to mask.
_JSON_SKELETON = re.compile(r'(?:\s|[{}\[\],:"]|"[^"\n]*"\s*:)*')


def _literal_texts(cfn, value: Any, depth: int = 0) -> Iterator[str]:
    if depth > 50:
        return
    if isinstance(value, str) and "{{resolve:" in value:
        return  # a dynamic reference (and the text around its variables) names the secret
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        yield str(value)
        if isinstance(value, str):
            # the literal pieces around `${...}` variables, when long enough to be a
            # secret rather than a word like "Bearer "
            yield from (piece for piece in SUB_VARIABLE.split(value)
                        if piece != value and len(piece.strip()) >= 8)
    elif isinstance(value, list):
        for item in value:
            yield from _literal_texts(cfn, item, depth + 1)
    elif isinstance(value, dict) and len(value) == 1:
        (function, argument), = value.items()
        if function == "Ref":
            declared = parameter(cfn, argument)
            if declared is not None and isinstance(declared.get("Default"), (str, int)):
                yield str(declared["Default"])
        elif function == "Fn::If" and isinstance(argument, list):
            yield from _literal_texts(cfn, argument[1:3], depth + 1)
        elif function == "Fn::Join" and isinstance(argument, list) and len(argument) == 2 \
                and any("{{resolve:" in piece for piece in literal_pieces(value)):
            return  # pieces of a dynamic reference
        elif function in ("Fn::Sub", "Fn::Join", "Fn::Base64", "Fn::Select"):
            yield from _literal_texts(cfn, argument, depth + 1)
        elif not str(function).startswith("Fn::") and function != "Condition":
            yield from _literal_texts(cfn, argument, depth + 1)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _literal_texts(cfn, item, depth + 1)


def _json_values(text: str) -> list[str]:
    """The string values of a JSON object (a `SecretString`), else nothing."""
    import json

    if not text.lstrip().startswith("{"):
        return []
    try:
        document = json.loads(SUB_VARIABLE.sub("", text), strict=False)
    except ValueError:
        return []
    return [v for v in document.values() if isinstance(v, str)] if isinstance(document, dict) else []


# -- plain SSM parameters (E9307) --------------------------------------------------------
#: Trailing words of a logical id that say what the resource is, not what it holds.
_RESOURCE_WORDS = frozenset({"parameter", "param", "ssm", "store", "string"})


def _named_secret(name: Any) -> bool:
    """Whether a parameter's name (`/app/prod/db-password`) or logical id
    (`DbPasswordParameter`) means a secret."""
    if not isinstance(name, str):
        return False
    leaf = name.rstrip("/").rsplit("/", 1)[-1]
    if secret_name(leaf):
        return True
    words = _WORD.findall(leaf)
    while words and words[-1].lower() in _RESOURCE_WORDS:
        words.pop()
    return bool(words) and secret_name("_".join(words))


def ssm_secret_parameters(cfn) -> Iterator[tuple[str, str, Any]]:
    """(logical id, what names the secret, Value) of every `AWS::SSM::Parameter` of type
    String or StringList (in any scenario) whose Name or logical id means a secret."""
    for name, resource in resources_of(cfn, "AWS::SSM::Parameter"):
        props = properties(resource)
        kind = props.get("Type")
        branches = kind["Fn::If"][1:3] if isinstance(kind, dict) and isinstance(kind.get("Fn::If"), list) \
            and len(kind["Fn::If"]) == 3 else [kind]
        types = [t for branch in branches for t in literal_values(cfn, branch) or []]
        if not types or not any(kind in ("String", "StringList") for kind in types):
            continue
        names = [piece for piece in literal_pieces(props.get("Name"))] or []
        literal_name = next((n for n in literal_values(cfn, props.get("Name")) or [] if isinstance(n, str)), None)
        if literal_name and _named_secret(literal_name):
            yield name, f"its name {literal_name}", props.get("Value")
        elif names and _named_secret(names[-1]):
            yield name, f"its name ending {names[-1].rstrip('/').rsplit('/', 1)[-1]}", props.get("Value")
        elif _named_secret(name):
            yield name, "its logical id", props.get("Value")


#: Values that hold the place of a secret someone will set outside the template.
_PLACEHOLDERS = re.compile(r"^(placeholder|dummy|replace[-_ ]?me|to[-_ ]?be[-_ ]?(set|replaced)|"
                           r"tbd|todo|none|null|n/?a|empty|default|unset|not[-_ ]?set|-+|\*+|x+)$", re.I)


class SecretInPlainParameter(Documented, CloudFormationLintRule):
    id = "E9307"
    shortdesc = "Plain SSM parameters hold no secrets"
    description = (
        "Flags an `AWS::SSM::Parameter` of type `String` or `StringList` whose `Name` (its "
        "last path segment: `/app/prod/db-password`) or logical id (`DbPasswordParameter`) "
        "means a secret by E9302's word rules and whose `Value` is hardcoded: a literal, a "
        "literal piece of a `!Sub`/`!Join`, or a parameter's literal `Default` (a JSON "
        "value counts by its secret-named keys). Not flagged: a value from a parameter "
        "without a default, an obvious placeholder (`placeholder`, `dummy`, `TBD`, "
        "`<...>`), a parameter whose type comes from an unresolvable value."
    )
    why = (
        "CloudFormation cannot create a SecureString parameter, so a secret written into "
        "an SSM parameter by a template is stored in plain text, readable by anyone with "
        "ssm:GetParameter and shown in the console, besides being in the template itself. "
        "The notes list passwords and database strings as Parameter Store content and "
        "SecureString as the way to keep them (004:4468-4474, 004:11270-11320): create the "
        "secret in Secrets Manager (GenerateSecretString) or a SecureString outside the "
        "template and reference it."
    )
    seeds = ("004:4468-4474", "004:11270-11320")
    source_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ssm-parameter.html"
    tags = ["secrets", "ssm"]
    example_fail = ("DbPassword:\n  Type: AWS::SSM::Parameter\n  Properties:\n"
                    "    Name: /app/prod/db-password\n    Type: String\n    Value: hunter2hunter2\n")
    example_pass = ("DbSecret:\n  Type: AWS::SecretsManager::Secret\n  Properties:\n"
                    "    Name: /app/prod/db\n    GenerateSecretString: {PasswordLength: 32}\n")

    def match(self, cfn) -> list[RuleMatch]:
        found = []
        for name, named, value in ssm_secret_parameters(cfn):
            path = ["Resources", name, "Properties", "Value"]
            for at, where, secret, scenario in _judge(cfn, path, value):
                if _PLACEHOLDERS.match(secret.strip()):
                    continue
                found.append(RuleMatch(at, f"SSM parameter '{name}' stores a secret (by {named}) in "
                                           f"plain text ({where}: {mask(secret)}){when(scenario)}; "
                                           "CloudFormation cannot create a SecureString: use an "
                                           "AWS::SecretsManager::Secret with GenerateSecretString."))
        return found


# -- database secrets and their rotation (W9308) -----------------------------------------
#: Where databases take their master password.
DATABASE_PASSWORDS = {
    "AWS::RDS::DBInstance": "MasterUserPassword",
    "AWS::RDS::DBCluster": "MasterUserPassword",
    "AWS::DocDB::DBCluster": "MasterUserPassword",
    "AWS::Redshift::Cluster": "MasterUserPassword",
    "AWS::RedshiftServerless::Namespace": "AdminUserPassword",
    "AWS::DocDBElastic::Cluster": "AdminUserPassword",
}
_SECRET = "AWS::SecretsManager::Secret"
_ATTACHMENT = "AWS::SecretsManager::SecretTargetAttachment"
_SECRET_ID = re.compile(r"\{\{resolve:secretsmanager:([^:}\x00]+)")


def _secret_ids(cfn, value: Any, secrets: dict[str, str], attachments: dict[str, str]) -> set[str] | None:
    """The secrets of the template that `value` (a SecretId, or a password holding a
    dynamic reference) points at; None when it points somewhere unknown (a parameter, an
    import), so that nothing may be concluded."""
    found: set[str] = set()
    for ref in references_in(value):
        if ref in secrets:
            found.add(ref)
        elif ref in attachments:
            if attachments[ref] is None:
                return None
            found.add(attachments[ref])
        elif parameter(cfn, ref) is not None or "::" in ref:
            return None
    for _, node in walk(value):
        if isinstance(node, dict) and len(node) == 1 and next(iter(node)) in ("Fn::ImportValue", "Fn::GetAtt") \
                and not found:
            return None
    for piece in (p for _, node in walk(value) for p in literal_pieces(node)):
        found |= {secret for secret, secret_name_ in secrets.items() if secret_name_ and secret_name_ == piece}
    return found


def _secret_names(cfn) -> dict[str, str]:
    """Secret logical id -> its literal Name ('' when it has none or it is not literal)."""
    names = {}
    for name, resource in resources_of(cfn, _SECRET):
        values = literal_values(cfn, properties(resource).get("Name")) or []
        names[name] = values[0] if len(values) == 1 and isinstance(values[0], str) else ""
    return names


class DatabaseSecretRotates(Documented, CloudFormationLintRule):
    id = "W9308"
    shortdesc = "Database secrets rotate"
    description = (
        "Flags an `AWS::SecretsManager::Secret` of the template that a database uses (a "
        "`{{resolve:secretsmanager:...}}` reference to it in the master password of an RDS "
        "instance or cluster, DocumentDB, Redshift or Redshift Serverless, or an "
        "`AWS::SecretsManager::SecretTargetAttachment` of it) when no "
        "`AWS::SecretsManager::RotationSchedule` names it (directly, or through its target "
        "attachment). Not flagged: `ManageMasterUserPassword: true` (RDS rotates that "
        "secret itself), secrets outside the template, and any template with a rotation "
        "schedule whose secret cannot be resolved (a parameter, an import)."
    )
    why = (
        "A database password that never changes stays valid for everyone who ever read "
        "it. Secrets Manager rotates RDS, Redshift and DocumentDB credentials without code "
        "of your own (a HostedRotationLambda), and the notes single that out as its reason "
        "to exist (003:1500-1502, 004:4145, 004:11191)."
    )
    seeds = ("003:1500-1502", "004:4145", "004:11191")
    source_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-secretsmanager-rotationschedule.html"
    tags = ["secrets", "rds"]
    example_fail = ("DbSecret:\n  Type: AWS::SecretsManager::Secret\n  Properties:\n"
                    "    GenerateSecretString: {SecretStringTemplate: '{\"username\": \"app\"}', GenerateStringKey: password}\n"
                    "Database:\n  Type: AWS::RDS::DBInstance\n  Properties:\n"
                    "    MasterUserPassword: !Sub '{{resolve:secretsmanager:${DbSecret}:SecretString:password}}'\n")
    example_pass = (example_fail + "DbSecretRotation:\n  Type: AWS::SecretsManager::RotationSchedule\n"
                    "  Properties:\n    SecretId: !Ref DbSecret\n"
                    "    HostedRotationLambda: {RotationType: PostgreSQLSingleUser}\n"
                    "    RotationRules: {AutomaticallyAfterDays: 30}\n")

    def match(self, cfn) -> list[RuleMatch]:
        secrets = _secret_names(cfn)
        if not secrets:
            return []
        attachments: dict[str, Any] = {}
        for name, resource in resources_of(cfn, _ATTACHMENT):
            ids = _secret_ids(cfn, properties(resource).get("SecretId"), secrets, {})
            attachments[name] = next(iter(ids)) if ids and len(ids) == 1 else None
        rotated: set[str] = set()
        for _, resource in resources_of(cfn, "AWS::SecretsManager::RotationSchedule"):
            ids = _secret_ids(cfn, properties(resource).get("SecretId"), secrets, attachments)
            if ids is None:
                return []  # a schedule for a secret we cannot name: it may be any of them
            rotated |= ids
        used: dict[str, str] = {}  # secret -> the database that uses it
        for name, secret in attachments.items():
            if secret:
                target = references_in(properties(cfn.template["Resources"][name]).get("TargetId"))
                used.setdefault(secret, next(iter(sorted(target)), name) if target else name)
        for name, resource in resources_of(cfn, *DATABASE_PASSWORDS):
            value = properties(resource).get(DATABASE_PASSWORDS[resource["Type"]])
            texts = [piece for _, node in walk(value) for piece in literal_pieces(node)]
            if not any("{{resolve:secretsmanager:" in text for text in texts):
                continue
            for secret in _secret_ids(cfn, value, secrets, attachments) or ():
                used.setdefault(secret, name)
        return [RuleMatch(["Resources", secret],
                          f"Secret '{secret}' holds the password of database '{database}' but no "
                          "AWS::SecretsManager::RotationSchedule rotates it; add one (a "
                          "HostedRotationLambda needs no code of your own).")
                for secret, database in sorted(used.items()) if secret not in rotated]
