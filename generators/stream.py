"""`tmpllint new stream`: a Kinesis data stream (KMS) consumed by a Lambda function that
writes to DynamoDB, and (optionally) a Firehose delivery stream reading the same stream
into an encrypted, lifecycle-managed S3 bucket (SAM).

Notes: 000:198-214 (Kinesis Data Streams and Firehose), 000:289-290 (Lambda with Kinesis),
002:1195-1237 (shards, consumers, retention, capacity modes, Firehose),
001:1363-1399 (retention, capacity modes, security), 003:863-872 (event source mappings:
the whole batch is retried), 001:1693-1695 (point-in-time recovery).
"""

from __future__ import annotations

from dataclasses import dataclass

from tmpllint.generators.blocks import (LAMBDA_RUNTIMES, customer_key, interface, log_bucket, log_group,
                                        private_bucket, retention_parameter, server_access_logs, tls_only)
from tmpllint.yamlio import comment_before, get_att, mapping, ref, sub

NAME = "stream"
SUMMARY = ("Kinesis stream (KMS) consumed by a Lambda writing to DynamoDB, and Firehose "
           "delivering it to an encrypted S3 bucket")
SEEDS = ("000:198-214", "002:1195-1237", "001:1363-1399")
RUNTIMES = LAMBDA_RUNTIMES
MODES = ("on-demand", "provisioned")
DESTINATIONS = ("sqs", "sns")
FUNCTION_TIMEOUT = 60
#: The consumer's event source mapping: a failing batch is split in two (bisect) and
#: retried at most this many times, and records older than this are not retried; either
#: way the batch's description goes to the failure destination (003:864).
MAX_RETRIES = 3
MAX_RECORD_AGE_SECONDS = 3600
BATCH_SIZE = 100
#: Alarm when the consumer reads records older than this (its iterator age, seconds).
ITERATOR_AGE_ALARM_SECONDS = 600
#: Firehose delivers every 5 minutes (or 64 MB); alarm when the oldest record waiting
#: for delivery is older than this (seconds).
FIREHOSE_BUFFER_SECONDS = 300
DATA_FRESHNESS_ALARM_SECONDS = 900


@dataclass(frozen=True)
class Options:
    mode: str = "on-demand"
    firehose: bool = True
    destination: str = "sqs"
    runtime: str = "python3.12"

    def validate(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"--mode must be one of {', '.join(MODES)}")
        if self.destination not in DESTINATIONS:
            raise ValueError(f"--destination must be one of {', '.join(DESTINATIONS)}")
        if self.runtime not in RUNTIMES:
            raise ValueError(f"--runtime must be one of {', '.join(RUNTIMES)}")


def _via(*services: str) -> dict:
    """A condition admitting requests that AWS `services` of this region make on the
    caller's behalf (kms:ViaService), not the caller's own KMS calls."""
    names = [sub(f"{service}.${{AWS::Region}}.amazonaws.com") for service in services]
    return mapping(StringEquals=mapping(("kms:ViaService", names[0] if len(names) == 1 else names)))


def _alarm(description: str, namespace: str, metric: str, dimension: tuple[str, object],
           statistic: str, threshold: float, periods: int = 1, period: int = 300) -> dict:
    return mapping(Type="AWS::CloudWatch::Alarm", Properties=mapping(
        AlarmDescription=description, Namespace=namespace, MetricName=metric,
        Dimensions=[mapping(Name=dimension[0], Value=dimension[1])],
        Statistic=statistic, Period=period, EvaluationPeriods=periods, Threshold=threshold,
        ComparisonOperator="GreaterThanThreshold", TreatMissingData="notBreaching",
        AlarmActions=[ref("AlarmTopic")]))


