"""Family 0 (`90xx`): the SAM transform and serverless practices (RULES.md §0).

cfn-lint 1.58 validates SAM templates as written: it merges `Globals` into each SAM
resource and checks `AWS::Serverless::*` types with SAM schemas instead of running the
SAM translator. So these rules see SAM resources with their Globals applied, and check
the plain CloudFormation types a transform would produce (`AWS::Lambda::Function`,
`AWS::ApiGateway::Method`, ...) where users write those directly. Every finding points
at a line of the file as written.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from tmpllint.checks.base import (
    ASYNC_EVENT_TYPES,
    Documented,
    condition_variants,
    failing_scenarios,
    literal_values,
    load_data,
    properties,
    referenced_resource,
    references_in,
    resources_of,
    reported_scenarios,
    walk,
    when_any,
)

#: cfn-lint's word for info; a match may carry it to report below its rule's severity
#: (read by tmpllint's engine; plain cfn-lint shows the rule's severity).
INFORMATIONAL = "informational"

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
SAM_FUNCTION = "AWS::Serverless::Function"
LAMBDA_FUNCTION = "AWS::Lambda::Function"
BODY_METHODS = {"POST", "PUT", "PATCH"}


class SamTransformVersion(Documented, CloudFormationLintRule):
    id = "E9001"
    shortdesc = "The SAM transform is AWS::Serverless-2016-10-31"
    description = (
        "Flags a `Transform` that names an `AWS::Serverless-*` version other than "
        "`AWS::Serverless-2016-10-31`, the only SAM transform CloudFormation knows."
    )
    why = (
        "CloudFormation rejects an unknown transform, so the stack never deploys. The "
        "study notes themselves give the wrong name `AWS::Serverless-2023-01-01`; the "
        "SAM version is a fixed identifier, not a date to update."
    )
    seeds = ("002:1526",)
    source_url = "https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification-template-anatomy.html"
    tags = ["template", "sam"]
    example_fail = "Transform: AWS::Serverless-2023-01-01\n"
    example_pass = "Transform: AWS::Serverless-2016-10-31\n"

    _SAM_LIKE = re.compile(r"^aws::serverless", re.I)

    def match(self, cfn) -> list[RuleMatch]:
        transform = cfn.template.get("Transform")
        if isinstance(transform, str):
            entries = [(["Transform"], transform)]
        elif isinstance(transform, list):
            entries = [(["Transform", index], value) for index, value in enumerate(transform)]
        else:
            entries = []
        return [
            RuleMatch(path, f"Transform '{value}' is not a SAM version; use "
                            f"'{SAM_TRANSFORM}' (the only SAM transform).")
            for path, value in entries
            if isinstance(value, str) and self._SAM_LIKE.match(value) and value != SAM_TRANSFORM
        ]


class AsyncFailureDestination(Documented, CloudFormationLintRule):
    id = "W9002"
    shortdesc = "Asynchronously invoked functions have a failure destination"
    description = (
        "A function invoked asynchronously (SAM `S3`, `SNS`, `EventBridgeRule`, "
        "`CloudWatchEvent`, `Schedule`, `IoTRule`, `CodeCommit` events; or, for "
        "`AWS::Lambda::Function`, an `AWS::Lambda::Permission` for S3/SNS/EventBridge, an "
        "SNS subscription, an EventBridge rule target or an `AWS::Lambda::EventInvokeConfig`) "
        "must have a dead-letter queue (`DeadLetterQueue` / `DeadLetterConfig`) or an "
        "`OnFailure` destination (`EventInvokeConfig.DestinationConfig.OnFailure`)."
    )
    why = (
        "Lambda retries a failed asynchronous event twice and then drops it. Without a "
        "dead-letter queue or an OnFailure destination the event is lost with no trace. "
        "The notes' failure-management practice: configure a DLQ in SQS."
    )
    seeds = ("000:483", "000:437")
    source_url = "https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html"
    tags = ["template", "sam", "lambda"]
    example_fail = (
        "Resize:\n  Type: AWS::Serverless::Function\n  Properties:\n    Events:\n"
        "      Upload:\n        Type: S3\n        Properties: {Bucket: !Ref Uploads, Events: s3:ObjectCreated:*}\n"
    )
    example_pass = (
        "Resize:\n  Type: AWS::Serverless::Function\n  Properties:\n"
        "    DeadLetterQueue: {Type: SQS, TargetArn: !GetAtt ResizeDLQ.Arn}\n    Events:\n"
        "      Upload:\n        Type: S3\n        Properties: {Bucket: !Ref Uploads, Events: s3:ObjectCreated:*}\n"
    )

    _ASYNC_PRINCIPALS = {"s3.amazonaws.com", "sns.amazonaws.com", "events.amazonaws.com"}

    def match(self, cfn) -> list[RuleMatch]:
        invoke_configs = self._invoke_configs(cfn)
        callers = self._plain_async_callers(cfn)
        matches = []
        for name, resource in resources_of(cfn, SAM_FUNCTION):
            events = properties(resource).get("Events")
            async_events = [
                event for event, spec in (events.items() if isinstance(events, dict) else [])
                if isinstance(spec, dict) and _is_one_of(spec.get("Type"), ASYNC_EVENT_TYPES)
            ]
            if not async_events and name not in invoke_configs:
                continue
            if invoke_configs.get(name):
                continue
            reason = (f"{events[async_events[0]]['Type']} event '{async_events[0]}'"
                      if async_events else "an AWS::Lambda::EventInvokeConfig")
            path = (["Resources", name, "Properties", "Events", async_events[0]]
                    if async_events else ["Resources", name])
            terms = failing_scenarios(
                cfn, properties(resource), ["DeadLetterQueue", "EventInvokeConfig"],
                lambda props: not (props.get("DeadLetterQueue")
                                   or _on_failure(props.get("EventInvokeConfig"))))
            if terms:
                matches.append(RuleMatch(path, self._message(name, reason, terms, "DeadLetterQueue")))
        for name, resource in resources_of(cfn, LAMBDA_FUNCTION):
            reason = callers.get(name) or ("an AWS::Lambda::EventInvokeConfig"
                                           if name in invoke_configs else None)
            if reason is None or invoke_configs.get(name):
                continue
            terms = failing_scenarios(
                cfn, properties(resource), ["DeadLetterConfig"],
                lambda props: not (isinstance(props.get("DeadLetterConfig"), dict)
                                   and props["DeadLetterConfig"].get("TargetArn")))
            if terms:
                matches.append(RuleMatch(["Resources", name],
                                         self._message(name, reason, terms, "DeadLetterConfig")))
        return matches

    @staticmethod
    def _message(name: str, reason: str, terms: list, dlq_property: str) -> str:
        return (f"Function '{name}' is invoked asynchronously ({reason}) but has no "
                f"dead-letter queue or OnFailure destination{when_any(terms)}; add "
                f"{dlq_property} or EventInvokeConfig.DestinationConfig.OnFailure so "
                "failed events are kept.")

    @staticmethod
    def _invoke_configs(cfn) -> dict[str, bool]:
        """Function id -> whether its AWS::Lambda::EventInvokeConfig has OnFailure."""
        found: dict[str, bool] = {}
        for _, resource in resources_of(cfn, "AWS::Lambda::EventInvokeConfig"):
            props = properties(resource)
            function = referenced_resource(props.get("FunctionName"))
            if function:
                found[function] = found.get(function, False) or _on_failure(props)
        return found

    def _plain_async_callers(self, cfn) -> dict[str, str]:
        """Plain Lambda function id -> what invokes it asynchronously."""
        callers: dict[str, str] = {}
        for name, resource in resources_of(cfn, "AWS::Lambda::Permission"):
            props = properties(resource)
            principal = props.get("Principal")
            function = referenced_resource(props.get("FunctionName"))
            if function and _is_one_of(principal, self._ASYNC_PRINCIPALS):
                callers.setdefault(function, f"{principal} via permission '{name}'")
        for name, resource in resources_of(cfn, "AWS::SNS::Subscription"):
            props = properties(resource)
            function = referenced_resource(props.get("Endpoint"))
            if function and props.get("Protocol") == "lambda":
                callers.setdefault(function, f"SNS subscription '{name}'")
        for name, resource in resources_of(cfn, "AWS::Events::Rule"):
            for target in properties(resource).get("Targets") or []:
                function = isinstance(target, dict) and referenced_resource(target.get("Arn"))
                if function:
                    callers.setdefault(function, f"EventBridge rule '{name}'")
        return callers


def _is_one_of(value: Any, choices) -> bool:
    """`value in choices` for a value that may be a mapping (an intrinsic function)."""
    return isinstance(value, str) and value in choices


def _on_failure(config: Any) -> bool:
    """True when an EventInvokeConfig (SAM or resource) names an OnFailure destination."""
    if not isinstance(config, dict):
        return False
    destination = config.get("DestinationConfig")
    return isinstance(destination, dict) and bool(destination.get("OnFailure"))


class QueueDeadLetter(Documented, CloudFormationLintRule):
    id = "W9003"
    shortdesc = "SQS queues have a dead-letter queue"
    description = (
        "Flags an `AWS::SQS::Queue` without a `RedrivePolicy`, unless the template uses "
        "the queue itself as a dead-letter or failure target (another queue's "
        "`RedrivePolicy`, a function's `DeadLetterQueue`/`DeadLetterConfig`, an "
        "`OnFailure` destination, an EventBridge target's `DeadLetterConfig`)."
    )
    why = (
        "A message that keeps failing returns to the queue after every visibility "
        "timeout until its retention period ends: it blocks consumers, costs retries and "
        "then disappears. A dead-letter queue keeps it for inspection and replay."
    )
    seeds = ("000:437",)
    source_url = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html"
    tags = ["template", "sqs"]
    example_fail = "Jobs:\n  Type: AWS::SQS::Queue\n"
    example_pass = (
        "Jobs:\n  Type: AWS::SQS::Queue\n  Properties:\n    RedrivePolicy:\n"
        "      deadLetterTargetArn: !GetAtt JobsDLQ.Arn\n      maxReceiveCount: 5\n"
        "JobsDLQ:\n  Type: AWS::SQS::Queue   # the DLQ itself needs none\n"
    )

    _DLQ_KEY = re.compile(r"deadletter|onfailure|redrive", re.I)

    def match(self, cfn) -> list[RuleMatch]:
        failure_targets = self._failure_targets(cfn)
        matches = []
        for name, resource in resources_of(cfn, "AWS::SQS::Queue"):
            if name in failure_targets:
                continue
            props = properties(resource)
            terms = failing_scenarios(cfn, props, ["RedrivePolicy"],
                                      lambda chosen: not chosen.get("RedrivePolicy"))
            if terms:
                path = (["Resources", name, "Properties", "RedrivePolicy"]
                        if "RedrivePolicy" in props else ["Resources", name])
                matches.append(RuleMatch(
                    path, f"Queue '{name}' has no dead-letter queue{when_any(terms)}; add a "
                          "RedrivePolicy with deadLetterTargetArn and maxReceiveCount."))
        return matches

    def _failure_targets(self, cfn) -> set[str]:
        """Logical ids used anywhere as a dead-letter or on-failure target."""
        targets: set[str] = set()
        for resource in cfn.get_resources().values():
            if not isinstance(resource, dict):
                continue
            for path, node in walk(properties(resource)):
                if isinstance(node, dict) and any(
                    isinstance(key, str) and self._DLQ_KEY.search(key) for key in path
                ):
                    targets |= references_in(node)
        return targets


class ApiAuthorization(Documented, CloudFormationLintRule):
    id = "W9004"
    shortdesc = "API routes require authorization"
    description = (
        "Flags, once per API, the routes anyone can call: `AWS::ApiGateway::Method`s "
        "and `AWS::ApiGatewayV2::Route`s with no `AuthorizationType` or `NONE` (OPTIONS "
        "pre-flight methods, WebSocket routes other than `$connect`, and methods of a "
        "REST API with a resource `Policy` excepted), and SAM `Api`/`HttpApi` events "
        "with `Auth.Authorizer: NONE` or with no authorizer where their API has no "
        "`DefaultAuthorizer` (or, for REST, no `ResourcePolicy`). The message lists the "
        "open routes. An API whose open routes only read (GET, HEAD) is reported at info; "
        "one with an open write method (POST, PUT, PATCH, DELETE) or ANY at warning "
        "(plain cfn-lint shows every match at the rule's warning level). APIs defined by "
        "an OpenAPI `DefinitionBody`/`DefinitionUri` are not judged: their auth lives there."
    )
    why = (
        "An unauthenticated route lets anyone on the internet call the function behind "
        "it. The notes' way to control access to a serverless API: Cognito user pools, "
        "Lambda authorizers, IAM or API Gateway resource policies."
    )
    seeds = ("000:478",)
    source_url = "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-control-access-to-api.html"
    tags = ["template", "sam", "apigateway"]
    example_fail = (
        "Api:\n  Type: AWS::Serverless::HttpApi\nGetItems:\n  Type: AWS::Serverless::Function\n"
        "  Properties:\n    Events:\n      List:\n        Type: HttpApi\n"
        "        Properties: {ApiId: !Ref Api, Method: GET, Path: /items}\n"
    )
    example_pass = (
        "Api:\n  Type: AWS::Serverless::HttpApi\n  Properties:\n    Auth:\n"
        "      DefaultAuthorizer: AWS_IAM\n      EnableIamAuthorizer: true\n"
    )

    def match(self, cfn) -> list[RuleMatch]:
        apis: dict[str, _OpenApi] = {}
        self._methods(cfn, apis)
        self._routes(cfn, apis)
        self._sam_events(cfn, apis)
        return [api.match() for api in apis.values() if api.routes]

    def _methods(self, cfn, apis: dict) -> None:
        resources = cfn.get_resources()
        for name, resource in resources_of(cfn, "AWS::ApiGateway::Method"):
            props = properties(resource)
            method = str(props.get("HttpMethod", "")).upper()
            if method == "OPTIONS":
                continue
            api_id = referenced_resource(props.get("RestApiId"))
            api = resources.get(api_id or "")
            if isinstance(api, dict) and properties(api).get("Policy"):
                continue  # a resource policy controls who may call it
            failing = _open_scenarios(cfn, props)
            if failing is None:
                continue
            key = api_id if isinstance(api, dict) else f"method:{name}"
            found = apis.setdefault(key, _OpenApi(
                f"REST API '{api_id}'" if isinstance(api, dict) else f"REST method '{name}'",
                "set AuthorizationType (COGNITO_USER_POOLS, CUSTOM or AWS_IAM) on each "
                "method, or give the API a resource policy"))
            found.add(method or "?", f"{method} {_rest_path(cfn, props.get('ResourceId'))}",
                      failing, _auth_path(name, props))

    def _routes(self, cfn, apis: dict) -> None:
        resources = cfn.get_resources()
        for name, resource in resources_of(cfn, "AWS::ApiGatewayV2::Route"):
            props = properties(resource)
            key = props.get("RouteKey")
            if not isinstance(key, str) or key.upper().startswith("OPTIONS "):
                continue
            api_id = referenced_resource(props.get("ApiId"))
            api = resources.get(api_id or "")
            protocol = properties(api).get("ProtocolType") if isinstance(api, dict) else None
            websocket = protocol == "WEBSOCKET" or (protocol is None and " " not in key
                                                    and key != "$default")
            if websocket and key != "$connect":
                continue  # only $connect of a WebSocket API takes an authorizer
            failing = _open_scenarios(cfn, props)
            if failing is None:
                continue
            kind = "WebSocket API" if websocket else "HTTP API"
            fix = ("set AuthorizationType (CUSTOM or AWS_IAM) on $connect" if websocket else
                   "set AuthorizationType (JWT, CUSTOM or AWS_IAM) on each route")
            anchor = api_id if isinstance(api, dict) else None
            found = apis.setdefault(anchor or f"route:{name}", _OpenApi(
                f"{kind} '{anchor or name}'", fix))
            method = "ANY" if websocket or key == "$default" else key.split(" ", 1)[0].upper()
            found.add(method, key, failing, _auth_path(name, props))

    def _sam_events(self, cfn, apis: dict) -> None:
        globals_ = cfn.transform_pre.get("Globals") or {}
        for name, resource in resources_of(cfn, SAM_FUNCTION):
            events = properties(resource).get("Events")
            for event, spec in events.items() if isinstance(events, dict) else []:
                if not isinstance(spec, dict) or spec.get("Type") not in ("Api", "HttpApi"):
                    continue
                event_props = spec.get("Properties") if isinstance(spec.get("Properties"), dict) else {}
                method = str(event_props.get("Method", "")).upper()
                if method == "OPTIONS":
                    continue
                auth = event_props.get("Auth") if isinstance(event_props.get("Auth"), dict) else {}
                authorizer = auth.get("Authorizer")
                if not method and "Path" not in event_props and spec["Type"] == "HttpApi":
                    method, route = "ANY", f"$default ({name}"  # SAM's catch-all route
                else:
                    route = f"{method or 'ANY'} {event_props.get('Path', '?')} ({name}"
                route += ", Authorizer: NONE)" if authorizer == "NONE" else ")"
                if authorizer != "NONE" and (authorizer or auth.get("ResourcePolicy")):
                    continue
                api = self._api_of(cfn, spec["Type"], event_props, globals_)
                if authorizer != "NONE" and (api is None or _protected(api, spec["Type"])):
                    continue
                api = api or {}
                api_id = referenced_resource(event_props.get("RestApiId" if spec["Type"] == "Api" else "ApiId"))
                section = "Api" if spec["Type"] == "Api" else "HttpApi"
                if api_id:
                    label, fix = f"API '{api_id}'", ("name an Auth.Authorizer on each event "
                                                     "(Cognito, Lambda or IAM) or set "
                                                     "Auth.DefaultAuthorizer on the API")
                else:
                    implicit = "ServerlessRestApi" if section == "Api" else "ServerlessHttpApi"
                    label, fix = (f"The implicit API '{implicit}'",
                                  "name an Auth.Authorizer on each event (Cognito, Lambda or "
                                  f"IAM) or set Auth.DefaultAuthorizer in Globals {section}")
                key = f"sam:{api_id}" if api_id else f"sam-implicit:{section}"
                found = apis.setdefault(key, _OpenApi(label, fix))
                if auth.get("ApiKeyRequired") or (api.get("Auth") or {}).get("ApiKeyRequired"):
                    found.api_key = True
                path = ["Resources", name, "Properties", "Events", event]
                if authorizer == "NONE":
                    path += ["Properties", "Auth", "Authorizer"]
                found.add(method or "?", route, [None], path)

    @staticmethod
    def _api_of(cfn, event_type: str, event_props: dict, globals_: dict) -> dict | None:
        """The API properties an event attaches to, or None when they are unknown."""
        api_id = referenced_resource(event_props.get("RestApiId" if event_type == "Api" else "ApiId"))
        if api_id is None:
            if event_props.get("RestApiId") or event_props.get("ApiId"):
                return None  # an imported API: unknown
            implicit = globals_.get(event_type) if isinstance(globals_, dict) else None
            return implicit if isinstance(implicit, dict) else {}
        api = cfn.get_resources().get(api_id)
        if not isinstance(api, dict):
            return None
        props = properties(api)
        if props.get("DefinitionBody") or props.get("DefinitionUri"):
            return None
        return props


#: Methods that read: an open one is reported at info (RULES.md wave 2).
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: At most this many routes are listed in one message.
MAX_LISTED_ROUTES = 6


class _OpenApi:
    """The open routes of one API, reported as one match at the first open route."""

    def __init__(self, label: str, fix: str) -> None:
        self.label, self.fix = label, fix
        self.anchor: list = []
        self.routes: list[str] = []
        self.writes = False
        self.api_key = False

    def add(self, method: str, route: str, terms: list, path: list) -> None:
        self.anchor = self.anchor or path
        self.writes = self.writes or method not in READ_METHODS
        self.routes.append(route + when_any(terms))

    def match(self) -> RuleMatch:
        listed = ", ".join(self.routes[:MAX_LISTED_ROUTES])
        if len(self.routes) > MAX_LISTED_ROUTES:
            listed += f" and {len(self.routes) - MAX_LISTED_ROUTES} more"
        hint = (" (an API key identifies a caller but does not authorize it)"
                if self.api_key else "")
        what = "read-only routes" if not self.writes else "routes"
        extra = {} if self.writes else {"tmpllint_severity": INFORMATIONAL}
        return RuleMatch(self.anchor, f"{self.label} has {what} with no authorizer{hint}: "
                                      f"{listed}; {self.fix}.", **extra)


def _auth_path(name: str, props: dict) -> list:
    """Where an open Method/Route is reported: its AuthorizationType, or the resource."""
    return (["Resources", name, "Properties", "AuthorizationType"]
            if props.get("AuthorizationType") is not None else ["Resources", name])


def _protected(api: dict, event_type: str) -> bool:
    auth = api.get("Auth") if isinstance(api.get("Auth"), dict) else {}
    default = auth.get("DefaultAuthorizer")
    if default and default != "NONE":
        return True
    return event_type == "Api" and bool(auth.get("ResourcePolicy"))


def _open_scenarios(cfn, props: dict) -> list | None:
    """The collapsed scenarios in which a Method/Route's AuthorizationType is missing or
    NONE (`[None]`: in every scenario), or None when it is never open."""
    def is_open(chosen: dict) -> bool:
        candidates = literal_values(cfn, chosen.get("AuthorizationType"))
        return candidates is not None and any(v in (None, "NONE") for v in candidates)

    return failing_scenarios(cfn, props, ["AuthorizationType"], is_open) or None


def _rest_path(cfn, resource_id: Any, depth: int = 0) -> str:
    """'/items/{id}' for a REST method's ResourceId, built from the PathParts of the
    AWS::ApiGateway::Resource chain; '/' for the API root; '?' for the unknown."""
    if isinstance(resource_id, dict) and "Fn::GetAtt" in resource_id:
        return "/"
    node = cfn.get_resources().get(referenced_resource(resource_id) or "")
    if not isinstance(node, dict) or node.get("Type") != "AWS::ApiGateway::Resource" or depth > 20:
        return "?"
    props = properties(node)
    parent = _rest_path(cfn, props.get("ParentId"), depth + 1)
    part = props.get("PathPart") if isinstance(props.get("PathPart"), str) else "?"
    return f"{parent.rstrip('/')}/{part}"


class RequestValidation(Documented, CloudFormationLintRule):
    id = "I9005"
    shortdesc = "REST API methods that take a body validate it"
    description = (
        "Flags a POST, PUT or PATCH `AWS::ApiGateway::Method` without `RequestValidatorId`, "
        "and a SAM `Api` event with such a method and no `RequestModel` (or one with "
        "`ValidateBody: false`). Not judged: SAM APIs defined by an OpenAPI body, and APIs "
        "that declare `BinaryMediaTypes` (e.g. `image/*`, `*/*`; for the implicit SAM API, "
        "in `Globals`): binary bodies cannot be described by a JSON model."
    )
    why = (
        "API Gateway can reject a malformed request before it reaches (and bills) the "
        "function. The notes list input validation at API Gateway as the application "
        "security practice for serverless APIs."
    )
    seeds = ("000:481",)
    source_url = "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html"
    tags = ["template", "sam", "apigateway"]
    example_fail = "CreateItem:\n  Type: AWS::ApiGateway::Method\n  Properties: {HttpMethod: POST, ...}\n"
    example_pass = (
        "CreateItem:\n  Type: AWS::ApiGateway::Method\n  Properties:\n    HttpMethod: POST\n"
        "    RequestValidatorId: !Ref BodyValidator\n"
    )

    def match(self, cfn) -> list[RuleMatch]:
        matches = []
        resources = cfn.get_resources()
        globals_ = cfn.transform_pre.get("Globals") or {}
        for name, resource in resources_of(cfn, "AWS::ApiGateway::Method"):
            props = properties(resource)
            api = resources.get(referenced_resource(props.get("RestApiId")) or "")
            if isinstance(api, dict) and _binary(properties(api)):
                continue
            if str(props.get("HttpMethod", "")).upper() in BODY_METHODS and not props.get("RequestValidatorId"):
                matches.append(RuleMatch(["Resources", name, "Properties", "HttpMethod"],
                                         f"Method '{name}' takes a body but validates none; "
                                         "set RequestValidatorId with a request model."))
        for name, resource in resources_of(cfn, SAM_FUNCTION):
            events = properties(resource).get("Events")
            for event, spec in events.items() if isinstance(events, dict) else []:
                if not isinstance(spec, dict) or spec.get("Type") != "Api":
                    continue
                event_props = spec.get("Properties") if isinstance(spec.get("Properties"), dict) else {}
                if str(event_props.get("Method", "")).upper() not in BODY_METHODS:
                    continue
                api_id = referenced_resource(event_props.get("RestApiId"))
                api = cfn.get_resources().get(api_id) if api_id else None
                if isinstance(api, dict) and (properties(api).get("DefinitionBody")
                                              or properties(api).get("DefinitionUri")
                                              or _binary(properties(api))):
                    continue
                implicit = globals_.get("Api") if isinstance(globals_, dict) else None
                if api_id is None and isinstance(implicit, dict) and _binary(implicit):
                    continue
                model = event_props.get("RequestModel")
                if isinstance(model, dict) and model.get("ValidateBody") is not False:
                    continue
                matches.append(RuleMatch(["Resources", name, "Properties", "Events", event],
                                         f"Event '{event}' of '{name}' takes a body but "
                                         "validates none; add RequestModel with ValidateBody: true."))
        return matches


def _binary(api_props: dict) -> bool:
    """Whether a REST API declares binary media types (`image/*`, `*/*`, ...): its bodies
    are passed as binary, which a JSON request model cannot describe, and the template
    does not say which method takes which."""
    types = api_props.get("BinaryMediaTypes")
    return isinstance(types, list) and bool(types)


class FunctionTracing(Documented, CloudFormationLintRule):
    id = "I9006"
    shortdesc = "Lambda functions are traced with X-Ray"
    description = (
        "Flags (as info), once per template, the Lambda functions that are not traced: an "
        "`AWS::Serverless::Function` whose `Tracing` (its own or from `Globals`) is not "
        "`Active`, and an `AWS::Lambda::Function` whose `TracingConfig.Mode` is not "
        "`Active`. The finding sits on `Globals.Function` when the template has one (one "
        "line fixes every SAM function there), else on the first untraced function, and "
        "lists the functions. Only templates where a trace connects something are judged: "
        "two or more functions, a function behind an API (SAM `Api`/`HttpApi` events, API "
        "Gateway resources) or a state machine; a lone function's trace shows little that "
        "its logs and duration metric do not."
    )
    why = (
        "X-Ray traces show where a request spent its time across functions and "
        "services; without them a slow or failing call in a distributed serverless "
        "application is debugged by adding logs and redeploying."
    )
    seeds = ("002:1046-1063",)
    source_url = "https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html"
    tags = ["template", "sam", "lambda", "xray"]
    example_fail = (
        "Api:\n  Type: AWS::Serverless::Function\n  Properties:\n    Events:\n"
        "      Get: {Type: HttpApi, Properties: {Method: GET, Path: /items}}\n"
    )
    example_pass = "Globals:\n  Function:\n    Tracing: Active\n"

    _CONNECTED_TYPES = ("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api",
                        "AWS::Serverless::Api", "AWS::Serverless::HttpApi",
                        "AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine")

    def match(self, cfn) -> list[RuleMatch]:
        functions = list(resources_of(cfn, SAM_FUNCTION, LAMBDA_FUNCTION))
        if not functions or not self._connected(cfn, functions):
            return []
        untraced = []
        for name, resource in functions:
            sam = resource["Type"] == SAM_FUNCTION
            props = properties(resource)
            variants = condition_variants(cfn, props)
            failing = [scenario for scenario, resolved in variants
                       if not _traced(cfn, resolved, sam)]
            if failing:
                terms = reported_scenarios(failing, [s for s, _ in variants]
                                           if None not in [s for s, _ in variants] else len(variants))
                untraced.append((name, sam, props, terms))
        if not untraced:
            return []
        names = [name + when_any(terms) for name, _, _, terms in untraced]
        listed = ", ".join(names[:MAX_LISTED_ROUTES])
        if len(names) > MAX_LISTED_ROUTES:
            listed += f" and {len(names) - MAX_LISTED_ROUTES} more"
        count = len({name for name, _, _, _ in untraced})
        subject = ("The function is" if len(functions) == 1 else
                   f"All {count} functions are" if count == len(functions) else
                   f"{count} of {len(functions)} functions {'is' if count == 1 else 'are'}")
        globals_ = cfn.transform_pre.get("Globals") or {}
        section = _key_node(globals_, "Function") if isinstance(globals_, dict) else None
        any_sam = any(sam for _, sam, _, _ in untraced)
        if section is not None and any_sam:
            fix = "set Tracing: Active in Globals Function"
            tracing = _key_node(globals_.get("Function"), "Tracing")
            where = tracing if tracing is not None else section
            path = ["Globals", "Function"] + (["Tracing"] if tracing is not None else [])
            extra = {"location": (where.start_mark.line, where.start_mark.column,
                                  where.end_mark.line, where.end_mark.column)}
        else:
            fix = "set Tracing: Active (SAM) or TracingConfig.Mode: Active"
            name, sam, props, _ = untraced[0]
            key = "Tracing" if sam else "TracingConfig"
            path = ["Resources", name] + (["Properties", key] if key in props else [])
            extra = {}
        if not all(sam for _, sam, _, _ in untraced) and section is not None and any_sam:
            fix += " and TracingConfig.Mode: Active on each AWS::Lambda::Function"
        return [RuleMatch(path, f"{subject} not traced with X-Ray ({listed}); {fix}.", **extra)]

    def _connected(self, cfn, functions: list) -> bool:
        if len(functions) > 1 or any(True for _ in resources_of(cfn, *self._CONNECTED_TYPES)):
            return True
        for _, resource in functions:
            events = properties(resource).get("Events")
            for spec in events.values() if isinstance(events, dict) else []:
                if isinstance(spec, dict) and spec.get("Type") in ("Api", "HttpApi"):
                    return True
        return False


def _traced(cfn, props: dict, sam: bool) -> bool:
    """Whether a (resolved) function's tracing is Active for every parameter value."""
    if sam:
        value = props.get("Tracing")
    else:
        config = props.get("TracingConfig")
        value = config.get("Mode") if isinstance(config, dict) else None
    if value is None:
        return False
    values = literal_values(cfn, value)
    return values is None or all(v == "Active" for v in values)


