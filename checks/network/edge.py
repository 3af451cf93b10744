"""Network exposure (`96xx`): the front doors, CloudFront origins on S3 (W9607) and
private REST APIs (E9608)."""

from __future__ import annotations

import re
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from tmpllint.checks.base import (
    Documented,
    condition_variants,
    literal_values,
    parameter,
    properties,
    one_finding,
    resources_of,
    walk,
    when,
)

#: An S3 REST endpoint host (virtual-hosted style, global, regional or dual-stack);
#: website endpoints (`s3-website-...`, `s3-website.<region>`) do not match.
_S3_REST = re.compile(r"\.s3(\.dualstack)?(\.[a-z0-9*-]+)?\.amazonaws\.com(\.cn)?/?$", re.I)
_BUCKET_REST_ATTRIBUTES = {"DomainName", "RegionalDomainName", "DualStackDomainName"}


def _host_text(cfn, value: Any) -> str | None:
    """The origin host as text, with `*` for parts that are not known; None when nothing
    about it is known."""
    if isinstance(value, str):
        return value
    if not isinstance(value, dict) or len(value) != 1:
        return None
    (function, argument), = value.items()
    if function == "Ref":
        values = literal_values(cfn, value)
        return values[0] if values and len(values) == 1 and isinstance(values[0], str) else "*"
    if function == "Fn::GetAtt":
        parts = argument.split(".", 1) if isinstance(argument, str) else argument
        if isinstance(parts, list) and len(parts) == 2 and all(isinstance(p, str) for p in parts):
            resource = cfn.get_resources().get(parts[0])
            if isinstance(resource, dict) and resource.get("Type") == "AWS::S3::Bucket":
                if parts[1] in _BUCKET_REST_ATTRIBUTES:
                    return "bucket.s3.amazonaws.com"
                return "bucket.s3-website.amazonaws.com" if parts[1] == "WebsiteURL" else None
        return "*"
    if function == "Fn::Sub":
        text = argument[0] if isinstance(argument, list) and argument else argument
        return re.sub(r"\$\{[^}]*\}", "*", text) if isinstance(text, str) else None
    if function == "Fn::Join" and isinstance(argument, list) and len(argument) == 2 \
            and isinstance(argument[0], str) and isinstance(argument[1], list):
        return argument[0].join(_host_text(cfn, part) or "*" for part in argument[1])
    return None


def _is_s3_rest(cfn, domain: Any) -> bool:
    host = _host_text(cfn, domain)
    return bool(host) and "s3-website" not in host.lower() and bool(_S3_REST.search(host.strip()))


def _set(value: Any) -> bool:
    """Whether an identity/control id is given (an empty string is not)."""
    return value is not None and value != ""


