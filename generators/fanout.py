"""`tmpllint new fanout`: an SNS topic fanned out to N SQS queues, each with a
dead-letter queue and a Lambda consumer (SAM).

Notes: 000:414-470 (SNS + SQS fan-out, SQS consumers and dead-letter queues),
000:1000-1004 (decoupling with queues).
"""

from __future__ import annotations

from dataclasses import dataclass

from tmpllint.generators.blocks import LAMBDA_RUNTIMES, customer_key, interface, log_group, retention_parameter
from tmpllint.yamlio import comment_before, get_att, mapping, ref, sub

NAME = "fanout"
SUMMARY = "SNS topic (KMS) fanned out to N SQS queues with DLQs, each consumed by a Lambda"
SEEDS = ("000:414-470", "000:1000-1004")
RUNTIMES = LAMBDA_RUNTIMES
FUNCTION_TIMEOUT = 30
#: AWS services that may later publish to the topic (its key must let them encrypt):
#: EventBridge rules, S3 event notifications, CloudWatch alarms.
SERVICE_PUBLISHERS = ("events.amazonaws.com", "s3.amazonaws.com", "cloudwatch.amazonaws.com")
#: Alarm when the oldest message of a queue waits longer than this (seconds).
OLDEST_MESSAGE_ALARM_SECONDS = 900


@dataclass(frozen=True)
class Options:
    queues: int = 2
    runtime: str = "python3.12"

    def validate(self) -> None:
        if not 1 <= self.queues <= 10:
            raise ValueError("--queues must be between 1 and 10")
        if self.runtime not in RUNTIMES:
            raise ValueError(f"--runtime must be one of {', '.join(RUNTIMES)}")


def _outputs(options: Options) -> dict:
    out = mapping(TopicArn=mapping(Value=ref("Topic"), Export=mapping(Name=sub("${AWS::StackName}-TopicArn"))))
    out["TopicKeyArn"] = mapping(
        Description="Publishers need kms:GenerateDataKey and kms:Decrypt on this key",
        Value=get_att("TopicKey.Arn"), Export=mapping(Name=sub("${AWS::StackName}-TopicKeyArn")))
    out["AlarmTopicArn"] = mapping(Description="Subscribe the on-call address to receive the queue alarms",
                                   Value=ref("AlarmTopic"))
    for number in range(1, options.queues + 1):
        for name, label in ((f"Queue{number}", f"queue {number}"),
                            (f"Queue{number}DeadLetters", f"dead-letter queue {number}")):
            out[f"{name}Url"] = mapping(Description=f"URL of {label}", Value=ref(name))
            out[f"{name}Arn"] = mapping(Description=f"ARN of {label}", Value=get_att(f"{name}.Arn"))
    return out