def _key_node(mapping: Any, key: str):
    """The key node of `key` in a parsed mapping (it carries the line), or None."""
    if not isinstance(mapping, dict):
        return None
    for node in mapping:
        if node == key and hasattr(node, "start_mark"):
            return node
    return None


class SamPolicyTemplates(Documented, CloudFormationLintRule):
    id = "W9007"
    shortdesc = "SAM functions use policy templates, not broad managed policies"
    description = (
        "Flags, in an `AWS::Serverless::Function`'s `Policies`, an AWS managed policy "
        "named `*FullAccess` (or `AdministratorAccess`/`PowerUserAccess`) and an inline "
        "Allow statement with `Action: \"*\"`. The message names the SAM policy templates "
        "that grant the scoped equivalent."
    )
    why = (
        "SAM policy templates (`S3ReadPolicy`, `SQSPollerPolicy`, `DynamoDBCrudPolicy`, "
        "...) grant one function the actions it needs on one named resource; a "
        "`*FullAccess` policy grants every action on every resource of the service."
    )
    seeds = ("002:1535-1539",)
    source_url = "https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/serverless-policy-templates.html"
    tags = ["template", "sam", "iam"]
    example_fail = "    Policies:\n      - AmazonDynamoDBFullAccess\n"
    example_pass = "    Policies:\n      - DynamoDBCrudPolicy:\n          TableName: !Ref Table\n"

    _BROAD = re.compile(r"(?:^|/)(AdministratorAccess|PowerUserAccess|[\w-]*FullAccess[\w-]*)$")

    def __init__(self) -> None:
        super().__init__()
        templates = load_data("data/sam_policy_templates.json")
        templates.pop("_comment", None)
        # longest word first, so "kinesisfirehose" wins over "kinesis"
        self._templates = sorted(templates.items(), key=lambda item: -len(item[0]))

    def match(self, cfn) -> list[RuleMatch]:
        matches = []
        for name, resource in resources_of(cfn, SAM_FUNCTION):
            policies = properties(resource).get("Policies")
            items = policies if isinstance(policies, list) else [policies]
            base = ["Resources", name, "Properties", "Policies"]
            for index, item in enumerate(items):
                path = base + [index] if isinstance(policies, list) else base
                matches.extend(self._check_item(cfn, name, item, path))
        return matches

    def _check_item(self, cfn, function: str, item: Any, path: list) -> Iterator[RuleMatch]:
        for value in literal_values(cfn, item) or []:
            if isinstance(value, str) and self._BROAD.search(value):
                policy = self._BROAD.search(value).group(1)
                yield RuleMatch(path, f"Function '{function}' attaches the broad managed "
                                      f"policy {policy}; use {self._suggest(policy)} instead.")
        if isinstance(item, dict) and isinstance(item.get("Statement"), (list, dict)):
            statements = item["Statement"] if isinstance(item["Statement"], list) else [item["Statement"]]
            for index, statement in enumerate(statements):
                if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
                    continue
                actions = statement.get("Action")
                if actions in ("*", "*:*") or (isinstance(actions, list)
                                               and any(a in ("*", "*:*") for a in actions)):
                    where = path + ["Statement"] + ([index] if isinstance(item["Statement"], list) else [])
                    yield RuleMatch(where + ["Action"],
                                    f"Function '{function}' allows every action (Action: \"*\"); "
                                    "list the actions it needs or use a SAM policy template.")

    def _suggest(self, policy: str) -> str:
        """The SAM policy templates for `policy`'s service, each with the parameters that
        scope it to a resource (from SAM's own template list: CloudWatchPutMetricPolicy,
        EC2DescribePolicy and the like take none, so none is suggested for them)."""
        lowered = policy.lower()
        for word, names in self._templates:
            if word in lowered:
                groups: dict[str, list[str]] = {}
                for name in names:
                    groups.setdefault(_scoped_by(name), []).append(name)
                return _or([_or(group) + scope for scope, group in groups.items()])
        return ("a SAM policy template scoped to the resource (S3ReadPolicy, "
                "SQSPollerPolicy, DynamoDBCrudPolicy, ...)")


def _or(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _scoped_by(template: str) -> str:
    """' with its BucketName' for a SAM policy template that takes a resource; '' for
    one that takes none (or is unknown)."""
    names = sam_policy_template_parameters().get(template)
    return f" with its {' and '.join(names)}" if names else ""


_SAM_PARAMETERS: dict[str, list[str]] | None = None


def sam_policy_template_parameters() -> dict[str, list[str]]:
    """SAM policy template name -> its parameter names, read from the SAM translator that
    cfn-lint ships; {} when that file cannot be read."""
    global _SAM_PARAMETERS
    if _SAM_PARAMETERS is None:
        import json
        from importlib.resources import files

        try:
            text = files("samtranslator").joinpath(
                "policy_templates_data/policy_templates.json").read_text(encoding="utf-8")
            templates = json.loads(text).get("Templates", {})
            _SAM_PARAMETERS = {name: sorted(spec.get("Parameters") or {})
                               for name, spec in templates.items() if isinstance(spec, dict)}
        except (ModuleNotFoundError, FileNotFoundError, ValueError, AttributeError):
            _SAM_PARAMETERS = {}
    return _SAM_PARAMETERS
