"""`tmpllint new fanout`: an SNS topic fanned out to N SQS queues, each with a
dead-letter queue and a Lambda consumer (SAM).

Notes: 000:414-470 (SNS + SQS fan-out, SQS consumers and dead-letter queues),
000:1000-1004 (decoupling with queues).
"""

from __future__ import annotations

from dataclasses import dataclass

from tmpllint.yamlio import comment_before, get_att, mapping, ref, sub

NAME = "fanout"
SUMMARY = "SNS topic (KMS) fanned out to N SQS queues with DLQs, each consumed by a Lambda"
SEEDS = ("000:414-470", "000:1000-1004")
RUNTIMES = ("python3.13", "python3.12", "nodejs22.x", "nodejs20.x", "java21")
FUNCTION_TIMEOUT = 30


@dataclass(frozen=True)
class Options:
    queues: int = 2
    runtime: str = "python3.12"

    def validate(self) -> None:
        if not 1 <= self.queues <= 10:
            raise ValueError("--queues must be between 1 and 10")
        if self.runtime not in RUNTIMES:
            raise ValueError(f"--runtime must be one of {', '.join(RUNTIMES)}")


def _key_policy() -> dict:
    account = mapping(AWS=sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root"))
    return mapping(Version="2012-10-17", Statement=[
        mapping(Sid="AccountAdministersTheKey", Effect="Allow", Principal=account,
                Action="kms:*", Resource="*"),
        mapping(Sid="CloudWatchLogsEncrypts", Effect="Allow",
                Principal=mapping(Service=sub("logs.${AWS::Region}.amazonaws.com")),
                Action=["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo",
                        "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"],
                Resource="*",
                Condition=mapping(ArnLike=mapping((
                    "kms:EncryptionContext:aws:logs:arn",
                    sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*"))))),
        mapping(Sid="SnsDeliversToQueues", Effect="Allow",
                Principal=mapping(Service="sns.amazonaws.com"),
                Action=["kms:Decrypt", "kms:GenerateDataKey"], Resource="*",
                Condition=mapping(StringEquals=mapping(("aws:SourceAccount", ref("AWS::AccountId"))))),
    ])


def build(options: Options):
    options.validate()
    res = mapping()
    res["TopicKey"] = mapping(
        Type="AWS::KMS::Key", DeletionPolicy="Retain", UpdateReplacePolicy="Retain",
        Properties=mapping(Description=sub("${AWS::StackName} topic, queues and logs"),
                           EnableKeyRotation=True, KeyPolicy=_key_policy()))
    comment_before(res, "TopicKey", "Customer managed key, rotated yearly (001:2433-2435)", 2)
    res["Topic"] = mapping(Type="AWS::SNS::Topic", Properties=mapping(KmsMasterKeyId=ref("TopicKey")))
    comment_before(res, "Topic", "One topic, one queue per consumer: the fan-out (000:414-470)", 2)
    for number in range(1, options.queues + 1):
        queue, dlq, consumer = f"Queue{number}", f"Queue{number}DeadLetters", f"Consumer{number}"
        res[dlq] = mapping(Type="AWS::SQS::Queue", DeletionPolicy="Retain", UpdateReplacePolicy="Retain",
                           Properties=mapping(
            KmsMasterKeyId=ref("TopicKey"), MessageRetentionPeriod=1209600))
        comment_before(res, dlq, f"Queue {number}: messages that fail 5 times land in its "
                       "dead-letter queue, kept 14 days", 2)
        res[queue] = mapping(Type="AWS::SQS::Queue", DeletionPolicy="Retain", UpdateReplacePolicy="Retain",
                             Properties=mapping(
            KmsMasterKeyId=ref("TopicKey"), MessageRetentionPeriod=345600,
            VisibilityTimeout=FUNCTION_TIMEOUT * 6,
            RedrivePolicy=mapping(deadLetterTargetArn=get_att(f"{dlq}.Arn"), maxReceiveCount=5)))
        res[f"{queue}Policy"] = mapping(Type="AWS::SQS::QueuePolicy", Properties=mapping(
            Queues=[ref(queue)], PolicyDocument=mapping(Version="2012-10-17", Statement=[mapping(
                Sid="OnlyThisTopic", Effect="Allow", Principal=mapping(Service="sns.amazonaws.com"),
                Action="sqs:SendMessage", Resource=get_att(f"{queue}.Arn"),
                Condition=mapping(ArnEquals=mapping(("aws:SourceArn", ref("Topic")))))])))
        res[f"{queue}Subscription"] = mapping(Type="AWS::SNS::Subscription", Properties=mapping(
            TopicArn=ref("Topic"), Protocol="sqs", Endpoint=get_att(f"{queue}.Arn"),
            RawMessageDelivery=True))
        res[consumer] = mapping(Type="AWS::Serverless::Function", Properties=mapping(
            Handler="app.handler" if not options.runtime.startswith("java") else "app.Handler::handleRequest",
            CodeUri=f"consumer{number}/",
            Policies=[mapping(SQSPollerPolicy=mapping(QueueName=get_att(f"{queue}.QueueName"))),
                      mapping(KMSDecryptPolicy=mapping(KeyId=ref("TopicKey")))],
            Events=mapping(Messages=mapping(Type="SQS", Properties=mapping(
                Queue=get_att(f"{queue}.Arn"), BatchSize=10,
                FunctionResponseTypes=["ReportBatchItemFailures"])))))
        res[f"{consumer}Logs"] = mapping(
            Type="AWS::Logs::LogGroup", DeletionPolicy="Retain", UpdateReplacePolicy="Retain",
            Properties=mapping(LogGroupName=sub(f"/aws/lambda/${{{consumer}}}"),
                               RetentionInDays=ref("LogRetentionDays"),
                               KmsKeyId=get_att("TopicKey.Arn")))
    template = mapping(
        AWSTemplateFormatVersion="2010-09-09",
        Transform="AWS::Serverless-2016-10-31",
        Description=f"SNS fan-out to {options.queues} SQS queue{'s' * (options.queues > 1)} with "
                    "dead-letter queues and Lambda consumers (generated by tmpllint new fanout)",
        Metadata=mapping(("AWS::CloudFormation::Interface", mapping(ParameterGroups=[
            mapping(Label=mapping(default="Consumers"), Parameters=["LogRetentionDays"])]))),
        Parameters=mapping(LogRetentionDays=mapping(
            Type="Number", Default=90, AllowedValues=[30, 90, 180, 365],
            Description="Days the consumers' logs are kept.")),
        Globals=mapping(Function=mapping(
            Runtime=options.runtime, Timeout=FUNCTION_TIMEOUT, MemorySize=256, Tracing="Active")),
        Resources=res,
        Outputs=mapping(TopicArn=mapping(Value=ref("Topic"),
                                         Export=mapping(Name=sub("${AWS::StackName}-TopicArn")))),
    )
    comment_before(template["Globals"], "Function", "Every consumer is traced with X-Ray", 2)
    return template