def _parameters(options: Options) -> dict:
    params = mapping()
    params["StreamRetentionHours"] = mapping(
        Type="Number", Default=168, MinValue=24, MaxValue=8760,
        Description="Hours the stream keeps records for replay (24 to 8760; 002:1218). "
                    "Above 24 hours Kinesis bills extended retention.")
    if options.mode == "provisioned":
        params["ShardCount"] = mapping(
            Type="Number", Default=2, MinValue=1, MaxValue=200,
            Description="Shards of the stream: each takes 1 MB/s or 1,000 records/s in and "
                        "gives 2 MB/s out, shared by all consumers (002:1210, 002:1222).")
    params["LogRetentionDays"] = retention_parameter(
        "Days the function's, the delivery stream's and the bucket's access logs are kept.")
    if options.firehose:
        params["ArchiveRetentionDays"] = mapping(
            Type="Number", Default=365, AllowedValues=[180, 365, 730, 1825, 2555],
            Description="Days the delivered records are kept in the bucket (Standard-IA after "
                        "30 days, Glacier Flexible Retrieval after 90) before they expire.")
    return params


def _key(options: Options) -> dict:
    uses = "stream, table, failed-batch " + ("queue" if options.destination == "sqs" else "topic") \
        + ", alarm topic, " + ("archive bucket and " if options.firehose else "") + "logs"
    key = customer_key("${AWS::StackName} " + uses, [mapping(
        Sid="AlarmsPublishToTheAlarmTopic", Effect="Allow",
        Principal=mapping(Service="cloudwatch.amazonaws.com"),
        Action=["kms:Decrypt", "kms:GenerateDataKey"], Resource="*",
        Condition=mapping(StringEquals=mapping(("aws:SourceAccount", ref("AWS::AccountId")))))])
    return key


def _processor(options: Options) -> dict:
    failure = "sqs" if options.destination == "sqs" else "sns"
    destination = get_att("FailedRecords.Arn") if failure == "sqs" else ref("FailedRecords")
    event = mapping(
        Stream=get_att("Stream.Arn"), StartingPosition="TRIM_HORIZON", BatchSize=BATCH_SIZE,
        MaximumBatchingWindowInSeconds=5, BisectBatchOnFunctionError=True,
        MaximumRetryAttempts=MAX_RETRIES, MaximumRecordAgeInSeconds=MAX_RECORD_AGE_SECONDS,
        FunctionResponseTypes=["ReportBatchItemFailures"],
        DestinationConfig=mapping(OnFailure=mapping(Type=failure.upper(), Destination=destination)))
    key_use = mapping(Statement=[mapping(
        Sid="StreamKeyThroughKinesisDynamoDbAnd" + ("Sqs" if failure == "sqs" else "Sns"),
        Effect="Allow", Action=["kms:Decrypt", "kms:GenerateDataKey"], Resource=get_att("StreamKey.Arn"),
        Condition=_via("kinesis", "dynamodb", failure))])
    handler = "app.Handler::handleRequest" if options.runtime.startswith("java") else "app.handler"
    return mapping(Type="AWS::Serverless::Function", Properties=mapping(
        Handler=handler, CodeUri="processor/",
        Environment=mapping(Variables=mapping(TABLE_NAME=ref("Table"))),
        Policies=[mapping(DynamoDBWritePolicy=mapping(TableName=ref("Table"))), key_use],
        Events=mapping(Records=mapping(Type="Kinesis", Properties=event))))


