"""Issue 17 item 2, `tmpllint new stream`: every option combination passes the gate, and
the properties that decide whether the stack deploys and works in a fresh account hold
(the key reaches every service that uses it, failing batches are bounded and kept,
Firehose's role and bucket fit what it does, alarms fire before records are skipped)."""

from __future__ import annotations

import itertools
import re

import pytest
from typer.testing import CliRunner

from conftest import FIXTURES, ROOT
from generated import parsed_template, policy_statements, resources_of_type, sam_transformed
from tmpllint import cli
from tmpllint.generators import render, stream

ALL = [stream.Options(mode=mode, firehose=firehose, destination=destination, runtime=runtime)
       for mode, firehose, destination, runtime in itertools.product(
           stream.MODES, (True, False), stream.DESTINATIONS, stream.RUNTIMES)]
#: the combinations that differ in the template's structure (the runtime only names itself)
SHAPES = [o for o in ALL if o.runtime == "python3.12"]
KEY_ARN = {"Fn::GetAtt": ["StreamKey", "Arn"]}
KEY_REF = {"Ref": "StreamKey"}


def _id(options) -> str:
    return "-".join(f"{value}" for value in vars(options).values())


def _load(options) -> dict:
    return parsed_template("stream", options)


def _list(value) -> list:
    return value if isinstance(value, list) else [value]


def _via(statement) -> set:
    services = statement.get("Condition", {}).get("StringEquals", {}).get("kms:ViaService", [])
    return {s["Fn::Sub"].split(".")[0] for s in _list(services)}


shapes = pytest.mark.parametrize("options", SHAPES, ids=[_id(o) for o in SHAPES])


@pytest.mark.parametrize("options", ALL, ids=[_id(o) for o in ALL])
def test_every_option_combination_passes_the_gate_with_zero_findings(engine, options, tmp_path):
    path = tmp_path / "template.yaml"
    path.write_text(render("stream", options))
    result = engine.lint_path(str(path))
    assert result.status == "ok", result.error
    assert [(f.rule, f.line, f.message) for f in result.findings] == []


@pytest.mark.parametrize(("field", "value"), [("mode", "serverless"), ("destination", "eventbridge"),
                                              ("runtime", "python2.7"), ("runtime", "nodejs20.x")])
def test_bad_options_are_refused(field, value):
    with pytest.raises(ValueError, match=f"--{field}"):
        stream.build(stream.Options(**{field: value}))


def test_the_command_passes_every_option_through():
    done = CliRunner().invoke(cli.app, ["new", "stream", "--mode", "provisioned", "--no-firehose",
                                        "--destination", "sns", "--runtime", "nodejs22.x"])
    assert done.exit_code == 0, done.output
    assert done.stdout == (FIXTURES / "generators" / "stream-provisioned-sns-nodejs22.x.yaml").read_text()
    bad = CliRunner().invoke(cli.app, ["new", "stream", "--mode", "serverless"])
    assert bad.exit_code == 2
    deprecated = CliRunner().invoke(cli.app, ["new", "stream", "--runtime", "nodejs20.x"])
    assert deprecated.exit_code == 2 and "Invalid value for '--runtime'" in deprecated.output


# -- the key --------------------------------------------------------------------------------------


