"""References that the SAM transform resolves and cfn-lint 1.x reads as written.

cfn-lint 1.x validates a SAM template without running the SAM translator, so two kinds of
reference that deploy fine come out as errors (E1010, E1019, E6101, ...):

- `${MyFunction.Alias}` inside `Fn::Sub`. SAM replaces `${LogicalId.Property}` by a `Ref`
  to the resource it generated for that property (`SubAction.resolve_resource_refs` in
  aws-sam-translator), so `${MyFunction.Alias}` is the alias ARN when the function has
  `AutoPublishAlias`. cfn-lint treats every dotted `Sub` variable as a `GetAtt` and
  reports "'Alias' is not one of [...]". It already knows `${MyApi.Stage}`; the other
  referable properties are in `REFERABLE` below, each with the condition under which SAM
  really generates the resource (an `Alias` of a function without `AutoPublishAlias`
  stays an error).
- `!GetAtt MyGraphQLApi.ApiId` on a SAM resource whose schema in cfn-lint lists no
  attributes at all ("'ApiId' is not one of []"). SAM turns these resources into one
  CloudFormation resource with the same logical id (`SAME_ID`), so CloudFormation
  resolves the attribute against that type; the attribute is checked against it
  instead (`!GetAtt MyGraphQLApi.Bogus` stays an error).

Both adjustments run inside cfn-lint's own validation, so every rule that reports through
it (Sub, GetAtt, Outputs, Join, ...) agrees, and no finding is filtered by its message.
"""

from __future__ import annotations

from typing import Any, Callable

#: SAM resource type -> the CloudFormation type SAM generates under the same logical id,
#: for the SAM types whose cfn-lint schema has no attributes (aws-sam-translator:
#: `SamGraphQLApi`, `SamCapacityProvider`, `SamWebSocketApi`).
SAME_ID: dict[str, str] = {
    "AWS::Serverless::GraphQLApi": "AWS::AppSync::GraphQLApi",
    "AWS::Serverless::CapacityProvider": "AWS::Lambda::CapacityProvider",
    "AWS::Serverless::WebSocketApi": "AWS::ApiGatewayV2::Api",
}


def _has(*path: str) -> Callable[[dict], bool]:
    def present(properties: dict) -> bool:
        node: Any = properties
        for key in path:
            if not isinstance(node, dict) or node.get(key) is None:
                return False
            node = node[key]
        return True
    return present


def _auto_destination(kind: str) -> Callable[[dict], bool]:
    """SAM creates an SNS topic or SQS queue for an EventInvokeConfig destination of
    that type given without a Destination."""
    def created(properties: dict) -> bool:
        config = properties.get("EventInvokeConfig")
        destinations = config.get("DestinationConfig") if isinstance(config, dict) else None
        if not isinstance(destinations, dict):
            return False
        return any(isinstance(target, dict) and target.get("Type") == kind
                   and target.get("Destination") is None
                   for target in (destinations.get("OnSuccess"), destinations.get("OnFailure")))
    return created


def _per_api_usage_plan(properties: dict) -> bool:
    auth = properties.get("Auth")
    plan = auth.get("UsagePlan") if isinstance(auth, dict) else None
    return isinstance(plan, dict) and plan.get("CreateUsagePlan") == "PER_API"


def _http_stage(properties: dict) -> bool:
    """SAM gives an HTTP API a Stage resource only when the stage is configured."""
    return any(properties.get(key) for key in ("StageName", "StageVariables", "AccessLogSettings",
                                                "DefaultRouteSettings", "RouteSettings"))


def _always(properties: dict) -> bool:
    return True