def _delivery(res: dict) -> None:
    """The Firehose delivery stream, its role, log group and bucket (with its access log bucket)."""
    res["AccessLogBucket"] = log_bucket("S3 server access logs cannot be delivered to an SSE-KMS "
                                        "bucket, so this bucket keeps the default SSE-S3 encryption",
                                        "LogRetentionDays")
    comment_before(res, "AccessLogBucket", "Server access logs of the archive bucket (001:1818-1820)", 2)
    res["AccessLogBucketPolicy"] = mapping(Type="AWS::S3::BucketPolicy", Properties=mapping(
        Bucket=ref("AccessLogBucket"), PolicyDocument=mapping(Version="2012-10-17", Statement=[
            tls_only("AccessLogBucket"),
            server_access_logs("AccessLogBucket", "ArchiveBucket"),
        ])))
    res["ArchiveBucket"] = mapping(
        Type="AWS::S3::Bucket", DeletionPolicy="Retain", UpdateReplacePolicy="Retain",
        Properties=private_bucket(
            BucketEncryption=mapping(ServerSideEncryptionConfiguration=[mapping(
                ServerSideEncryptionByDefault=mapping(SSEAlgorithm="aws:kms",
                                                      KMSMasterKeyID=get_att("StreamKey.Arn")),
                BucketKeyEnabled=True)]),
            OwnershipControls=mapping(Rules=[mapping(ObjectOwnership="BucketOwnerEnforced")]),
            LifecycleConfiguration=mapping(Rules=[mapping(
                Id="tier-then-expire", Status="Enabled",
                Transitions=[mapping(StorageClass="STANDARD_IA", TransitionInDays=30),
                             mapping(StorageClass="GLACIER", TransitionInDays=90)],
                ExpirationInDays=ref("ArchiveRetentionDays"),
                NoncurrentVersionExpiration=mapping(NoncurrentDays=30),
                AbortIncompleteMultipartUpload=mapping(DaysAfterInitiation=7))]),
            LoggingConfiguration=mapping(DestinationBucketName=ref("AccessLogBucket"), LogFilePrefix="s3/")))
    comment_before(res, "ArchiveBucket", "Firehose delivers the stream here (002:1228-1233): encrypted "
                   "with the key (S3 Bucket Key on, fewer KMS requests), versioned, private, "
                   "TLS only, tiered to Standard-IA and Glacier, expired after ArchiveRetentionDays", 2)
    res["ArchiveBucketPolicy"] = mapping(Type="AWS::S3::BucketPolicy", Properties=mapping(
        Bucket=ref("ArchiveBucket"), PolicyDocument=mapping(Version="2012-10-17", Statement=[
            tls_only("ArchiveBucket")])))
    res["DeliveryLogs"] = log_group("StreamKey", "LogRetentionDays")
    comment_before(res, "DeliveryLogs", "Firehose writes its delivery errors here (the log "
                   "stream below must exist: only the console creates it)", 2)
    res["DeliveryLogStream"] = mapping(Type="AWS::Logs::LogStream", DeletionPolicy="Retain",
                                       UpdateReplacePolicy="Retain", Properties=mapping(
        LogGroupName=ref("DeliveryLogs"), LogStreamName="S3Delivery"))
    res["DeliveryRole"] = mapping(Type="AWS::IAM::Role", Properties=mapping(
        AssumeRolePolicyDocument=mapping(Version="2012-10-17", Statement=[mapping(
            Effect="Allow", Principal=mapping(Service="firehose.amazonaws.com"), Action="sts:AssumeRole",
            Condition=mapping(StringEquals=mapping(("sts:ExternalId", ref("AWS::AccountId")))))]),
        Policies=[mapping(PolicyName="read-stream-write-bucket", PolicyDocument=mapping(
            Version="2012-10-17", Statement=[
                mapping(Sid="ReadTheStream", Effect="Allow",
                        Action=["kinesis:DescribeStream", "kinesis:DescribeStreamSummary",
                                "kinesis:GetShardIterator", "kinesis:GetRecords", "kinesis:ListShards"],
                        Resource=get_att("Stream.Arn")),
                mapping(Sid="DecryptTheStream", Effect="Allow", Action="kms:Decrypt",
                        Resource=get_att("StreamKey.Arn"), Condition=_via("kinesis")),
                mapping(Sid="WriteTheBucket", Effect="Allow",
                        Action=["s3:AbortMultipartUpload", "s3:GetBucketLocation", "s3:GetObject",
                                "s3:ListBucket", "s3:ListBucketMultipartUploads", "s3:PutObject"],
                        Resource=[get_att("ArchiveBucket.Arn"), sub("${ArchiveBucket.Arn}/*")]),
                mapping(Sid="EncryptTheBucketsObjects", Effect="Allow",
                        Action=["kms:Decrypt", "kms:GenerateDataKey"], Resource=get_att("StreamKey.Arn"),
                        Condition=mapping(
                            StringEquals=mapping(("kms:ViaService", sub("s3.${AWS::Region}.amazonaws.com"))),
                            StringLike=mapping(("kms:EncryptionContext:aws:s3:arn", [
                                get_att("ArchiveBucket.Arn"), sub("${ArchiveBucket.Arn}/*")])))),
                mapping(Sid="LogDeliveryErrors", Effect="Allow", Action="logs:PutLogEvents",
                        Resource=sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:"
                                     "log-group:${DeliveryLogs}:log-stream:${DeliveryLogStream}")),
            ]))]))
    comment_before(res, "DeliveryRole", "Firehose's role, scoped to the stream, the key (only "
                   "through Kinesis and S3: kms:ViaService), the bucket and its log stream; "
                   "sts:ExternalId keeps other accounts' delivery streams out", 2)
    res["DeliveryStream"] = mapping(Type="AWS::KinesisFirehose::DeliveryStream", Properties=mapping(
        DeliveryStreamType="KinesisStreamAsSource",
        KinesisStreamSourceConfiguration=mapping(KinesisStreamARN=get_att("Stream.Arn"),
                                                 RoleARN=get_att("DeliveryRole.Arn")),
        ExtendedS3DestinationConfiguration=mapping(
            BucketARN=get_att("ArchiveBucket.Arn"), RoleARN=get_att("DeliveryRole.Arn"),
            Prefix="records/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/",
            ErrorOutputPrefix="errors/!{firehose:error-output-type}/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/",
            BufferingHints=mapping(IntervalInSeconds=FIREHOSE_BUFFER_SECONDS, SizeInMBs=64),
            CompressionFormat="GZIP",
            EncryptionConfiguration=mapping(KMSEncryptionConfig=mapping(AWSKMSKeyARN=get_att("StreamKey.Arn"))),
            CloudWatchLoggingOptions=mapping(Enabled=True, LogGroupName=ref("DeliveryLogs"),
                                             LogStreamName=ref("DeliveryLogStream")))))
    comment_before(res, "DeliveryStream", "Firehose reads the same stream (a second shared "
                   "consumer: 2 MB/s per shard across all of them, 002:1210; add enhanced fan-out "
                   "beyond two, 002:1213) and buffers 5 minutes or 64 MB, compressed, before "
                   "writing (000:209). A delivery stream reading Kinesis takes no key of its own (the "
                   "source stream's encryption applies); it encrypts the objects with the key.", 2)
    res["DeliveryFreshnessAlarm"] = _alarm(
        "Firehose holds a record older than 15 minutes: S3 delivery fails (see the DeliveryLogs group)",
        "AWS/Firehose", "DeliveryToS3.DataFreshness", ("DeliveryStreamName", ref("DeliveryStream")),
        "Maximum", DATA_FRESHNESS_ALARM_SECONDS)