class CloudFrontOriginAccess(Documented, CloudFormationLintRule):
    id = "W9607"
    shortdesc = "CloudFront reaches S3 only through Origin Access Control"
    description = (
        "Flags an `AWS::CloudFront::Distribution` origin whose `DomainName` is an S3 REST "
        "endpoint (`!GetAtt Bucket.DomainName`/`RegionalDomainName`, or a name ending in "
        "`.s3[.<region>].amazonaws.com`) with neither `OriginAccessControlId` nor "
        "`S3OriginConfig.OriginAccessIdentity` (an empty string is none), and a legacy "
        "`S3Origin` without `OriginAccessIdentity`. S3 website endpoints "
        "(`s3-website`, `!GetAtt Bucket.WebsiteURL`) are custom origins that cannot use "
        "OAC and are not flagged; an origin host that cannot be resolved is unknown."
    )
    why = (
        "Without OAC (or the older OAI) CloudFront fetches objects as an anonymous caller, "
        "so the bucket must be public and anyone can bypass the distribution, its WAF, "
        "geo restrictions and signed URLs. The notes: an origin access identity restricts "
        "the bucket to CloudFront; OAC is its successor."
    )
    seeds = ("004:11447-11448",)
    source_url = "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html"
    tags = ["network", "cloudfront", "s3"]
    example_fail = (
        "Origins:\n  - Id: site\n    DomainName: !GetAtt Site.RegionalDomainName\n"
        "    S3OriginConfig: {OriginAccessIdentity: ''}\n"
    )
    example_pass = (
        "Origins:\n  - Id: site\n    DomainName: !GetAtt Site.RegionalDomainName\n"
        "    OriginAccessControlId: !GetAtt SiteOac.Id\n    S3OriginConfig: {OriginAccessIdentity: ''}\n"
    )

    def match(self, cfn) -> list[RuleMatch]:
        matches = []
        for name, resource in resources_of(cfn, "AWS::CloudFront::Distribution"):
            config = properties(resource).get("DistributionConfig")
            if not isinstance(config, dict):
                continue
            base = ["Resources", name, "Properties", "DistributionConfig"]
            origins = config.get("Origins")
            items = [(base + ["Origins", i], o) for i, o in enumerate(origins)] \
                if isinstance(origins, list) else []
            if "S3Origin" in config:
                items.append((base + ["S3Origin"], config["S3Origin"]))
            for path, origin in items:
                variants = condition_variants(cfn, origin)
                failing = [scenario for scenario, resolved in variants if self._open(cfn, resolved)]
                label = origin.get("Id") if isinstance(origin, dict) and isinstance(origin.get("Id"), str) else None
                what = f"CloudFront origin '{label}'" if label else "CloudFront S3 origin"
                for scenario in one_finding(failing, len(variants)):
                    matches.append(RuleMatch(path, (
                        f"{what} reads its S3 bucket without Origin Access Control{when(scenario)}, so "
                        "the bucket must be public; set OriginAccessControlId and allow only this "
                        "distribution in the bucket policy.")))
        return matches

    @staticmethod
    def _open(cfn, origin: Any) -> bool:
        if not isinstance(origin, dict):
            return False
        if "DNSName" in origin and "DomainName" not in origin:  # legacy S3Origin
            return _is_s3_rest(cfn, origin.get("DNSName")) and not _set(origin.get("OriginAccessIdentity"))
        if not _is_s3_rest(cfn, origin.get("DomainName")) or _set(origin.get("OriginAccessControlId")):
            return False
        s3 = origin.get("S3OriginConfig")
        return not (isinstance(s3, dict) and _set(s3.get("OriginAccessIdentity")))


def _endpoint_types(cfn, config: Any) -> list | None:
    """The literal endpoint types of an `EndpointConfiguration`, or None if unknown."""
    if config is None:
        return []
    if not isinstance(config, dict):
        return None
    types = config.get("Types")
    if types is None:
        return []
    values = literal_values(cfn, types)
    if values is None:
        return None
    found = []
    for value in values:
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, dict):
                resolved = literal_values(cfn, item)
                if resolved is None:
                    return None
                found += resolved
            else:
                found.append(item)
    return found


def _body_has_policy(body: Any) -> bool:
    return any(isinstance(node, dict) and "x-amazon-apigateway-policy" in node
               for _, node in walk(body))


