"""`tmpllint new serverless-api`: a SAM API (HTTP or REST) with an authorizer (Cognito
or IAM), two traced Lambda functions and a DynamoDB table.

Notes: 000:285-322 (Lambda and API Gateway), 000:476-490 (serverless best practices:
authorizers, validation, DLQs), 002:1520-1540 (SAM and its policy templates).
"""

from __future__ import annotations

from dataclasses import dataclass

from ruamel.yaml.scalarstring import LiteralScalarString

from tmpllint.generators.blocks import LAMBDA_RUNTIMES, customer_key, interface, log_group, retention_parameter
from tmpllint.yamlio import comment_before, equals, extend, get_att, if_, mapping, no_value, ref, sub

NAME = "serverless-api"
SUMMARY = "SAM API (http|rest) with Cognito or IAM auth, traced functions, DynamoDB table"
SEEDS = ("000:285-322", "000:476-490", "002:1520-1540")
RUNTIMES = LAMBDA_RUNTIMES
ACCESS_LOG_FORMAT = ('{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",'
                     '"method":"$context.httpMethod","path":"$context.path",'
                     '"status":"$context.status","latency":"$context.responseLatency"}')


@dataclass(frozen=True)
class Options:
    api: str = "http"
    auth: str = "cognito"
    runtime: str = "python3.12"

    def validate(self) -> None:
        if self.api not in ("http", "rest"):
            raise ValueError("--api must be http or rest")
        if self.auth not in ("cognito", "iam"):
            raise ValueError("--auth must be cognito or iam")
        if self.runtime not in RUNTIMES:
            raise ValueError(f"--runtime must be one of {', '.join(RUNTIMES)}")


#: Request headers a browser client sends (SigV4 adds its own with IAM auth).
CORS_HEADERS = {"cognito": ["Authorization", "Content-Type"],
                "iam": ["Authorization", "Content-Type", "X-Amz-Date", "X-Amz-Security-Token",
                        "X-Amz-Content-Sha256"]}
FUNCTIONS = (("ListItems", "GET", "DynamoDBReadPolicy"), ("CreateItem", "POST", "DynamoDBCrudPolicy"))


def code_folder(name: str) -> str:
    return f"{name[0].lower()}{name[1:]}/"


#: REST preflight answer. Not SAM's `Cors`: with `OpenApiVersion` 3 and an authorizer,
#: aws-sam-translator wraps the OPTIONS response headers in `schema` once per pass
#: (`schema: {schema: {schema: ...}}`), a definition API Gateway's importer may reject
#: (aws/serverless-application-model#2557). A small function answers OPTIONS instead.
PREFLIGHT_CODE = """\
import os

HEADERS = {
    "Access-Control-Allow-Origin": os.environ["ALLOWED_ORIGIN"],
    "Access-Control-Allow-Methods": "GET,POST,OPTIONS",
    "Access-Control-Allow-Headers": os.environ["ALLOWED_HEADERS"],
    "Access-Control-Max-Age": "600",
    "Vary": "Origin",
}


def handler(event, context):
    # The browser's CORS preflight carries no credentials: answer it for every route.
    return {"statusCode": 204, "headers": HEADERS, "body": ""}
"""


def _cors(options: Options) -> dict:
    """Browsers call the HTTP API from AllowedOrigin: API Gateway answers preflight."""
    return mapping(AllowOrigins=[ref("AllowedOrigin")], AllowMethods=["GET", "POST", "OPTIONS"],
                   AllowHeaders=[h.lower() for h in CORS_HEADERS[options.auth]], MaxAge=600)


def _preflight(options: Options) -> dict:
    """REST APIs: an unauthorized OPTIONS route per path, answered by an inline function,
    and CORS headers on API Gateway's own 4XX/5XX answers (set on the API)."""
    res = mapping()
    res["Preflight"] = mapping(Type="AWS::Serverless::Function", Properties=mapping(
        Description="Answers CORS preflight (OPTIONS) requests",
        Runtime="python3.12", Handler="index.handler", InlineCode=LiteralScalarString(PREFLIGHT_CODE),
        MemorySize=128, Timeout=3,
        Environment=mapping(Variables=mapping(ALLOWED_ORIGIN=ref("AllowedOrigin"),
                                              ALLOWED_HEADERS=",".join(CORS_HEADERS[options.auth]))),
        Events=mapping(Preflight=mapping(Type="Api", Properties=mapping(
            RestApiId=ref("Api"), Method="OPTIONS", Path="/items",
            Auth=mapping(Authorizer="NONE"))))))
    comment_before(res, "Preflight", "CORS preflight for browsers at AllowedOrigin: OPTIONS needs no "
                   "credentials, so its route has no authorizer (instead of SAM's Cors, whose OPTIONS "
                   "headers SAM mangles under OpenApiVersion 3)", 2)
    res["PreflightLogs"] = log_group("DataKey", "LogRetentionDays", sub("/aws/lambda/${Preflight}"))
    return res


