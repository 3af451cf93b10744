"""Who may assume a role: trust policies name who (E9409), identity-pool roles are bound to
their pool (E9411), roles trust the service the template gives them to (E9412)."""

from __future__ import annotations

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from tmpllint.checks.base import Documented
from tmpllint.checks.iam.common import StatementRule, collapsed, covers, service_name
from tmpllint.checks.model import model_of
from tmpllint.checks.policies import TRUST, narrowed, statements

COGNITO_IDENTITY = "cognito-identity.amazonaws.com"
COGNITO_AUDIENCE = "cognito-identity.amazonaws.com:aud"


class TrustNamesPrincipal(Documented, StatementRule):
    id = "E9409"
    shortdesc = "Trust policies name who may assume the role"
    description = (
        "Flags an Allow in a role's `AssumeRolePolicyDocument` with `Principal: \"*\"` or "
        "`{AWS: \"*\"}` and no narrowing condition (the same keys as E9406)."
    )
    why = (
        "A role anyone may assume is a role for every AWS account in the world: its "
        "permissions are public."
    )
    seeds = ("002:1644-1656",)
    source_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html"
    tags = ["iam", "public"]
    example_fail = "AssumeRolePolicyDocument:\n  Statement:\n    - {Effect: Allow, Principal: {AWS: '*'}, Action: sts:AssumeRole}\n"
    example_pass = "AssumeRolePolicyDocument:\n  Statement:\n    - {Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}\n"
    kinds = (TRUST,)

    def check(self, statement):
        if statement.public_principal and not narrowed(statement.conditions, "principal"):
            yield "Principal", (f"Anyone may assume role '{statement.resource}'{{when}}; name "
                                "the trusted account, service or role, or add a condition "
                                "such as aws:PrincipalOrgID.")


def _audience_bound(conditions) -> bool:
    """True when a condition tests `cognito-identity.amazonaws.com:aud` (not IfExists)."""
    if not isinstance(conditions, dict):
        return False
    for operator, tests in conditions.items():
        if isinstance(tests, dict) and not str(operator).endswith("IfExists") \
                and not str(operator).startswith("Null") \
                and any(str(key).lower() == COGNITO_AUDIENCE for key in tests):
            return True
    return False


class IdentityPoolRoleBound(Documented, StatementRule):
    id = "E9411"
    shortdesc = "Identity-pool roles are bound to their pool"
    description = (
        "Flags an Allow in a role's `AssumeRolePolicyDocument` that trusts the federated "
        "principal `cognito-identity.amazonaws.com` without a condition on "
        "`cognito-identity.amazonaws.com:aud` (the identity pool id; an `...IfExists` "
        "test does not count)."
    )
    why = (
        "An identity pool hands out temporary AWS credentials of its roles (004:10482). "
        "Without the `aud` condition the trust names no pool: any identity pool, in any "
        "account, can obtain credentials for the role, guests included when that pool "
        "allows unauthenticated identities (004:10511-10512: guests must get limited "
        "access)."
    )
    seeds = ("004:10482", "004:10511-10512")
    source_url = "https://docs.aws.amazon.com/cognito/latest/developerguide/role-trust-and-permissions.html"
    tags = ["iam", "cognito", "public"]
    example_fail = (
        "AssumeRolePolicyDocument:\n  Statement:\n    - Effect: Allow\n"
        "      Principal: {Federated: cognito-identity.amazonaws.com}\n"
        "      Action: sts:AssumeRoleWithWebIdentity\n"
    )
    example_pass = (
        "AssumeRolePolicyDocument:\n  Statement:\n    - Effect: Allow\n"
        "      Principal: {Federated: cognito-identity.amazonaws.com}\n"
        "      Action: sts:AssumeRoleWithWebIdentity\n"
        "      Condition:\n        StringEquals: {cognito-identity.amazonaws.com:aud: !Ref IdentityPool}\n"
        "        ForAnyValue:StringLike: {cognito-identity.amazonaws.com:amr: authenticated}\n"
    )
    kinds = (TRUST,)

    def check(self, statement):
        federated = statement.principals.get("Federated", []) if isinstance(statement.principals, dict) else []
        if not any(isinstance(v, str) and v.strip().lower() == COGNITO_IDENTITY for v in federated):
            return
        if not _audience_bound(statement.conditions):
            yield "Principal", (f"Role '{statement.resource}' trusts every Cognito identity pool"
                                "{when}; add a StringEquals condition on "
                                "cognito-identity.amazonaws.com:aud naming your identity pool.")


