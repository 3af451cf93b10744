"""Managed policies and where permissions live: no elevated AWS managed policies (W9407),
permissions on groups or roles, not users (W9408)."""

from __future__ import annotations

import re
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from tmpllint.checks.base import Documented, literal_values, properties, resources_of


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
        argument = value["Fn::Sub"]
        text = argument[0] if isinstance(argument, list) and argument else argument
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