def _auth(options: Options) -> dict:
    if options.auth == "iam":
        if options.api == "http":
            return mapping(EnableIamAuthorizer=True, DefaultAuthorizer="AWS_IAM")
        return mapping(DefaultAuthorizer="AWS_IAM")
    if options.api == "http":
        return mapping(DefaultAuthorizer="CognitoJwt", Authorizers=mapping(CognitoJwt=mapping(
            IdentitySource="$request.header.Authorization",
            JwtConfiguration=mapping(
                issuer=sub("https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}"),
                audience=[ref("UserPoolClient")]))))
    return mapping(DefaultAuthorizer="Cognito",
                   Authorizers=mapping(Cognito=mapping(UserPoolArn=get_att("UserPool.Arn"))))


def _parameters(options: Options) -> dict:
    params = mapping(
        AllowedOrigin=mapping(
            Type="String", AllowedPattern=r"^https?://[a-z0-9.-]+(:[0-9]+)?$",
            ConstraintDescription="an origin such as https://app.example.com (scheme, host, optional port)",
            Description="The web origin whose browser pages may call the API (CORS)."),
        LogRetentionDays=retention_parameter("Days the API and function logs are kept."))
    if options.api == "rest":
        params["CreateApiGatewayAccountRole"] = mapping(
            Type="String", Default="true", AllowedValues=["true", "false"],
            Description="true: set this region's API Gateway account CloudWatch role (REST access "
                        "logs need it; a fresh account has none). false: the account already has "
                        "one, owned by another stack.")
    return params


def _account_logging_role() -> dict:
    """REST stages with access logs need the account's API Gateway CloudWatch role: a fresh
    account has none and the stage fails. The setting is per account and region, so it is a
    parameter: an account that already has one keeps it."""
    res = mapping()
    res["ApiGatewayCloudWatchRole"] = mapping(
        Type="AWS::IAM::Role", Condition="CreateAccountRole", DeletionPolicy="Retain",
        UpdateReplacePolicy="Retain", Properties=mapping(
            AssumeRolePolicyDocument=mapping(Version="2012-10-17", Statement=[mapping(
                Effect="Allow", Principal=mapping(Service="apigateway.amazonaws.com"),
                Action="sts:AssumeRole")]),
            ManagedPolicyArns=[sub("arn:${AWS::Partition}:iam::aws:policy/service-role/"
                                   "AmazonAPIGatewayPushToCloudWatchLogs")]))
    comment_before(res, "ApiGatewayCloudWatchRole", "API Gateway's account-wide CloudWatch role (REST "
                   "access logs need it). Retained: other APIs of the account log through it too", 2)
    res["ApiGatewayAccount"] = mapping(
        Type="AWS::ApiGateway::Account", Condition="CreateAccountRole",
        Properties=mapping(CloudWatchRoleArn=get_att("ApiGatewayCloudWatchRole.Arn")))
    res["ApiGatewayAccountReady"] = mapping(
        Type="AWS::CloudFormation::WaitConditionHandle",
        Metadata=mapping(AccountSettings=if_("CreateAccountRole", ref("ApiGatewayAccount"), no_value())))
    comment_before(res, "ApiGatewayAccountReady", "The API waits for the account setting when this "
                   "stack makes it (DependsOn cannot name a resource that a condition may leave out)", 2)
    return res


