"""Family 7 (`97xx`): logging and monitoring (RULES.md §7)."""

from __future__ import annotations

from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from tmpllint.checks.base import Documented, ResourceSchemaRule, properties, resources_of
from tmpllint.checks.model import model_of


class TrailIntegrity(Documented, ResourceSchemaRule):
    id = "W9701"
    shortdesc = "Trails validate, cover all regions and encrypt"
    description = (
        "Flags an `AWS::CloudTrail::Trail` without `EnableLogFileValidation: true`, "
        "`IsMultiRegionTrail: true` or `KMSKeyId` (each missing setting is its own "
        "finding). Defaults: validation off, single region, SSE-S3 only."
    )
    why = (
        "CloudTrail is the audit record of the account: log file validation proves the "
        "files were not altered, a multi-region trail sees activity in regions nobody "
        "watches, and a KMS key adds a second permission to read the logs."
    )
    seeds = ("001:2236-2269",)
    source_url = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/best-practices-security.html"
    tags = ["logging", "cloudtrail"]
    resource_types = ("AWS::CloudTrail::Trail",)
    schema_file = "trail.json"
    example_fail = "Trail:\n  Type: AWS::CloudTrail::Trail\n  Properties: {IsLogging: true, S3BucketName: !Ref Logs}\n"
    example_pass = (
        "Trail:\n  Type: AWS::CloudTrail::Trail\n  Properties:\n    IsLogging: true\n"
        "    S3BucketName: !Ref Logs\n    EnableLogFileValidation: true\n"
        "    IsMultiRegionTrail: true\n    KMSKeyId: !Ref TrailKey\n"
    )

    _FIXES = {"EnableLogFileValidation": "EnableLogFileValidation: true",
              "IsMultiRegionTrail": "IsMultiRegionTrail: true", "KMSKeyId": "KMSKeyId"}

    def message(self, instance: Any, err) -> str:
        missing = [name for name in self._FIXES
                   if name in (err.path or []) or name in str(err.validator_value)]
        fix = self._FIXES[missing[0]] if missing else "the trail settings"
        return f"CloudTrail trail is incomplete{self.scenario}; set {fix}."


class LoadBalancerAccessLogs(Documented, ResourceSchemaRule):
    id = "W9702"
    shortdesc = "Load balancers keep access logs"
    description = (
        "Flags an ELBv2 application or network load balancer without the "
        "`access_logs.s3.enabled: \"true\"` load balancer attribute, and a classic load "
        "balancer without an enabled `AccessLoggingPolicy`. Default: off. Gateway load "
        "balancers have no access logs and are not judged."
    )
    why = (
        "Access logs record every request (client, path, status, latency, TLS cipher); "
        "without them there is nothing to analyse after an incident."
    )
    seeds = ("001:2300", "002:152")
    source_url = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html"
    tags = ["logging", "elb"]
    resource_types = ("AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancing::LoadBalancer")
    schema_file = "lb_access_logs.json"
    example_fail = "Alb:\n  Type: AWS::ElasticLoadBalancingV2::LoadBalancer\n  Properties: {Subnets: [...]}\n"
    example_pass = (
        "LoadBalancerAttributes:\n  - {Key: access_logs.s3.enabled, Value: 'true'}\n"
        "  - {Key: access_logs.s3.bucket, Value: !Ref AccessLogs}\n"
    )

    def message(self, instance: Any, err) -> str:
        return (f"Load balancer keeps no access logs{self.scenario}; turn on "
                "access_logs.s3.enabled (or AccessLoggingPolicy for a classic load balancer).")


