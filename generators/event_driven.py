"""`tmpllint new event-driven`: a custom EventBridge bus encrypted with a customer
managed key, an archive of it, a rule that transforms the events it matches for its
targets (an SQS queue consumed by a Lambda function, and/or a Lambda function invoked
asynchronously), dead-letter queues for every hop and alarms on them (SAM).

Notes: 000:321-324 (EventBridge -> Lambda -> SQS: asynchronous, decoupled, event-driven
processing), 001:2219-2235 (EventBridge: rules, archive and replay, schema registry),
000:483 and 003:859-873 (asynchronous invocations: a dead-letter queue or an OnFailure
destination, idempotent handlers).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ruamel.yaml.scalarstring import LiteralScalarString

from tmpllint.generators.blocks import LAMBDA_RUNTIMES, customer_key, interface, log_group, retention_parameter
from tmpllint.yamlio import comment_before, get_att, mapping, ref, sub

NAME = "event-driven"
SUMMARY = ("EventBridge bus (KMS) with an archive, a rule transforming events for an SQS queue "
           "and/or an async Lambda, DLQs and alarms")
SEEDS = ("000:321-324", "001:2219-2235", "003:859-873")
TARGETS = ("both", "queue", "function")
RUNTIMES = LAMBDA_RUNTIMES
FUNCTION_TIMEOUT = 30
#: The event the rule routes, and the one the function target publishes when done.
DETAIL_TYPE = "OrderPlaced"
FOLLOW_UP_DETAIL_TYPE = "OrderProcessed"
#: The rule's delivery retries (EventBridge's default is 185 attempts over 24 hours).
RULE_RETRIES, RULE_MAX_AGE = 8, 3600
#: The function target's asynchronous retries (Lambda's default is 2 over 6 hours).
ASYNC_RETRIES, ASYNC_MAX_AGE = 2, 3600
#: Alarm when the oldest message of the queue waits longer than this (seconds).
OLDEST_MESSAGE_ALARM_SECONDS = 900
DEAD_LETTER_RETENTION = 1209600  # 14 days, SQS's maximum
#: What the rule sends its targets instead of the whole event: the fields consumers use.
#: Placeholders outside quotes are replaced by their JSON values (strings quoted).
INPUT_PATHS = (("eventId", "$.id"), ("time", "$.time"), ("orderId", "$.detail.orderId"),
               ("order", "$.detail"))
INPUT_TEMPLATE = '{"eventId": <eventId>, "occurredAt": <time>, "orderId": <orderId>, "order": <order>}'


@dataclass(frozen=True)
class Options:
    targets: str = "both"
    schema_registry: bool = False
    runtime: str = "python3.12"

    def validate(self) -> None:
        if self.targets not in TARGETS:
            raise ValueError(f"--targets must be one of {', '.join(TARGETS)}")
        if self.runtime not in RUNTIMES:
            raise ValueError(f"--runtime must be one of {', '.join(RUNTIMES)}")

    @property
    def queue(self) -> bool:
        return self.targets in ("both", "queue")

    @property
    def function(self) -> bool:
        return self.targets in ("both", "function")


def _bus_arn():
    """The bus's ARN spelled out: the key policy needs it before the bus exists."""
    return sub("arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/${AWS::StackName}")


def _events_principal() -> dict:
    return mapping(Service="events.amazonaws.com")