#: (SAM type, referable property) -> when SAM generates it, from the resource's
#: properties as written with Globals merged (aws-sam-translator `referable_properties`).
REFERABLE: dict[tuple[str, str], Callable[[dict], bool]] = {
    ("AWS::Serverless::Function", "Alias"): _has("AutoPublishAlias"),
    ("AWS::Serverless::Function", "Version"): _has("AutoPublishAlias"),
    ("AWS::Serverless::Function", "DestinationTopic"): _auto_destination("SNS"),
    ("AWS::Serverless::Function", "DestinationQueue"): _auto_destination("SQS"),
    ("AWS::Serverless::Api", "Stage"): _always,
    ("AWS::Serverless::Api", "Deployment"): _always,
    ("AWS::Serverless::Api", "DomainName"): _has("Domain"),
    ("AWS::Serverless::Api", "UsagePlan"): _per_api_usage_plan,
    ("AWS::Serverless::Api", "UsagePlanKey"): _per_api_usage_plan,
    ("AWS::Serverless::Api", "ApiKey"): _per_api_usage_plan,
    ("AWS::Serverless::HttpApi", "Stage"): _http_stage,
    ("AWS::Serverless::HttpApi", "DomainName"): _has("Domain"),
}


def generated_reference(template: Any, variable: Any) -> bool:
    """True when `variable` (a `Fn::Sub` variable such as `MyFunction.Alias`) names a
    resource SAM generates for the template as written, so SAM turns it into a Ref."""
    if not isinstance(variable, str) or variable.count(".") != 1 or not isinstance(template, dict):
        return False
    if "AWS::Serverless-2016-10-31" not in _transforms(template):
        return False
    logical_id, prop = variable.split(".")
    resources = template.get("Resources")
    resource = resources.get(logical_id) if isinstance(resources, dict) else None
    if not isinstance(resource, dict):
        return False
    when = REFERABLE.get((resource.get("Type"), prop))
    properties = resource.get("Properties")
    return bool(when and when(properties if isinstance(properties, dict) else {}))


def _transforms(template: dict) -> list:
    declared = template.get("Transform")
    return declared if isinstance(declared, list) else [declared]


# -- wiring into cfn-lint ----------------------------------------------------------------
def install_sub(rules) -> None:
    """Make cfn-lint's Sub rule (E1019) read SAM-generated `${Id.Property}` variables as
    the Ref SAM turns them into. Its errors name the variable they are about
    (`_clean_error_sub` sets `err.instance` to it); those are dropped. Every other error
    passes through unchanged."""
    sub_rule = rules.get("E1019")
    cls = type(sub_rule)
    original = getattr(cls, "_validate_string", None)
    if original is None or getattr(original, "_tmpllint_sam", False):
        return

    def _validate_string(self, validator, key, instance, sub_values):
        template = getattr(getattr(validator, "cfn", None), "template", None)
        for err in original(self, validator, key, instance, sub_values):
            if isinstance(err.instance, str) and generated_reference(template, err.instance):
                continue
            yield err

    _validate_string._tmpllint_sam = True
    cls._validate_string = _validate_string


def adjust_context(cfn) -> None:
    """Give the SAM resources in `SAME_ID` the attributes of the resource SAM generates
    for them, where cfn-lint's SAM schema lists none."""
    context = getattr(cfn, "context", None)
    resources = getattr(context, "resources", None)
    if not isinstance(resources, dict) or not cfn.has_serverless_transform():
        return
    for name, resource in list(resources.items()):
        generated = SAME_ID.get(getattr(resource, "type", None))
        if generated and not (_Generated and isinstance(resource, _Generated)):
            resources[name] = _generated_resource(resource, generated)


_Generated = None  # the Resource subclass, made on first use (cfn-lint imports lazily)


def _generated_resource(resource, generated_type: str):
    global _Generated
    if _Generated is None:
        from cfnlint.context.context import Resource
        from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

        class SamGeneratedResource(Resource):
            """A SAM resource whose attributes are those of the type SAM generates."""

            generated_type = ""

            def get_atts(self, region="us-east-1"):
                own = super().get_atts(region)
                if len(own):
                    return own
                return PROVIDER_SCHEMA_MANAGER.get_type_getatts(self.generated_type, region)

        _Generated = SamGeneratedResource
    replacement = _Generated({"Type": resource.type, "Condition": resource.condition})
    replacement.generated_type = generated_type
    return replacement
