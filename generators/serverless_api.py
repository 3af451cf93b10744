"""`tmpllint new serverless-api`: a SAM API (HTTP or REST) with an authorizer (Cognito
or IAM), two traced Lambda functions and a DynamoDB table.

Notes: 000:285-322 (Lambda and API Gateway), 000:476-490 (serverless best practices:
authorizers, validation, DLQs), 002:1520-1540 (SAM and its policy templates).
"""

from __future__ import annotations

from dataclasses import dataclass

from tmpllint.generators.blocks import customer_key, interface, log_group, retention_parameter
from tmpllint.yamlio import comment_before, get_att, mapping, ref, sub

NAME = "serverless-api"
SUMMARY = "SAM API (http|rest) with Cognito or IAM auth, traced functions, DynamoDB table"
SEEDS = ("000:285-322", "000:476-490", "002:1520-1540")
RUNTIMES = ("python3.13", "python3.12", "nodejs22.x", "nodejs20.x", "java21")
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
    return mapping(DefaultAuthorizer="Cognito", Authorizers=mapping(
        Cognito=mapping(UserPoolArn=get_att("UserPool.Arn"))))


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
                               MfaConfiguration="OPTIONAL",
                               EnabledMfas=["SOFTWARE_TOKEN_MFA"],
                               Policies=mapping(PasswordPolicy=mapping(
                                   MinimumLength=12, RequireLowercase=True, RequireUppercase=True,
                                   RequireNumbers=True, RequireSymbols=True))))
        comment_before(res, "UserPool", "Who may call the API: Cognito users (000:478)", 2)
        res["UserPoolClient"] = mapping(Type="AWS::Cognito::UserPoolClient", Properties=mapping(
            UserPoolId=ref("UserPool"), GenerateSecret=False,
            ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]))
    res["ApiLogs"] = log_group("DataKey", "LogRetentionDays")
    api = mapping(Auth=_auth(options))
    if http:
        api["AccessLogSettings"] = mapping(DestinationArn=get_att("ApiLogs.Arn"), Format=ACCESS_LOG_FORMAT)
    else:
        api.insert(0, "StageName", "prod")
        api["TracingEnabled"] = True
        api["AccessLogSetting"] = mapping(DestinationArn=get_att("ApiLogs.Arn"), Format=ACCESS_LOG_FORMAT)
        api["Models"] = mapping(Item=mapping(
            type="object", required=["name"],
            properties=mapping(name=mapping(type="string", maxLength=200))))
    res["Api"] = mapping(Type="AWS::Serverless::HttpApi" if http else "AWS::Serverless::Api",
                         Properties=api)
    comment_before(res, "Api", "Every route needs the default authorizer; access logs to ApiLogs "
                   "(000:476-490)", 2)
    event_type, api_key = ("HttpApi", "ApiId") if http else ("Api", "RestApiId")
    for name, method, policy in (("ListItems", "GET", "DynamoDBReadPolicy"),
                                 ("CreateItem", "POST", "DynamoDBCrudPolicy")):
        event = mapping(**{api_key: ref("Api")}, Method=method, Path="/items")
        if method == "POST" and not http:
            event["RequestModel"] = mapping(Model="Item", Required=True, ValidateBody=True)
        res[name] = mapping(Type="AWS::Serverless::Function", Properties=mapping(
            CodeUri=f"{name[0].lower()}{name[1:]}/",
            Policies=[mapping((policy, mapping(TableName=ref("Table")))),
                      mapping(KMSDecryptPolicy=mapping(KeyId=ref("DataKey")))],
            Environment=mapping(Variables=mapping(TABLE_NAME=ref("Table"))),
            Events=mapping(Api=mapping(Type=event_type, Properties=event))))
        res[f"{name}Logs"] = log_group("DataKey", "LogRetentionDays", sub(f"/aws/lambda/${{{name}}}"))
    comment_before(res, "ListItems", "Functions get SAM policy templates scoped to the table "
                   "(002:1535-1539)", 2)
    handler = "app.Handler::handleRequest" if options.runtime.startswith("java") else "app.handler"
    outputs = mapping(ApiUrl=mapping(Value=sub(
        "https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}" + ("" if http else "/prod"))))
    if options.auth == "cognito":
        outputs["UserPoolId"] = mapping(Value=ref("UserPool"))
        outputs["UserPoolClientId"] = mapping(Value=ref("UserPoolClient"))
    return mapping(
        AWSTemplateFormatVersion="2010-09-09",
        Transform="AWS::Serverless-2016-10-31",
        Description=f"Serverless API ({options.api.upper()}, {options.auth} auth) with Lambda and "
                    "DynamoDB (generated by tmpllint new serverless-api)",
        Metadata=interface(("Operations", ["LogRetentionDays"])),
        Parameters=mapping(LogRetentionDays=retention_parameter("Days the API and function logs are kept.")),
        Globals=mapping(Function=mapping(Runtime=options.runtime, Handler=handler, Timeout=10,
                                         MemorySize=256, Tracing="Active")),
        Resources=res,
        Outputs=outputs,
    )