def _bus_key() -> dict:
    """The bus's own key: EventBridge may use it for this bus (and its archive) only."""
    account = mapping(AWS=sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root"))
    return mapping(
        Type="AWS::KMS::Key", DeletionPolicy="Retain", UpdateReplacePolicy="Retain",
        Properties=mapping(
            Description=sub("${AWS::StackName} event bus and archive"), EnableKeyRotation=True,
            KeyPolicy=mapping(Version="2012-10-17", Statement=[
                mapping(Sid="AccountAdministersTheKey", Effect="Allow", Principal=account,
                        Action="kms:*", Resource="*"),
                # DescribeKey carries no encryption context: EventBridge checks the key is
                # symmetric when the bus and the archive are created.
                mapping(Sid="EventBridgeDescribesTheKey", Effect="Allow", Principal=_events_principal(),
                        Action="kms:DescribeKey", Resource="*"),
                mapping(Sid="EventBridgeEncryptsThisBus", Effect="Allow", Principal=_events_principal(),
                        Action=["kms:GenerateDataKey", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo"],
                        Resource="*", Condition=mapping(StringEquals=mapping((
                            "kms:EncryptionContext:aws:events:event-bus:arn", _bus_arn())))),
            ])))


def _queue(key: str, retention: int, **extra) -> dict:
    properties = mapping(KmsMasterKeyId=ref(key), MessageRetentionPeriod=retention)
    for name, value in extra.items():
        properties[name] = value
    return mapping(Type="AWS::SQS::Queue", DeletionPolicy="Retain", UpdateReplacePolicy="Retain",
                   Properties=properties)


def _queue_policy(queue: str, sid: str, sources: list) -> dict:
    """Only EventBridge, on behalf of `sources` (ARNs), may send to `queue`."""
    return mapping(Type="AWS::SQS::QueuePolicy", Properties=mapping(
        Queues=[ref(queue)], PolicyDocument=mapping(Version="2012-10-17", Statement=[mapping(
            Sid=sid, Effect="Allow", Principal=_events_principal(), Action="sqs:SendMessage",
            Resource=get_att(f"{queue}.Arn"),
            Condition=mapping(ArnEquals=mapping(("aws:SourceArn", sources[0] if len(sources) == 1 else sources)))
        )])))


def _alarm(description: str, metric: str, queue: str, threshold: int, periods: int) -> dict:
    return mapping(Type="AWS::CloudWatch::Alarm", Properties=mapping(
        AlarmDescription=description, Namespace="AWS/SQS", MetricName=metric,
        Dimensions=[mapping(Name="QueueName", Value=get_att(f"{queue}.QueueName"))],
        Statistic="Maximum", Period=300, EvaluationPeriods=periods, Threshold=threshold,
        ComparisonOperator="GreaterThanThreshold", TreatMissingData="notBreaching",
        AlarmActions=[ref("AlarmTopic")]))


def _dead_letter_alarm(description: str, queue: str) -> dict:
    return _alarm(description, "ApproximateNumberOfMessagesVisible", queue, 0, 1)


def _target(target_id: str, arn) -> dict:
    """A rule target: the transformed event, bounded retries, then the dead-letter queue.
    No RoleArn: SQS and Lambda targets are authorized by their resource policies."""
    return mapping(
        Id=target_id, Arn=arn,
        InputTransformer=mapping(InputPathsMap=mapping(*INPUT_PATHS), InputTemplate=INPUT_TEMPLATE),
        RetryPolicy=mapping(MaximumRetryAttempts=RULE_RETRIES, MaximumEventAgeInSeconds=RULE_MAX_AGE),
        DeadLetterConfig=mapping(Arn=get_att("DeadLetters.Arn")))


def _handler(options: Options) -> str:
    return "app.Handler::handleRequest" if options.runtime.startswith("java") else "app.handler"


def _schema() -> str:
    """JSON Schema (draft 4) of the event publishers send, as the registry stores it."""
    return json.dumps({
        "$schema": "http://json-schema.org/draft-04/schema#",
        "title": DETAIL_TYPE,
        "type": "object",
        "required": ["source", "detail-type", "detail"],
        "properties": {
            "source": {"type": "string"},
            "detail-type": {"type": "string", "enum": [DETAIL_TYPE]},
            "detail": {
                "type": "object",
                "required": ["orderId"],
                "properties": {
                    "orderId": {"type": "string"},
                    "customerId": {"type": "string"},
                    "total": {"type": "number"},
                },
            },
        },
    }, indent=2) + "\n"


def _queue_target(res: dict, options: Options) -> None:
    res["QueueDeadLetters"] = _queue("QueueKey", DEAD_LETTER_RETENTION)
    comment_before(res, "QueueDeadLetters", "Queue target: a message its consumer fails 5 times "
                   "moves to this dead-letter queue, kept 14 days", 2)
    res["Queue"] = _queue("QueueKey", 345600, VisibilityTimeout=FUNCTION_TIMEOUT * 6, RedrivePolicy=mapping(
        deadLetterTargetArn=get_att("QueueDeadLetters.Arn"), maxReceiveCount=5))
    res["QueuePolicy"] = _queue_policy("Queue", "OnlyTheRule", [get_att("Rule.Arn")])
    res["QueueConsumer"] = mapping(Type="AWS::Serverless::Function", Properties=mapping(
        Handler=_handler(options), CodeUri="queueConsumer/",
        Policies=[mapping(SQSPollerPolicy=mapping(QueueName=get_att("Queue.QueueName"))),
                  mapping(KMSDecryptPolicy=mapping(KeyId=ref("QueueKey")))],
        Events=mapping(Messages=mapping(Type="SQS", Properties=mapping(
            Queue=get_att("Queue.Arn"), BatchSize=10, FunctionResponseTypes=["ReportBatchItemFailures"])))))
    comment_before(res, "QueueConsumer", "Consumes the queue in batches, reporting the messages it "
                   "failed (ReportBatchItemFailures) so only those return to the queue", 2)
    res["QueueConsumerLogs"] = log_group("QueueKey", "LogRetentionDays", sub("/aws/lambda/${QueueConsumer}"))
    res["QueueDeadLettersAlarm"] = _dead_letter_alarm(
        "Queue target: messages failed 5 times and wait in its dead-letter queue", "QueueDeadLetters")
    comment_before(res, "QueueDeadLettersAlarm", "Queue target: alarms on dead letters and on a "
                   f"message older than {OLDEST_MESSAGE_ALARM_SECONDS // 60} minutes", 2)
    res["QueueAgeAlarm"] = _alarm("Queue target: the consumer falls behind", "ApproximateAgeOfOldestMessage",
                                  "Queue", OLDEST_MESSAGE_ALARM_SECONDS, 3)


def _function_target(res: dict, options: Options) -> None:
    res["EventHandlerFailures"] = _queue("QueueKey", DEAD_LETTER_RETENTION)
    comment_before(res, "EventHandlerFailures", "Function target: Lambda's asynchronous invocation "
                   f"retries a failed event {ASYNC_RETRIES} times, then sends it here with the error "
                   "(OnFailure destination; 003:873: a destination, unlike a DLQ, carries the response)", 2)
    res["EventHandler"] = mapping(Type="AWS::Serverless::Function", Properties=mapping(
        Handler=_handler(options), CodeUri="eventHandler/",
        Environment=mapping(Variables=mapping(EVENT_BUS_NAME=ref("Bus"), EVENT_SOURCE=ref("EventSource"))),
        Policies=[mapping(EventBridgePutEventsPolicy=mapping(EventBusName=ref("Bus"))),
                  # the OnFailure queue is encrypted: Lambda sends to it with this role
                  mapping(Statement=[mapping(Sid="EncryptFailureRecords", Effect="Allow",
                                             Action=["kms:GenerateDataKey", "kms:Decrypt"],
                                             Resource=get_att("QueueKey.Arn"))])],
        EventInvokeConfig=mapping(
            MaximumRetryAttempts=ASYNC_RETRIES, MaximumEventAgeInSeconds=ASYNC_MAX_AGE,
            DestinationConfig=mapping(OnFailure=mapping(
                Type="SQS", Destination=get_att("EventHandlerFailures.Arn"))))))
    comment_before(res, "EventHandler", "Invoked asynchronously by the rule (000:321-324); publishes "
                   f"{FOLLOW_UP_DETAIL_TYPE} to the bus when done. Retries can repeat an event: the "
                   "handler must be idempotent (002:1286)", 2)
    res["EventHandlerPermission"] = mapping(Type="AWS::Lambda::Permission", Properties=mapping(
        FunctionName=ref("EventHandler"), Action="lambda:InvokeFunction",
        Principal="events.amazonaws.com", SourceArn=get_att("Rule.Arn")))
    res["EventHandlerLogs"] = log_group("QueueKey", "LogRetentionDays", sub("/aws/lambda/${EventHandler}"))
    res["EventHandlerFailuresAlarm"] = _dead_letter_alarm(
        f"Function target: events failed {ASYNC_RETRIES + 1} invocations and wait in its "
        "OnFailure queue", "EventHandlerFailures")


def _outputs(options: Options) -> dict:
    out = mapping(
        EventBusName=mapping(Description="Publishers send PutEvents to this bus",
                             Value=ref("Bus"), Export=mapping(Name=sub("${AWS::StackName}-EventBusName"))),
        EventBusArn=mapping(Value=get_att("Bus.Arn"), Export=mapping(Name=sub("${AWS::StackName}-EventBusArn"))),
        ArchiveName=mapping(Description="Replay from it with `aws events start-replay`", Value=ref("Archive")),
        AlarmTopicArn=mapping(Description="Subscribe the on-call address to receive the alarms",
                              Value=ref("AlarmTopic")))
    queues = [("DeadLetters", "events EventBridge could not deliver")]
    if options.queue:
        queues += [("Queue", "the queue target"), ("QueueDeadLetters", "the queue target's dead-letter queue")]
    if options.function:
        queues += [("EventHandlerFailures", "the function target's OnFailure queue")]
    for name, label in queues:
        out[f"{name}Url"] = mapping(Description=f"URL of {label}", Value=ref(name))
        out[f"{name}Arn"] = mapping(Description=f"ARN of {label}", Value=get_att(f"{name}.Arn"))
    if options.schema_registry:
        out["SchemaRegistryName"] = mapping(
            Description="Download code bindings: aws schemas get-code-binding-source",
            Value=get_att("SchemaRegistry.RegistryName"))
    return out


def build(options: Options):
    options.validate()
    res = mapping()
    res["BusKey"] = _bus_key()
    comment_before(res, "BusKey", "Customer managed key of the bus and its archive, rotated yearly "
                   "(001:2433-2435); EventBridge may use it for this bus only (encryption context)", 2)
    res["Bus"] = mapping(Type="AWS::Events::EventBus", Properties=mapping(
        Name=ref("AWS::StackName"), Description="Application events (generated by tmpllint new event-driven)",
        KmsKeyIdentifier=get_att("BusKey.Arn"), DeadLetterConfig=mapping(Arn=get_att("DeadLetters.Arn"))))
    comment_before(res, "Bus", "A bus of the application's own, not the default one (001:2219-2226). "
                   "Events it cannot decrypt (key disabled) go to DeadLetters; no schema discoverer: "
                   "discovery does not work on a bus encrypted with a customer managed key", 2)
    res["Archive"] = mapping(Type="AWS::Events::Archive", Properties=mapping(
        SourceArn=get_att("Bus.Arn"), Description="Every event of the bus, for replay",
        RetentionDays=ref("ArchiveRetentionDays"), KmsKeyIdentifier=get_att("BusKey.Arn")))
    comment_before(res, "Archive", "Archive every event for ArchiveRetentionDays to replay them "
                   "after a fix (001:2227-2228)", 2)
    res["QueueKey"] = customer_key("${AWS::StackName} queues, alarm topic and logs", [
        # The SQS documentation's statement for AWS services that send to encrypted queues,
        # without conditions (as fanout's): the queue policies decide which rule may send.
        mapping(Sid="EventBridgeSendsToQueues", Effect="Allow", Principal=_events_principal(),
                Action=["kms:GenerateDataKey", "kms:Decrypt"], Resource="*"),
        mapping(Sid="AlarmsPublishToTopic", Effect="Allow", Principal=mapping(Service="cloudwatch.amazonaws.com"),
                Action=["kms:GenerateDataKey", "kms:Decrypt"], Resource="*",
                Condition=mapping(StringEquals=mapping(("aws:SourceAccount", ref("AWS::AccountId"))))),
    ])
    comment_before(res, "QueueKey", "A second key for the queues, the alarm topic and the logs: the "
                   "events the bus key cannot decrypt must still reach DeadLetters", 2)
    res["DeadLetters"] = _queue("QueueKey", DEAD_LETTER_RETENTION)
    comment_before(res, "DeadLetters", "Events EventBridge could not deliver: the rule's targets after "
                   "their retries, and the bus's encryption errors (kept 14 days)", 2)
    sources = [get_att("Bus.Arn"), get_att("Rule.Arn")]
    res["DeadLettersPolicy"] = _queue_policy("DeadLetters", "OnlyThisBusAndRule", sources)
    res["AlarmTopic"] = mapping(Type="AWS::SNS::Topic", Properties=mapping(KmsMasterKeyId=ref("QueueKey")))
    comment_before(res, "AlarmTopic", "Where the alarms go: subscribe the on-call address "
                   "(output AlarmTopicArn)", 2)
    res["DeadLettersAlarm"] = _dead_letter_alarm("EventBridge could not deliver events: they wait in "
                                                 "DeadLetters", "DeadLetters")
    targets = []
    if options.queue:
        targets.append(_target("Queue", get_att("Queue.Arn")))
    if options.function:
        targets.append(_target("EventHandler", get_att("EventHandler.Arn")))
    res["Rule"] = mapping(Type="AWS::Events::Rule", Properties=mapping(
        Description=f"{DETAIL_TYPE} events of EventSource, transformed for the targets",
        EventBusName=ref("Bus"), State="ENABLED",
        EventPattern=mapping(("source", [ref("EventSource")]), ("detail-type", [DETAIL_TYPE]),
                             ("detail", mapping(orderId=[mapping(exists=True)]))),
        Targets=targets))
    comment_before(res, "Rule", f"Routes {DETAIL_TYPE} events with an orderId; each target gets the "
                   f"transformed event, {RULE_RETRIES} delivery retries within {RULE_MAX_AGE // 60} "
                   "minutes, then the dead-letter queue", 2)
    if options.queue:
        _queue_target(res, options)
    if options.function:
        _function_target(res, options)
    folders = [f for f, on in (("queueConsumer/", options.queue), ("eventHandler/", options.function)) if on]
    first = "QueueConsumer" if options.queue else "EventHandler"
    comment_before(res, first, "Code: `sam build` expects the folders " + ", ".join(folders)
                   + f" beside this template, each with the handler {_handler(options)} ({options.runtime})", 2)
    if options.schema_registry:
        res["SchemaRegistry"] = mapping(Type="AWS::EventSchemas::Registry", Properties=mapping(
            RegistryName=sub("${AWS::StackName}-events"),
            Description="Schemas of the events published to the bus"))
        comment_before(res, "SchemaRegistry", "The events' contract, versioned, with code bindings "
                       "(001:2229-2232); kept by hand since discovery needs an AWS owned key", 2)
        res["OrderPlacedSchema"] = mapping(Type="AWS::EventSchemas::Schema", Properties=mapping(
            RegistryName=get_att("SchemaRegistry.RegistryName"), SchemaName=sub(f"${{EventSource}}@{DETAIL_TYPE}"),
            Type="JSONSchemaDraft4", Description=f"The {DETAIL_TYPE} event the rule routes",
            Content=LiteralScalarString(_schema())))
    target_words = {"both": "an SQS queue and an asynchronous Lambda function", "queue": "an SQS queue",
                    "function": "an asynchronous Lambda function"}[options.targets]
    template = mapping(
        AWSTemplateFormatVersion="2010-09-09",
        Transform="AWS::Serverless-2016-10-31",
        Description=f"EventBridge bus (KMS) with an archive and a rule routing transformed events to "
                    f"{target_words}, with dead-letter queues and alarms (generated by tmpllint new event-driven)",
        Metadata=interface(("Events", ["EventSource", "ArchiveRetentionDays"]), ("Functions", ["LogRetentionDays"])),
        Parameters=mapping(
            EventSource=mapping(
                Type="String", Default="com.example.orders", AllowedPattern=r"^(?!aws\.)[A-Za-z0-9][A-Za-z0-9._-]{0,255}$",
                ConstraintDescription="letters, digits, dots, hyphens and underscores",
                Description="The source publishers set on their events; the rule routes only this one "
                            "(not aws.*, which AWS services use)."),
            ArchiveRetentionDays=mapping(
                Type="Number", Default=30, AllowedValues=[7, 30, 90, 365],
                Description="Days the archive keeps every event for replay."),
            LogRetentionDays=retention_parameter("Days the functions' logs are kept.")),
        Globals=mapping(Function=mapping(
            Runtime=options.runtime, Timeout=FUNCTION_TIMEOUT, MemorySize=256, Tracing="Active")),
        Resources=res,
        Outputs=_outputs(options),
    )
    comment_before(template["Globals"], "Function", "Every function is traced with X-Ray", 2)
    return template
