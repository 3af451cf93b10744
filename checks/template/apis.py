"""W9004 and I9005: APIs are authorized and validate requests."""

from __future__ import annotations

from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from tmpllint.checks.base import (
    Documented,
    failing_scenarios,
    literal_values,
    properties,
    referenced_resource,
    resources_of,
    when_any,
)
from tmpllint.checks.template.common import (
    BODY_METHODS,
    INFORMATIONAL,
    MAX_LISTED_ROUTES,
    SAM_FUNCTION,
)


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
                api_auth = api.get("Auth") if isinstance(api.get("Auth"), dict) else {}
                if auth.get("ApiKeyRequired") or api_auth.get("ApiKeyRequired"):
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
