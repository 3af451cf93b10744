"""Who may use a resource: public resource policies and Lambda permissions (E9406),
public function URLs (W9410)."""

from __future__ import annotations

from typing import Any

from cfnlint.rules import RuleMatch

from tmpllint.checks.base import (
    Documented,
    ResourceSchemaRule,
    condition_variants,
    literal_values,
    load_data,
    properties,
    resources_of,
)
from tmpllint.checks.iam.common import StatementRule, collapsed, service_name
from tmpllint.checks.policies import RESOURCE, narrowed

#: Service principals that invoke functions for resources of any account.
SERVICE_INVOKERS = frozenset(p.lower() for p in load_data("data/lambda_service_invokers.json")["principals"])


class ResourcePolicyNotPublic(Documented, StatementRule):
    id = "E9406"
    shortdesc = "Resource policies are not public"
    description = (
        "Flags an Allow in a bucket, queue, topic, KMS key, Secrets Manager or ECR "
        "repository (`RepositoryPolicyText`) resource policy with `Principal: \"*\"` or "
        "`{AWS: \"*\"}` and no condition that narrows who may use it (the \"principal\" "
        "keys of the shared list in `checks/policies.py`: `aws:SourceArn`, "
        "`aws:SourceAccount`, `aws:SourceOwner`, `aws:PrincipalOrgID`, "
        "`aws:PrincipalAccount`, `aws:PrincipalArn`, `aws:SourceVpce`, `aws:SourceVpc`, "
        "`aws:SourceOrgID`, `kms:CallerAccount`; `aws:SecureTransport`, `aws:CurrentTime` "
        "and `...IfExists` tests do not narrow). Policy documents given as JSON strings "
        "(or a `!Sub` of one) are read too. Also flags an `AWS::Lambda::Permission` with "
        "`Principal: \"*\"` and no `SourceArn`, `SourceAccount` or `PrincipalOrgID`, and one "
        "for a service principal that acts for resources of any account (`s3`, `sns`, "
        "`events`, `apigateway`, ...; `checks/data/lambda_service_invokers.json`) with "
        "neither `SourceArn` nor `SourceAccount`: any account's bucket, topic or rule could "
        "invoke the function. API Gateway resource policies are not judged (an API endpoint "
        "is public by design; W9004 checks its authorization), nor the permission of a "
        "public function URL (W9410's)."
    )
    why = (
        "An Allow for everyone opens the resource to every AWS account in the world; the "
        "notes' S3 example of what a bucket policy can do is exactly this: grant public "
        "access to the bucket. A permission for a service without a source is the same "
        "opening one step removed: another account points its own bucket or rule at your "
        "function."
    )
    seeds = ("001:740-750", "001:918", "004:1018", "003:886")
    source_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html"
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
        hits = []
        for name, resource in resources_of(cfn, "AWS::Lambda::Permission"):
            variants = condition_variants(cfn, properties(resource))
            for scenario, props in variants:
                message = _permission_problem(cfn, name, props if isinstance(props, dict) else {})
                if message:
                    hits.append((["Resources", name, "Properties", "Principal"], message,
                                 scenario, len(variants)))
        return super().match(cfn) + collapsed(hits)

    def check(self, statement):
        if statement.resource_type == "AWS::ApiGateway::RestApi":
            return
        if statement.public_principal and not narrowed(statement.conditions, "principal"):
            yield "Principal", (f"Resource policy of '{statement.resource}' allows anyone"
                                "{when}; name the principal or add a condition such as "
                                "aws:SourceArn, aws:SourceAccount or aws:PrincipalOrgID.")


def _permission_problem(cfn, name: str, props: dict) -> str | None:
    """E9406's message for one scenario of a Lambda permission, or None."""
    values = literal_values(cfn, props.get("Principal"))
    has = {key for key in ("SourceArn", "SourceAccount", "PrincipalOrgID")
           if props.get(key) not in (None, "")}
    for value in values or [props.get("Principal")]:
        if value == "*":
            if props.get("FunctionUrlAuthType") == "NONE" or has:
                continue  # a public function URL is W9410's
            return (f"Permission '{name}' lets anyone invoke the function{{when}}; name the "
                    "caller's Principal or set SourceArn/SourceAccount.")
        service = service_name(value)
        if service in SERVICE_INVOKERS and not has:
            return (f"Permission '{name}' lets {service} invoke the function for a resource "
                    "of any account{when}; set SourceArn (or SourceAccount) to the resource "
                    "or account that calls it.")
    return None


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