@shapes
def test_one_key_encrypts_every_store_and_its_policy_delegates_to_iam(options):
    template = _load(options)
    res = template["Resources"]
    assert res["Stream"]["Properties"]["StreamEncryption"] == {"EncryptionType": "KMS", "KeyId": KEY_ARN}
    assert res["Table"]["Properties"]["SSESpecification"] == {
        "SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": KEY_REF}
    assert res["FailedRecords"]["Properties"]["KmsMasterKeyId"] == KEY_REF
    assert res["AlarmTopic"]["Properties"]["KmsMasterKeyId"] == KEY_REF
    groups = resources_of_type(template, "AWS::Logs::LogGroup")
    assert len(groups) == 1 + options.firehose
    assert all(g["Properties"]["KmsKeyId"] == KEY_ARN for g in groups.values())
    key = res["StreamKey"]
    assert key["Properties"]["EnableKeyRotation"] is True and key["DeletionPolicy"] == "Retain"
    by_sid = {s["Sid"]: s for s in policy_statements(key["Properties"]["KeyPolicy"])}
    # the account root statement lets the roles' IAM policies grant the key's use
    assert by_sid["AccountAdministersTheKey"]["Principal"] == {
        "AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}
    assert by_sid["CloudWatchLogsEncrypts"]["Principal"] == {"Service": {"Fn::Sub": "logs.${AWS::Region}.amazonaws.com"}}
    alarms = by_sid["AlarmsPublishToTheAlarmTopic"]
    assert alarms["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert set(alarms["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey"}
    assert alarms["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}


@shapes
def test_the_processor_uses_the_key_only_through_the_services_it_calls(options):
    policies = _load(options)["Resources"]["Processor"]["Properties"]["Policies"]
    (inline,) = [p for p in policies if "Statement" in p]
    (statement,) = policy_statements(inline)
    assert set(statement["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey"}
    assert statement["Resource"] == KEY_ARN
    # Kinesis decrypts the records it reads, DynamoDB the table, SQS/SNS the failure record
    assert _via(statement) == {"kinesis", "dynamodb", options.destination}
    assert {"DynamoDBWritePolicy": {"TableName": {"Ref": "Table"}}} in policies


# -- the consumer ---------------------------------------------------------------------------------


@shapes
def test_failing_batches_are_bisected_bounded_and_described_in_the_destination(options):
    template = _load(options)
    function = template["Resources"]["Processor"]["Properties"]
    (event,) = function["Events"].values()
    assert event["Type"] == "Kinesis"
    props = event["Properties"]
    assert props["Stream"] == {"Fn::GetAtt": ["Stream", "Arn"]}
    assert props["StartingPosition"] == "TRIM_HORIZON"
    assert props["BisectBatchOnFunctionError"] is True
    assert 0 <= props["MaximumRetryAttempts"] <= 10
    shortest_retention = template["Parameters"]["StreamRetentionHours"]["MinValue"] * 3600
    assert 60 <= props["MaximumRecordAgeInSeconds"] < shortest_retention
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    on_failure = props["DestinationConfig"]["OnFailure"]
    failed = template["Resources"]["FailedRecords"]
    if options.destination == "sqs":
        assert on_failure == {"Type": "SQS", "Destination": {"Fn::GetAtt": ["FailedRecords", "Arn"]}}
        assert failed["Type"] == "AWS::SQS::Queue"
        assert failed["Properties"]["MessageRetentionPeriod"] == 1209600
    else:
        assert on_failure == {"Type": "SNS", "Destination": {"Ref": "FailedRecords"}}
        assert failed["Type"] == "AWS::SNS::Topic"
    # the function may run as long as a batch of records takes; its timeout is explicit
    assert template["Globals"]["Function"]["Timeout"] == stream.FUNCTION_TIMEOUT
    assert function["Environment"]["Variables"] == {"TABLE_NAME": {"Ref": "Table"}}


@shapes
def test_sam_grants_the_destination_and_the_stream_reads(options):
    """What SAM adds decides whether the mapping can read and report: the Kinesis
    execution policy and the send/publish permission on the failure destination."""
    out = sam_transformed("stream", options)
    role = out["Resources"]["ProcessorRole"]["Properties"]
    assert "arn:aws:iam::aws:policy/service-role/AWSLambdaKinesisExecutionRole" in role["ManagedPolicyArns"]
    granted = [(s["Action"], s["Resource"]) for p in role["Policies"] for s in policy_statements(p["PolicyDocument"])]
    if options.destination == "sqs":
        assert ("sqs:SendMessage", {"Fn::GetAtt": ["FailedRecords", "Arn"]}) in granted
    else:
        assert ("sns:publish", {"Ref": "FailedRecords"}) in granted
    (mapping,) = resources_of_type(out, "AWS::Lambda::EventSourceMapping").values()
    assert mapping["Properties"]["EventSourceArn"] == {"Fn::GetAtt": ["Stream", "Arn"]}
    # the mapping is created after the function, and the function after its role
    assert mapping["Properties"]["FunctionName"] == {"Ref": "Processor"}
    assert out["Resources"]["Processor"]["Properties"]["Role"] == {"Fn::GetAtt": ["ProcessorRole", "Arn"]}


def test_the_handler_writes_the_keys_the_table_declares_and_reads_its_variable():
    text = (ROOT / "generators" / "project" / "files" / "processor.py").read_text()
    keys = [k["AttributeName"] for k in _load(stream.Options())["Resources"]["Table"]["Properties"]["KeySchema"]]
    assert keys == ["partitionKey", "sequenceNumber"]
    for key in keys:
        assert f'"{key}": record["{key}"]' in text
    assert 'os.environ["TABLE_NAME"]' in text


@shapes
def test_the_template_states_the_code_folder_it_expects(options):
    (comment,) = [line for line in render("stream", options).splitlines() if line.strip().startswith("# Code:")]
    assert "processor/" in comment and options.runtime in comment


# -- capacity -------------------------------------------------------------------------------------


@shapes
def test_capacity_mode_and_shard_count(options):
    template = _load(options)
    props = template["Resources"]["Stream"]["Properties"]
    throttles = template["Resources"]["WriteThrottleAlarm"]["Properties"]
    assert throttles["Dimensions"] == [{"Name": "StreamName", "Value": {"Ref": "Stream"}}]
    if options.mode == "on-demand":
        assert props["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"}
        assert "ShardCount" not in props and "ShardCount" not in template["Parameters"]
    else:
        assert props["StreamModeDetails"] == {"StreamMode": "PROVISIONED"}
        assert props["ShardCount"] == {"Ref": "ShardCount"}
        assert template["Parameters"]["ShardCount"]["MinValue"] >= 1
        assert "ShardCount" in throttles["AlarmDescription"]
    assert props["RetentionPeriodHours"] == {"Ref": "StreamRetentionHours"}
    retention = template["Parameters"]["StreamRetentionHours"]
    assert (retention["MinValue"], retention["MaxValue"]) == (24, 8760) and retention["Default"] > 24
    assert template["Resources"]["Stream"]["DeletionPolicy"] == "Retain"


# -- firehose -------------------------------------------------------------------------------------


@shapes
def test_without_firehose_nothing_of_it_remains(options):
    template = _load(options)
    kinds = {r["Type"] for r in template["Resources"].values()}
    firehose_kinds = {"AWS::KinesisFirehose::DeliveryStream", "AWS::S3::Bucket", "AWS::S3::BucketPolicy",
                      "AWS::IAM::Role", "AWS::Logs::LogStream"}
    assert (kinds & firehose_kinds == firehose_kinds) == options.firehose
    assert (kinds & firehose_kinds == set()) == (not options.firehose)
    for name in ("ArchiveRetentionDays",):
        assert (name in template["Parameters"]) == options.firehose
    for name in ("ArchiveBucketName", "DeliveryStreamName"):
        assert (name in template["Outputs"]) == options.firehose


FIREHOSE = [o for o in SHAPES if o.firehose]
firehose_shapes = pytest.mark.parametrize("options", FIREHOSE, ids=[_id(o) for o in FIREHOSE])


@firehose_shapes
def test_firehose_reads_the_stream_with_a_role_scoped_to_what_it_uses(options):
    res = _load(options)["Resources"]
    delivery = res["DeliveryStream"]["Properties"]
    role_arn = {"Fn::GetAtt": ["DeliveryRole", "Arn"]}
    assert delivery["DeliveryStreamType"] == "KinesisStreamAsSource"
    assert delivery["KinesisStreamSourceConfiguration"] == {
        "KinesisStreamARN": {"Fn::GetAtt": ["Stream", "Arn"]}, "RoleARN": role_arn}
    # a delivery stream reading Kinesis takes no key of its own (the API refuses one)
    assert "DeliveryStreamEncryptionConfigurationInput" not in delivery
    s3 = delivery["ExtendedS3DestinationConfiguration"]
    assert s3["RoleARN"] == role_arn and s3["BucketARN"] == {"Fn::GetAtt": ["ArchiveBucket", "Arn"]}
    assert s3["EncryptionConfiguration"] == {"KMSEncryptionConfig": {"AWSKMSKeyARN": KEY_ARN}}
    # Firehose refuses a Prefix with expressions unless ErrorOutputPrefix is set
    assert "!{timestamp:" in s3["Prefix"] and "!{firehose:error-output-type}" in s3["ErrorOutputPrefix"]
    role = res["DeliveryRole"]["Properties"]
    (trust,) = policy_statements(role["AssumeRolePolicyDocument"])
    assert trust["Principal"] == {"Service": "firehose.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"sts:ExternalId": {"Ref": "AWS::AccountId"}}}
    # inline: the permissions exist when the role does, before the delivery stream is created
    assert not resources_of_type({"Resources": res}, "AWS::IAM::Policy")
    (policy,) = role["Policies"]
    by_sid = {s["Sid"]: s for s in policy_statements(policy["PolicyDocument"])}
    bucket = [{"Fn::GetAtt": ["ArchiveBucket", "Arn"]}, {"Fn::Sub": "${ArchiveBucket.Arn}/*"}]
    assert by_sid["ReadTheStream"]["Resource"] == {"Fn::GetAtt": ["Stream", "Arn"]}
    assert {"kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream",
            "kinesis:ListShards"} <= set(by_sid["ReadTheStream"]["Action"])
    assert by_sid["DecryptTheStream"]["Resource"] == KEY_ARN and _via(by_sid["DecryptTheStream"]) == {"kinesis"}
    assert by_sid["WriteTheBucket"]["Resource"] == bucket and "s3:PutObject" in by_sid["WriteTheBucket"]["Action"]
    objects = by_sid["EncryptTheBucketsObjects"]
    assert set(objects["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey"} and objects["Resource"] == KEY_ARN
    assert objects["Condition"]["StringEquals"]["kms:ViaService"] == {"Fn::Sub": "s3.${AWS::Region}.amazonaws.com"}
    # with S3 Bucket Key the encryption context is the bucket's ARN, without it the object's
    assert objects["Condition"]["StringLike"]["kms:EncryptionContext:aws:s3:arn"] == bucket
    assert "${DeliveryLogs}:log-stream:${DeliveryLogStream}" in by_sid["LogDeliveryErrors"]["Resource"]["Fn::Sub"]
    resources = [r for s in by_sid.values() for r in _list(s["Resource"])]
    assert "*" not in resources


@firehose_shapes
def test_firehose_logs_to_a_log_stream_that_exists(options):
    res = _load(options)["Resources"]
    logging = res["DeliveryStream"]["Properties"]["ExtendedS3DestinationConfiguration"]["CloudWatchLoggingOptions"]
    assert logging == {"Enabled": True, "LogGroupName": {"Ref": "DeliveryLogs"},
                       "LogStreamName": {"Ref": "DeliveryLogStream"}}
    assert res["DeliveryLogStream"]["Properties"]["LogGroupName"] == {"Ref": "DeliveryLogs"}


@firehose_shapes
def test_archive_bucket_is_encrypted_versioned_tls_only_tiered_and_logged(options):
    template = _load(options)
    res = template["Resources"]
    bucket = res["ArchiveBucket"]["Properties"]
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule == {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY_ARN},
                    "BucketKeyEnabled": True}
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    (deny,) = [s for s in policy_statements(res["ArchiveBucketPolicy"]["Properties"]["PolicyDocument"])
               if s["Effect"] == "Deny"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Resource"] == [{"Fn::GetAtt": ["ArchiveBucket", "Arn"]}, {"Fn::Sub": "${ArchiveBucket.Arn}/*"}]
    (lifecycle,) = bucket["LifecycleConfiguration"]["Rules"]
    last_transition = max(t["TransitionInDays"] for t in lifecycle["Transitions"])
    assert lifecycle["ExpirationInDays"] == {"Ref": "ArchiveRetentionDays"}
    # S3 refuses an expiration that is not after the rule's transitions
    assert min(template["Parameters"]["ArchiveRetentionDays"]["AllowedValues"]) > last_transition
    assert "NoncurrentVersionExpiration" in lifecycle and "AbortIncompleteMultipartUpload" in lifecycle
    logging = bucket["LoggingConfiguration"]
    assert logging["DestinationBucketName"] == {"Ref": "AccessLogBucket"}
    logs = res["AccessLogBucket"]["Properties"]
    # S3 server access logs are delivered only to a bucket with SSE-S3 (no KMS default)
    assert "BucketEncryption" not in logs
    assert logs["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    (grant,) = [s for s in policy_statements(res["AccessLogBucketPolicy"]["Properties"]["PolicyDocument"])
                if s["Effect"] == "Allow"]
    assert grant["Principal"] == {"Service": "logging.s3.amazonaws.com"} and grant["Action"] == "s3:PutObject"
    assert grant["Resource"] == {"Fn::Sub": "${AccessLogBucket.Arn}/" + logging["LogFilePrefix"] + "*"}
    assert grant["Condition"]["ArnLike"] == {"aws:SourceArn": {"Fn::GetAtt": ["ArchiveBucket", "Arn"]}}
    for name in ("ArchiveBucket", "AccessLogBucket"):
        assert res[name]["DeletionPolicy"] == "Retain"


# -- alarms and outputs ---------------------------------------------------------------------------


@shapes
def test_alarms_fire_before_records_are_skipped_and_watch_the_destination(options):
    template = _load(options)
    alarms = resources_of_type(template, "AWS::CloudWatch::Alarm")
    expected = {"IteratorAgeAlarm", "FailedRecordsAlarm", "WriteThrottleAlarm"}
    assert set(alarms) == expected | ({"DeliveryFreshnessAlarm"} if options.firehose else set())
    assert all(a["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}] for a in alarms.values())
    age = alarms["IteratorAgeAlarm"]["Properties"]
    assert (age["Namespace"], age["MetricName"]) == ("AWS/Lambda", "IteratorAge")
    assert age["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": "Processor"}}]
    (event,) = template["Resources"]["Processor"]["Properties"]["Events"].values()
    assert age["Threshold"] < event["Properties"]["MaximumRecordAgeInSeconds"] * 1000  # milliseconds
    failed = alarms["FailedRecordsAlarm"]["Properties"]
    if options.destination == "sqs":
        assert (failed["Namespace"], failed["MetricName"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
        assert failed["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["FailedRecords", "QueueName"]}}]
    else:
        assert (failed["Namespace"], failed["MetricName"]) == ("AWS/SNS", "NumberOfMessagesPublished")
        assert failed["Dimensions"] == [{"Name": "TopicName", "Value": {"Fn::GetAtt": ["FailedRecords", "TopicName"]}}]
    assert failed["Threshold"] == 0 and failed["ComparisonOperator"] == "GreaterThanThreshold"
    if options.firehose:
        fresh = alarms["DeliveryFreshnessAlarm"]["Properties"]
        assert fresh["MetricName"] == "DeliveryToS3.DataFreshness"
        assert fresh["Threshold"] > stream.FIREHOSE_BUFFER_SECONDS


@shapes
def test_producers_and_operators_get_what_they_need_from_the_outputs(options):
    outputs = _load(options)["Outputs"]
    assert outputs["StreamName"]["Value"] == {"Ref": "Stream"}
    assert outputs["StreamArn"]["Value"] == {"Fn::GetAtt": ["Stream", "Arn"]}
    assert outputs["StreamKeyArn"]["Value"] == KEY_ARN
    assert outputs["AlarmTopicArn"]["Value"] == {"Ref": "AlarmTopic"}
    destination = "FailedRecordsQueueUrl" if options.destination == "sqs" else "FailedRecordsTopicArn"
    assert outputs[destination]["Value"] == {"Ref": "FailedRecords"}


@shapes
def test_no_yaml_aliases(options):
    assert not re.search(r"[&*]id\d{3}", render("stream", options))


def test_on_a_terminal_the_options_are_asked_in_order(monkeypatch):
    from tmpllint import prompts

    monkeypatch.setattr(prompts, "interactive", lambda: True)
    done = CliRunner().invoke(cli.app, ["new", "stream"], input="provisioned\nn\nsns\npython3.13\n")
    assert done.exit_code == 0, done.output
    asked = re.findall(r"(--[a-z-]+) \(", done.stderr)
    assert asked == ["--mode", "--firehose", "--destination", "--runtime"]
    template = render("stream", stream.Options(mode="provisioned", firehose=False, destination="sns",
                                               runtime="python3.13"))
    assert done.stdout.endswith(template)