def _outputs(options: Options) -> dict:
    out = mapping()
    out["StreamName"] = mapping(Description="Producers call PutRecord(s) on this stream",
                                Value=ref("Stream"), Export=mapping(Name=sub("${AWS::StackName}-StreamName")))
    out["StreamArn"] = mapping(Value=get_att("Stream.Arn"), Export=mapping(Name=sub("${AWS::StackName}-StreamArn")))
    out["StreamKeyArn"] = mapping(
        Description="Producers need kms:GenerateDataKey on this key (and consumers kms:Decrypt)",
        Value=get_att("StreamKey.Arn"), Export=mapping(Name=sub("${AWS::StackName}-StreamKeyArn")))
    out["TableName"] = mapping(Description="Where the processor writes each record", Value=ref("Table"))
    if options.destination == "sqs":
        out["FailedRecordsQueueUrl"] = mapping(
            Description="Batches the processor gave up on (shard, sequence numbers): read them, "
                        "then fetch the records from the stream while it keeps them",
            Value=ref("FailedRecords"))
    else:
        out["FailedRecordsTopicArn"] = mapping(
            Description="Batches the processor gave up on (shard, sequence numbers): subscribe "
                        "the team that replays them from the stream", Value=ref("FailedRecords"))
    out["AlarmTopicArn"] = mapping(Description="Subscribe the on-call address to receive the alarms",
                                   Value=ref("AlarmTopic"))
    if options.firehose:
        out["ArchiveBucketName"] = mapping(Description="Firehose writes records/YYYY/MM/DD/ here",
                                           Value=ref("ArchiveBucket"))
        out["DeliveryStreamName"] = mapping(Value=ref("DeliveryStream"))
    return out