def build(options: Options):
    options.validate()
    res = mapping()
    def same_account():
        return mapping(StringEquals=mapping(("aws:SourceAccount", ref("AWS::AccountId"))))

    res["TopicKey"] = customer_key("${AWS::StackName} topic, queues and logs", [mapping(
        Sid="SnsDeliversToQueues", Effect="Allow", Principal=mapping(Service="sns.amazonaws.com"),
        Action=["kms:Decrypt", "kms:GenerateDataKey"], Resource="*",
        Condition=same_account()), mapping(
        # EventBridge's and S3's KMS requests for SNS delivery do not carry
        # aws:SourceAccount, so a condition on it would drop every event silently (the
        # AWS documentation's key policies for them have none); the topic policy decides
        # who may publish. CloudWatch alarms do carry it.
        Sid="ServicesPublishToTopics", Effect="Allow",
        Principal=mapping(Service=[s for s in SERVICE_PUBLISHERS if s != "cloudwatch.amazonaws.com"]),
        Action=["kms:Decrypt", "kms:GenerateDataKey"], Resource="*"), mapping(
        Sid="AlarmsPublishToTopics", Effect="Allow",
        Principal=mapping(Service="cloudwatch.amazonaws.com"),
        Action=["kms:Decrypt", "kms:GenerateDataKey"], Resource="*", Condition=same_account())])
    comment_before(res, "TopicKey", "Customer managed key, rotated yearly (001:2433-2435); AWS services "
                   "of this account (EventBridge, S3 notifications, CloudWatch alarms) may publish to "
                   "the encrypted topics", 2)
    res["Topic"] = mapping(Type="AWS::SNS::Topic", Properties=mapping(KmsMasterKeyId=ref("TopicKey")))
    comment_before(res, "Topic", "One topic, one queue per consumer: the fan-out (000:414-470)", 2)
    res["AlarmTopic"] = mapping(Type="AWS::SNS::Topic", Properties=mapping(KmsMasterKeyId=ref("TopicKey")))
    comment_before(res, "AlarmTopic", "Where the alarms below go: subscribe the on-call address "
                   "(output AlarmTopicArn)", 2)
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
        res[f"{consumer}Logs"] = log_group("TopicKey", "LogRetentionDays",
                                           sub(f"/aws/lambda/${{{consumer}}}"))
        res[f"{dlq}Alarm"] = mapping(Type="AWS::CloudWatch::Alarm", Properties=mapping(
            AlarmDescription=f"Queue {number}: messages failed 5 times and wait in its dead-letter queue",
            Namespace="AWS/SQS", MetricName="ApproximateNumberOfMessagesVisible",
            Dimensions=[mapping(Name="QueueName", Value=get_att(f"{dlq}.QueueName"))],
            Statistic="Maximum", Period=300, EvaluationPeriods=1, Threshold=0,
            ComparisonOperator="GreaterThanThreshold", TreatMissingData="notBreaching",
            AlarmActions=[ref("AlarmTopic")]))
        comment_before(res, f"{dlq}Alarm", f"Queue {number}: alarms on dead letters and on a "
                       f"message older than {OLDEST_MESSAGE_ALARM_SECONDS // 60} minutes", 2)
        res[f"{queue}AgeAlarm"] = mapping(Type="AWS::CloudWatch::Alarm", Properties=mapping(
            AlarmDescription=f"Queue {number}: the consumer falls behind",
            Namespace="AWS/SQS", MetricName="ApproximateAgeOfOldestMessage",
            Dimensions=[mapping(Name="QueueName", Value=get_att(f"{queue}.QueueName"))],
            Statistic="Maximum", Period=300, EvaluationPeriods=3,
            Threshold=OLDEST_MESSAGE_ALARM_SECONDS, ComparisonOperator="GreaterThanThreshold",
            TreatMissingData="notBreaching", AlarmActions=[ref("AlarmTopic")]))
    handler = "app.Handler::handleRequest" if options.runtime.startswith("java") else "app.handler"
    comment_before(res, "Consumer1", "Code: `sam build` expects the folders "
                   + ", ".join(f"consumer{n}/" for n in range(1, options.queues + 1))
                   + f" beside this template, each with the handler {handler} ({options.runtime}) "
                   "returning batchItemFailures", 2)
    template = mapping(
        AWSTemplateFormatVersion="2010-09-09",
        Transform="AWS::Serverless-2016-10-31",
        Description=f"SNS fan-out to {options.queues} SQS queue{'s' * (options.queues > 1)} with "
                    "dead-letter queues and Lambda consumers (generated by tmpllint new fanout)",
        Metadata=interface(("Consumers", ["LogRetentionDays"])),
        Parameters=mapping(LogRetentionDays=retention_parameter("Days the consumers' logs are kept.")),
        Globals=mapping(Function=mapping(
            Runtime=options.runtime, Timeout=FUNCTION_TIMEOUT, MemorySize=256, Tracing="Active")),
        Resources=res,
        Outputs=_outputs(options),
    )
    comment_before(template["Globals"], "Function", "Every consumer is traced with X-Ray", 2)
    return template