class ApiStageLogs(Documented, ResourceSchemaRule):
    id = "W9703"
    shortdesc = "API stages write access logs"
    description = (
        "Flags an `AWS::ApiGateway::Stage` or SAM `AWS::Serverless::Api` without "
        "`AccessLogSetting.DestinationArn`, and an `AWS::ApiGatewayV2::Stage` or SAM "
        "`AWS::Serverless::HttpApi` without `AccessLogSettings.DestinationArn`. Default: "
        "no access logs. A setting with a destination but no `Format` is flagged too: "
        "API Gateway needs both to write a log line."
    )
    why = (
        "API access logs are the record of who called what and how it ended; the notes "
        "list API Gateway among CloudWatch Logs sources."
    )
    seeds = ("001:2159",)
    source_url = "https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html"
    tags = ["logging", "apigateway"]
    resource_types = ("AWS::ApiGateway::Stage", "AWS::Serverless::Api", "AWS::ApiGatewayV2::Stage",
                      "AWS::Serverless::HttpApi")
    schema_file = "api_access_logs.json"
    example_fail = "Api:\n  Type: AWS::Serverless::HttpApi\n"
    example_pass = (
        "Api:\n  Type: AWS::Serverless::HttpApi\n  Properties:\n    AccessLogSettings:\n"
        "      DestinationArn: !GetAtt ApiLogs.Arn\n      Format: $context.requestId\n"
    )

    def message(self, instance: Any, err) -> str:
        setting = ("AccessLogSettings" if instance["Type"] in
                   ("AWS::ApiGatewayV2::Stage", "AWS::Serverless::HttpApi") else "AccessLogSetting")
        if err.validator == "required" and isinstance(err.instance, dict) \
                and "DestinationArn" in err.instance and "Format" in (err.validator_value or []):
            return (f"API stage access logs have a destination but no Format{self.scenario}; "
                    f"set {setting}.Format (e.g. $context.requestId $context.status).")
        return f"API stage writes no access logs{self.scenario}; set {setting} with a DestinationArn and a Format."


class VpcFlowLogs(Documented, CloudFormationLintRule):
    id = "I9704"
    shortdesc = "VPCs keep flow logs"
    description = (
        "Flags (as info) an `AWS::EC2::VPC` that no `AWS::EC2::FlowLog` of the template "
        "names in its `ResourceId`. When a flow log's target cannot be resolved, no VPC "
        "is flagged."
    )
    why = (
        "Flow logs record accepted and rejected traffic of every interface in the VPC: "
        "the evidence for a security investigation and for debugging security groups."
    )
    seeds = ("001:1877", "001:2159")
    source_url = "https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html"
    tags = ["logging", "vpc"]
    example_fail = "Vpc:\n  Type: AWS::EC2::VPC\n  Properties: {CidrBlock: 10.0.0.0/16}\n"
    example_pass = example_fail + (
        "VpcFlowLog:\n  Type: AWS::EC2::FlowLog\n  Properties: {ResourceId: !Ref Vpc, "
        "ResourceType: VPC, TrafficType: ALL, LogDestinationType: cloud-watch-logs, ...}\n"
    )

    def match(self, cfn) -> list[RuleMatch]:
        model = model_of(cfn)
        if model.unplaced_flow_logs:
            return []
        return [RuleMatch(["Resources", vpc], f"VPC '{vpc}' has no flow log; add an "
                                              "AWS::EC2::FlowLog with ResourceId: !Ref " + vpc + ".")
                for vpc, _ in resources_of(cfn, "AWS::EC2::VPC") if vpc not in model.flow_log_vpcs]


class LogRetention(Documented, ResourceSchemaRule):
    id = "W9705"
    shortdesc = "Log groups expire"
    description = (
        "Flags an `AWS::Logs::LogGroup` without `RetentionInDays`. Default: logs are kept "
        "forever, and billed forever."
    )
    why = (
        "A retention period bounds both the cost and the exposure of old logs; the notes "
        "suggest keeping recent logs in CloudWatch and archiving older ones to S3."
    )
    seeds = ("001:2159", "001:2263")
    source_url = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html#SettingLogRetention"
    tags = ["logging", "logs"]
    resource_types = ("AWS::Logs::LogGroup",)
    schema_file = "log_retention.json"
    example_fail = "Logs:\n  Type: AWS::Logs::LogGroup\n"
    example_pass = "Logs:\n  Type: AWS::Logs::LogGroup\n  Properties: {RetentionInDays: 90}\n"

    def message(self, instance: Any, err) -> str:
        return f"Log group keeps logs forever{self.scenario}; set RetentionInDays."