def build(options: Options):
    options.validate()
    res = mapping()
    res["StreamKey"] = _key(options)
    comment_before(res, "StreamKey", "Customer managed key, rotated yearly (001:2433-2435), for the "
                   "stream, the table, the failed-batch "
                   + ("queue" if options.destination == "sqs" else "topic") + ", the alarm topic"
                   + (", the archive bucket" if options.firehose else "") + " and the logs. The roles "
                   "below use it only through those services (kms:ViaService); CloudWatch alarms "
                   "of this account may publish to the encrypted alarm topic", 2)
    mode = mapping(StreamMode="ON_DEMAND" if options.mode == "on-demand" else "PROVISIONED")
    stream = mapping(
        StreamModeDetails=mode,
        RetentionPeriodHours=ref("StreamRetentionHours"),
        StreamEncryption=mapping(EncryptionType="KMS", KeyId=get_att("StreamKey.Arn")))
    if options.mode == "provisioned":
        stream.insert(1, "ShardCount", ref("ShardCount"))
    res["Stream"] = mapping(Type="AWS::Kinesis::Stream", DeletionPolicy="Retain",
                            UpdateReplacePolicy="Retain", Properties=stream)
    comment_before(res, "Stream", "The stream (002:1197-1225): "
                   + ("on-demand capacity, scaled by Kinesis (001:1379-1381)"
                      if options.mode == "on-demand" else
                      "ShardCount provisioned shards; split them before producers hit "
                      "ProvisionedThroughputExceeded (002:1205, 002:1224)")
                   + "; encrypted at rest with the key (001:1385); kept on stack deletion with "
                   "its records, which stay replayable for StreamRetentionHours (002:1218-1220)", 2)
    res["Table"] = mapping(
        Type="AWS::DynamoDB::Table", DeletionPolicy="Retain", UpdateReplacePolicy="Retain",
        Properties=mapping(
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[mapping(AttributeName="partitionKey", AttributeType="S"),
                                  mapping(AttributeName="sequenceNumber", AttributeType="S")],
            KeySchema=[mapping(AttributeName="partitionKey", KeyType="HASH"),
                       mapping(AttributeName="sequenceNumber", KeyType="RANGE")],
            PointInTimeRecoverySpecification=mapping(PointInTimeRecoveryEnabled=True),
            SSESpecification=mapping(SSEEnabled=True, SSEType="KMS", KMSMasterKeyId=ref("StreamKey"))))
    comment_before(res, "Table", "One item per record, keyed by its partition key and sequence "
                   "number, so a retried batch rewrites the same items; kept on stack deletion, "
                   "with point-in-time recovery (001:1693-1695)", 2)
    if options.destination == "sqs":
        res["FailedRecords"] = mapping(Type="AWS::SQS::Queue", DeletionPolicy="Retain",
                                       UpdateReplacePolicy="Retain", Properties=mapping(
            KmsMasterKeyId=ref("StreamKey"), MessageRetentionPeriod=1209600))
        where = "a queue keeping them 14 days"
    else:
        res["FailedRecords"] = mapping(Type="AWS::SNS::Topic", Properties=mapping(
            KmsMasterKeyId=ref("StreamKey")))
        where = "a topic for the team that replays them (subscribe it: output FailedRecordsTopicArn)"
    comment_before(res, "FailedRecords", "Where the processor's failed batches are described "
                   f"(shard and sequence numbers, not the data): {where}. Read the records from "
                   "the stream while it still keeps them", 2)
    res["Processor"] = _processor(options)
    handler = res["Processor"]["Properties"]["Handler"]
    comment_before(res, "Processor", "The consumer (000:289-290, 002:1215-1217): a failing batch is "
                   f"split in two and retried at most {MAX_RETRIES} times, records older than "
                   f"{MAX_RECORD_AGE_SECONDS // 60} minutes are not retried, and both go to "
                   "FailedRecords instead of blocking the shard (003:864); the function reports "
                   "the first failed record (ReportBatchItemFailures) so the records before it "
                   "are not processed again.\nCode: `sam build` expects the folder processor/ "
                   f"beside this template with the handler {handler} ({options.runtime})", 2)
    res["ProcessorLogs"] = log_group("StreamKey", "LogRetentionDays", sub("/aws/lambda/${Processor}"))
    if options.firehose:
        _delivery(res)
    res["AlarmTopic"] = mapping(Type="AWS::SNS::Topic", Properties=mapping(KmsMasterKeyId=ref("StreamKey")))
    comment_before(res, "AlarmTopic", "Where the alarms below go: subscribe the on-call address "
                   "(output AlarmTopicArn)", 2)
    res["IteratorAgeAlarm"] = _alarm(
        f"The processor reads records more than {ITERATOR_AGE_ALARM_SECONDS // 60} minutes old: it "
        "falls behind the stream (records older than "
        f"{MAX_RECORD_AGE_SECONDS // 60} minutes go to FailedRecords)",
        "AWS/Lambda", "IteratorAge", ("FunctionName", ref("Processor")), "Maximum",
        ITERATOR_AGE_ALARM_SECONDS * 1000, periods=3)
    if options.destination == "sqs":
        res["FailedRecordsAlarm"] = _alarm(
            "The processor gave up on a batch: its description waits in the FailedRecords queue",
            "AWS/SQS", "ApproximateNumberOfMessagesVisible",
            ("QueueName", get_att("FailedRecords.QueueName")), "Maximum", 0)
    else:
        res["FailedRecordsAlarm"] = _alarm(
            "The processor gave up on a batch: its description went to the FailedRecords topic",
            "AWS/SNS", "NumberOfMessagesPublished",
            ("TopicName", get_att("FailedRecords.TopicName")), "Sum", 0)
    comment_before(res, "IteratorAgeAlarm", "Alarms: the processor falls behind, gives up on a "
                   "batch, or producers are throttled", 2)
    res["WriteThrottleAlarm"] = _alarm(
        "Producers' writes are throttled (ProvisionedThroughputExceeded): "
        + ("raise ShardCount or spread the partition keys" if options.mode == "provisioned" else
           "traffic doubled past its previous peak; spread the partition keys"),
        "AWS/Kinesis", "WriteProvisionedThroughputExceeded", ("StreamName", ref("Stream")), "Sum", 0,
        periods=3)
    groups = [("Stream", ["StreamRetentionHours"] + (["ShardCount"] if options.mode == "provisioned" else [])),
              ("Logs", ["LogRetentionDays"])]
    if options.firehose:
        groups.append(("Archive", ["ArchiveRetentionDays"]))
    template = mapping(
        AWSTemplateFormatVersion="2010-09-09",
        Transform="AWS::Serverless-2016-10-31",
        Description=f"Kinesis data stream ({options.mode}, KMS) consumed by a Lambda function "
                    f"writing to DynamoDB, failed batches to {options.destination.upper()}"
                    + (", and Firehose delivering the stream to an encrypted S3 bucket"
                       if options.firehose else "")
                    + " (generated by tmpllint new stream)",
        Metadata=interface(*groups),
        Parameters=_parameters(options),
        Globals=mapping(Function=mapping(
            Runtime=options.runtime, Timeout=FUNCTION_TIMEOUT, MemorySize=256, Tracing="Active")),
        Resources=res,
        Outputs=_outputs(options),
    )
    comment_before(template["Globals"], "Function", "The processor is traced with X-Ray", 2)
    return template