def trusted_services(cfn, role: str) -> set[str] | None:
    """The service principals a role of the template lets assume it with
    `sts:AssumeRole`, or None when that is unknown (a trust policy that cannot be read,
    a public principal, a service name from a mapping or a parameter)."""
    allowing = [s for s in statements(cfn) if s.kind == TRUST and s.resource == role and s.allows]
    if not allowing:
        return None
    found: set[str] = set()
    for statement in allowing:
        covered = covers(statement.actions, "sts:AssumeRole")
        if covered is None:
            return None
        if not covered:
            continue
        if statement.public_principal:
            return None
        for value in statement.principals.get("Service", []):
            name = service_name(value)
            if name is None:
                return None
            found.add(name)
    return found


class RoleTrustsItsService(Documented, CloudFormationLintRule):
    id = "E9412"
    shortdesc = "Roles trust the service that uses them"
    description = (
        "Flags a role of the template handed to a service whose trust policy does not name "
        "that service's principal: a Lambda function's `Role` (lambda.amazonaws.com), an ECS "
        "task definition's `TaskRoleArn`/`ExecutionRoleArn` (ecs-tasks), an "
        "`AWS::IAM::InstanceProfile`'s `Roles` (ec2), a state machine's `RoleArn` (states), "
        "a CodeBuild `ServiceRole` (codebuild), an RDS `MonitoringRoleArn` "
        "(monitoring.rds) and an events rule target's `RoleArn` (events). Regional forms "
        "(`states.${AWS::Region}.amazonaws.com`) and `${AWS::URLSuffix}` count as the "
        "service. A role given by parameter, import or ARN text, and a trust policy whose "
        "services come from a mapping or parameter, are unknown and never flagged."
    )
    why = (
        "A role can only be passed to what its trust policy allows (003:1403-1404): the "
        "stack fails to deploy (Lambda rejects a role it cannot assume) or deploys and never "
        "works (the task, instance or rule target gets no credentials)."
    )
    seeds = ("003:1403-1404",)
    source_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-service.html"
    tags = ["iam", "wiring"]
    example_fail = (
        "Role:\n  Type: AWS::IAM::Role\n  Properties:\n    AssumeRolePolicyDocument:\n"
        "      Statement:\n        - {Effect: Allow, Principal: {Service: ec2.amazonaws.com}, "
        "Action: sts:AssumeRole}\nFunction:\n  Type: AWS::Lambda::Function\n  Properties:\n"
        "    Role: !GetAtt Role.Arn\n"
    )
    example_pass = (
        "Role:\n  Type: AWS::IAM::Role\n  Properties:\n    AssumeRolePolicyDocument:\n"
        "      Statement:\n        - {Effect: Allow, Principal: {Service: lambda.amazonaws.com}, "
        "Action: sts:AssumeRole}\nFunction:\n  Type: AWS::Lambda::Function\n  Properties:\n"
        "    Role: !GetAtt Role.Arn\n"
    )

    def match(self, cfn) -> list[RuleMatch]:
        trusts: dict[str, set[str] | None] = {}
        hits = []
        for use in model_of(cfn).role_uses:
            if use.role not in trusts:
                trusts[use.role] = trusted_services(cfn, use.role)
            services = trusts[use.role]
            if services is None or use.service in services:
                continue
            hits.append((use.path, f"Role '{use.role}' is given to {use.service} by '{use.user}' "
                         f"but its trust policy does not name {use.service}{{when}}; add it as a "
                         "Service principal of the role's AssumeRolePolicyDocument.",
                         use.scenario, use.scenario_count))
        return collapsed(hits)