class AccessLogs(Documented, CloudFormationLintRule):
    id = "I9706"
    shortdesc = "Buckets and distributions keep access logs"
    description = (
        "Flags (as info) an `AWS::S3::Bucket` without `LoggingConfiguration` and an "
        "`AWS::CloudFront::Distribution` without `DistributionConfig.Logging`. Buckets "
        "that receive logs (the target of another bucket's, a load balancer's, a "
        "distribution's, a trail's or a flow log's logs) are not flagged: a bucket "
        "cannot usefully log into itself."
    )
    why = (
        "Server access logs show who read or changed which object; the notes route them "
        "to a logging bucket in the same region."
    )
    seeds = ("001:990-991",)
    source_url = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html"
    tags = ["logging", "s3", "cloudfront"]
    example_fail = "Data:\n  Type: AWS::S3::Bucket\n"
    example_pass = (
        "Data:\n  Type: AWS::S3::Bucket\n  Properties:\n    LoggingConfiguration:\n"
        "      DestinationBucketName: !Ref AccessLogs\n      LogFilePrefix: data/\n"
    )

    def match(self, cfn) -> list[RuleMatch]:
        targets = model_of(cfn).log_target_buckets
        matches = [
            RuleMatch(["Resources", name], f"Bucket '{name}' keeps no access logs; set "
                                           "LoggingConfiguration to a logging bucket.")
            for name, bucket in resources_of(cfn, "AWS::S3::Bucket")
            if name not in targets and not properties(bucket).get("LoggingConfiguration")
        ]
        for name, distribution in resources_of(cfn, "AWS::CloudFront::Distribution"):
            config = properties(distribution).get("DistributionConfig")
            if isinstance(config, dict) and not config.get("Logging"):
                matches.append(RuleMatch(["Resources", name, "Properties", "DistributionConfig"],
                                         f"Distribution '{name}' keeps no access logs; set "
                                         "DistributionConfig.Logging to a logging bucket."))
        return matches


class StateMachineLogging(Documented, ResourceSchemaRule):
    id = "I9707"
    shortdesc = "Express state machines log"
    description = (
        "Flags (as info) an Express `AWS::StepFunctions::StateMachine` "
        "(`StateMachineType: EXPRESS`) without `LoggingConfiguration`, and an Express SAM "
        "`AWS::Serverless::StateMachine` (`Type: EXPRESS`) without `Logging`. Standard workflows (the default type) are not judged: Step "
        "Functions keeps their execution history, with each state's input and output, "
        "for 90 days. Express workflows keep none: CloudWatch Logs is the only record."
    )
    why = (
        "Execution logs show which state failed with which input; for Express workflows "
        "they are the only record of an execution."
    )
    seeds = ("000:392-410",)
    source_url = "https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html"
    tags = ["logging", "stepfunctions"]
    resource_types = ("AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine")
    schema_file = "state_machine_logging.json"
    example_fail = (
        "Flow:\n  Type: AWS::Serverless::StateMachine\n  Properties:\n    Type: EXPRESS\n"
        "    DefinitionUri: flow.asl.json\n"
    )
    example_pass = (
        "Flow:\n  Type: AWS::Serverless::StateMachine\n  Properties:\n    Type: EXPRESS\n"
        "    DefinitionUri: flow.asl.json\n"
        "    Logging:\n      Level: ERROR\n      Destinations:\n"
        "        - CloudWatchLogsLogGroup: {LogGroupArn: !GetAtt FlowLogs.Arn}\n"
    )

    def message(self, instance: Any, err) -> str:
        setting = "Logging" if instance["Type"] == "AWS::Serverless::StateMachine" else "LoggingConfiguration"
        return (f"Express state machine keeps no record of its executions{self.scenario} "
                f"(Express workflows have no execution history); set {setting}.")