class PrivateApiPolicy(Documented, CloudFormationLintRule):
    id = "E9608"
    shortdesc = "Private APIs have a resource policy"
    description = (
        "Flags an `AWS::ApiGateway::RestApi` (SAM `AWS::Serverless::Api` after the "
        "transform: `EndpointConfiguration: PRIVATE`, `Auth.ResourcePolicy`) whose endpoint "
        "type is `PRIVATE` and that has neither `Policy` nor an "
        "`x-amazon-apigateway-policy` in its `Body`. An API defined elsewhere "
        "(`BodyS3Location`, SAM `DefinitionUri`, `CloneFrom`) is unknown and not flagged."
    )
    why = (
        "A private API is reachable only through a VPC endpoint, and only a resource "
        "policy says which endpoints may call it: without one API Gateway refuses the "
        "deployment (\"Private REST API doesn't have a resource policy attached to it\") "
        "and no call can succeed. The notes: private APIs are accessed from a VPC through a "
        "VPC endpoint."
    )
    seeds = ("004:9001",)
    source_url = "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-private-api-create.html"
    tags = ["network", "apigateway", "sam"]
    example_fail = (
        "Api:\n  Type: AWS::ApiGateway::RestApi\n  Properties:\n    Name: internal\n"
        "    EndpointConfiguration: {Types: [PRIVATE]}\n"
    )
    example_pass = example_fail + (
        "    Policy:\n      Version: '2012-10-17'\n      Statement:\n        - Effect: Allow\n"
        "          Principal: '*'\n          Action: execute-api:Invoke\n          Resource: execute-api:/*\n"
        "          Condition: {StringEquals: {aws:SourceVpce: !Ref ApiEndpoint}}\n"
    )

    def match(self, cfn) -> list[RuleMatch]:
        matches = []
        for name, resource in resources_of(cfn, "AWS::ApiGateway::RestApi", "AWS::Serverless::Api"):
            props = properties(resource)
            sam = resource.get("Type") == "AWS::Serverless::Api"
            if any(key in props for key in ("BodyS3Location", "CloneFrom", "DefinitionUri")):
                continue
            variants = condition_variants(cfn, props)
            failing = [scenario for scenario, resolved in variants if _private_without_policy(cfn, resolved, sam)]
            path = ["Resources", name] + (["Properties", "EndpointConfiguration"]
                                          if "EndpointConfiguration" in props else [])
            chosen = _private_by_parameter(cfn, props.get("EndpointConfiguration"))
            what = (f"REST API '{name}' (private when parameter '{chosen}' is PRIVATE)" if chosen
                    else f"Private REST API '{name}'")
            for scenario in one_finding(failing, len(variants)):
                matches.append(RuleMatch(path, self._message(what, scenario)))
        matches += self._implicit_api(cfn)
        return matches

    @staticmethod
    def _message(what: str, scenario) -> str:
        return (f"{what} has no resource policy{when(scenario)}, so API Gateway refuses every "
                "deployment of it and nothing can invoke it; add a Policy (SAM: "
                "Auth.ResourcePolicy) that allows execute-api:Invoke from your VPC endpoint.")

    def _implicit_api(self, cfn) -> list[RuleMatch]:
        """SAM's implicit `ServerlessRestApi` (function `Api` events without `RestApiId`)
        takes its settings from `Globals.Api`: reported once, at the first such event."""
        transform_pre = getattr(cfn, "transform_pre", None)
        globals_ = transform_pre.get("Globals") if isinstance(transform_pre, dict) else None
        api = globals_.get("Api") if isinstance(globals_, dict) else None
        if not isinstance(api, dict) or "DefinitionUri" in api \
                or not _private_without_policy(cfn, api, True):
            return []
        for name, resource in resources_of(cfn, "AWS::Serverless::Function"):
            events = properties(resource).get("Events")
            for event_name, event in (events.items() if isinstance(events, dict) else []):
                if isinstance(event, dict) and event.get("Type") == "Api" and not (
                        isinstance(event.get("Properties"), dict) and "RestApiId" in event["Properties"]):
                    return [RuleMatch(["Resources", name, "Properties", "Events", event_name],
                                      self._message("The implicit private REST API (Globals.Api)", None))]
        return []


def _private_by_parameter(cfn, config: Any) -> str | None:
    """The parameter that makes an API private only when it is not left at its default."""
    for _, node in walk(config):
        if isinstance(node, dict) and set(node) == {"Ref"} and isinstance(node["Ref"], str):
            declared = parameter(cfn, node["Ref"])
            if declared is not None and str(declared.get("Default", "")).upper() != "PRIVATE":
                return node["Ref"]
    return None


def _private_without_policy(cfn, props: Any, sam: bool) -> bool:
    """Whether resolved API properties make a private API with no resource policy."""
    if not isinstance(props, dict):
        return False
    config = props.get("EndpointConfiguration")
    if sam:
        kind = config.get("Type") if isinstance(config, dict) else config
        values = literal_values(cfn, kind) if kind is not None else []
        if not values or not any(isinstance(v, str) and v.upper() == "PRIVATE" for v in values):
            return False
        auth = props.get("Auth")
        if isinstance(auth, dict) and auth.get("ResourcePolicy"):
            return False
        return not _body_has_policy(props.get("DefinitionBody"))
    types = _endpoint_types(cfn, config)
    if not types or not any(isinstance(t, str) and t.upper() == "PRIVATE" for t in types):
        return False
    return not (props.get("Policy") or _body_has_policy(props.get("Body")))