def build(options: Options):
    options.validate()
    http = options.api == "http"
    res = mapping()
    res["DataKey"] = customer_key("${AWS::StackName} table and logs")
    comment_before(res, "DataKey", "Customer managed key for the table and the logs, rotated yearly", 2)
    res["Table"] = mapping(
        Type="AWS::DynamoDB::Table", DeletionPolicy="Retain", UpdateReplacePolicy="Retain",
        Properties=mapping(
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[mapping(AttributeName="id", AttributeType="S")],
            KeySchema=[mapping(AttributeName="id", KeyType="HASH")],
            PointInTimeRecoverySpecification=mapping(PointInTimeRecoveryEnabled=True),
            SSESpecification=mapping(SSEEnabled=True, SSEType="KMS", KMSMasterKeyId=ref("DataKey"))))
    comment_before(res, "Table", "Items, kept on stack deletion, with point-in-time recovery (001:1694)", 2)
    if options.auth == "cognito":
        res["UserPool"] = mapping(
            Type="AWS::Cognito::UserPool", DeletionPolicy="Retain", UpdateReplacePolicy="Retain",
            Properties=mapping(UsernameAttributes=["email"], AutoVerifiedAttributes=["email"],
                               AdminCreateUserConfig=mapping(AllowAdminCreateUserOnly=True),
                               MfaConfiguration="OPTIONAL",
                               EnabledMfas=["SOFTWARE_TOKEN_MFA"],
                               Policies=mapping(PasswordPolicy=mapping(
                                   MinimumLength=12, RequireLowercase=True, RequireUppercase=True,
                                   RequireNumbers=True, RequireSymbols=True))))
        comment_before(res, "UserPool", "Who may call the API: Cognito users (000:478) that an "
                       "administrator creates (no self sign-up with the public client id)", 2)
        res["UserPoolClient"] = mapping(Type="AWS::Cognito::UserPoolClient", Properties=mapping(
            UserPoolId=ref("UserPool"), GenerateSecret=False,
            ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]))
    res["ApiLogs"] = log_group("DataKey", "LogRetentionDays")
    api = mapping(Auth=_auth(options))
    if http:
        api["CorsConfiguration"] = _cors(options)
        api["AccessLogSettings"] = mapping(DestinationArn=get_att("ApiLogs.Arn"), Format=ACCESS_LOG_FORMAT)
    else:
        api.insert(0, "StageName", "prod")
        api.insert(1, "OpenApiVersion", "3.0.1")
        api["GatewayResponses"] = mapping(*((kind, mapping(ResponseParameters=mapping(Headers=mapping(
            ("Access-Control-Allow-Origin", sub("'${AllowedOrigin}'")))))) for kind in ("DEFAULT_4XX", "DEFAULT_5XX")))
        api["TracingEnabled"] = True
        api["AccessLogSetting"] = mapping(DestinationArn=get_att("ApiLogs.Arn"), Format=ACCESS_LOG_FORMAT)
        api["Models"] = mapping(Item=mapping(
            type="object", required=["name"],
            properties=mapping(name=mapping(type="string", maxLength=200))))
    if not http:
        extend(res, _account_logging_role())
    res["Api"] = mapping(Type="AWS::Serverless::HttpApi" if http else "AWS::Serverless::Api",
                         Properties=api)
    if not http:
        res["Api"].insert(1, "DependsOn", "ApiGatewayAccountReady")
    comment_before(res, "Api", "Every route needs the default authorizer; access logs to ApiLogs "
                   "(000:476-490)" + ("" if http else "; OpenApiVersion keeps SAM from adding a "
                                      "stage named Stage beside prod"), 2)
    event_type, api_key = ("HttpApi", "ApiId") if http else ("Api", "RestApiId")
    for name, method, policy in FUNCTIONS:
        event = mapping(**{api_key: ref("Api")}, Method=method, Path="/items")
        if method == "POST" and not http:
            event["RequestModel"] = mapping(Model="Item", Required=True, ValidateBody=True)
        res[name] = mapping(Type="AWS::Serverless::Function", Properties=mapping(
            CodeUri=code_folder(name),
            Policies=[mapping((policy, mapping(TableName=ref("Table")))),
                      mapping(KMSDecryptPolicy=mapping(KeyId=ref("DataKey")))],
            Environment=mapping(Variables=mapping(TABLE_NAME=ref("Table"),
                                                  ALLOWED_ORIGIN=ref("AllowedOrigin"))),
            Events=mapping(Api=mapping(Type=event_type, Properties=event))))
        res[f"{name}Logs"] = log_group("DataKey", "LogRetentionDays", sub(f"/aws/lambda/${{{name}}}"))
    if not http:
        extend(res, _preflight(options))
    handler = "app.Handler::handleRequest" if options.runtime.startswith("java") else "app.handler"
    comment_before(res, "ListItems", "Functions get SAM policy templates scoped to the table "
                   "(002:1535-1539).\nCode: `sam build` expects the folders "
                   + " and ".join(code_folder(name) for name, _, _ in FUNCTIONS)
                   + f" beside this template, each with the handler {handler} ({options.runtime}); "
                   "its responses carry Access-Control-Allow-Origin: $ALLOWED_ORIGIN", 2)
    outputs = mapping(ApiUrl=mapping(Value=sub(
        "https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}" + ("" if http else "/prod"))))
    if options.auth == "cognito":
        outputs["UserPoolId"] = mapping(Value=ref("UserPool"))
        outputs["UserPoolClientId"] = mapping(Value=ref("UserPoolClient"))
    template = mapping(
        AWSTemplateFormatVersion="2010-09-09",
        Transform="AWS::Serverless-2016-10-31",
        Description=f"Serverless API ({options.api.upper()}, {options.auth} auth) with Lambda and "
                    "DynamoDB (generated by tmpllint new serverless-api)",
        Metadata=interface(("Clients", ["AllowedOrigin"]),
                           ("Operations", ["LogRetentionDays"] + ([] if http else ["CreateApiGatewayAccountRole"]))),
        Parameters=_parameters(options),
        Conditions=mapping(CreateAccountRole=equals(ref("CreateApiGatewayAccountRole"), "true"))
        if not http else None,
        Globals=mapping(Function=mapping(Runtime=options.runtime, Handler=handler, Timeout=10,
                                         MemorySize=256, Tracing="Active")),
        Resources=res,
        Outputs=outputs,
    )
    if template["Conditions"] is None:
        del template["Conditions"]
    return template
