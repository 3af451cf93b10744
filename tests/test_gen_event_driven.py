"""Issue 17 item 2: `tmpllint new event-driven` deploys and works. Every option
combination is read structurally for what decides it: the keys EventBridge, SQS, Lambda
and CloudWatch need, queue policies that admit the rule and nothing else, the input
transformer producing what the handlers read, bounded retries ending in alarmed
dead-letter queues, no event loop through the bus."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys

import pytest

from conftest import ROOT
from generated import parsed_template, policy_statements, resources_of_type, sam_transformed, statement_actions
from tmpllint.generators import event_driven, render
from tmpllint.generators.event_driven import Options

COMBINATIONS = [Options(targets=t, schema_registry=r)
                for t, r in itertools.product(event_driven.TARGETS, (False, True))]
IDS = [f"{o.targets}{'-registry' if o.schema_registry else ''}" for o in COMBINATIONS]
each = pytest.mark.parametrize("options", COMBINATIONS, ids=IDS)
BUS_ARN = {"Fn::Sub": "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/${AWS::StackName}"}


def _load(options) -> dict:
    return parsed_template("event-driven", options)


def _transformed(options) -> dict:
    return sam_transformed("event-driven", options)


def _grants(key, service) -> list:
    return [s for s in policy_statements(key["Properties"]["KeyPolicy"])
            if s["Effect"] == "Allow" and s["Principal"].get("Service") == service]


def _queues(options) -> list[str]:
    return (["DeadLetters"] + (["Queue", "QueueDeadLetters"] if options.queue else [])
            + (["EventHandlerFailures"] if options.function else []))


# -- the bus, its key and its archive -----------------------------------------------------------


@each
def test_the_bus_key_admits_eventbridge_for_this_bus_only(options):
    template = _load(options)
    bus = template["Resources"]["Bus"]["Properties"]
    assert bus["Name"] == {"Ref": "AWS::StackName"}  # the ARN the key policy spells out
    assert bus["KmsKeyIdentifier"] == {"Fn::GetAtt": ["BusKey", "Arn"]}
    grants = _grants(template["Resources"]["BusKey"], "events.amazonaws.com")
    describe = [g for g in grants if statement_actions(g) == {"kms:DescribeKey"}]
    assert len(describe) == 1 and "Condition" not in describe[0]  # DescribeKey carries no context
    (crypto,) = [g for g in grants if g not in describe]
    # the bus and the archive both need these (the archive re-encrypts)
    assert statement_actions(crypto) == {"kms:GenerateDataKey", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo"}
    assert crypto["Condition"] == {"StringEquals": {"kms:EncryptionContext:aws:events:event-bus:arn": BUS_ARN}}
    # the bus key serves nothing else: no queue, topic or log group uses it
    users = {name for name, r in template["Resources"].items() if "BusKey" in json.dumps(r.get("Properties", {}))}
    assert users == {"Bus", "Archive"}


@each
def test_the_archive_keeps_every_event_encrypted_for_the_retention_chosen(options):
    template = _load(options)
    archive = template["Resources"]["Archive"]["Properties"]
    assert archive["SourceArn"] == {"Fn::GetAtt": ["Bus", "Arn"]}
    assert archive["KmsKeyIdentifier"] == {"Fn::GetAtt": ["BusKey", "Arn"]}
    assert archive["RetentionDays"] == {"Ref": "ArchiveRetentionDays"}
    assert "EventPattern" not in archive
    assert 0 not in template["Parameters"]["ArchiveRetentionDays"]["AllowedValues"]  # 0 keeps forever


@each
def test_events_the_bus_key_cannot_decrypt_reach_a_queue_on_another_key(options):
    template = _load(options)
    resources = template["Resources"]
    assert resources["Bus"]["Properties"]["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": ["DeadLetters", "Arn"]}}
    assert resources["DeadLetters"]["Properties"]["KmsMasterKeyId"] == {"Ref": "QueueKey"}
    (policy,) = [r["Properties"] for r in resources_of_type(template, "AWS::SQS::QueuePolicy").values()
                 if r["Properties"]["Queues"] == [{"Ref": "DeadLetters"}]]
    (statement,) = policy_statements(policy["PolicyDocument"])
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": [
        {"Fn::GetAtt": ["Bus", "Arn"]}, {"Fn::GetAtt": ["Rule", "Arn"]}]}}


# -- the rule and its targets ------------------------------------------------------------------


@each
def test_every_target_gets_a_transformed_event_bounded_retries_and_the_dead_letter_queue(options):
    rule = _load(options)["Resources"]["Rule"]["Properties"]
    assert rule["EventBusName"] == {"Ref": "Bus"} and rule["State"] == "ENABLED"
    arns = [target["Arn"]["Fn::GetAtt"][0] for target in rule["Targets"]]
    assert arns == [name for name, on in (("Queue", options.queue), ("EventHandler", options.function)) if on]
    for target in rule["Targets"]:
        assert "RoleArn" not in target  # SQS and Lambda targets go by their resource policies
        assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": ["DeadLetters", "Arn"]}}
        retry = target["RetryPolicy"]
        assert 0 < retry["MaximumRetryAttempts"] < 185 and 60 <= retry["MaximumEventAgeInSeconds"] <= 86400
        transformer = target["InputTransformer"]
        paths = transformer["InputPathsMap"]
        used = re.findall(r"<([^>]+)>", transformer["InputTemplate"])
        assert sorted(used) == sorted(paths)  # every placeholder defined, every path used
        # the pattern guarantees every path exists in a matched event
        assert all(p in ("$.id", "$.time", "$.detail") or p.startswith("$.detail.orderId") for p in paths.values())
        sample = {"$.id": "e-1", "$.time": "2026-01-01T00:00:00Z", "$.detail.orderId": "o-1",
                  "$.detail": {"orderId": "o-1"}}
        body = json.loads(re.sub(r"<(\w+)>", lambda m: json.dumps(sample[paths[m.group(1)]]),
                                 transformer["InputTemplate"]))
        assert body == {"eventId": "e-1", "occurredAt": "2026-01-01T00:00:00Z", "orderId": "o-1",
                        "order": {"orderId": "o-1"}}


@each
def test_the_rule_routes_only_events_with_an_order_id_and_never_its_own_follow_up(options):
    pattern = _load(options)["Resources"]["Rule"]["Properties"]["EventPattern"]
    assert pattern["source"] == [{"Ref": "EventSource"}]
    assert pattern["detail-type"] == [event_driven.DETAIL_TYPE] != [event_driven.FOLLOW_UP_DETAIL_TYPE]
    assert pattern["detail"] == {"orderId": [{"exists": True}]}


def test_the_event_source_refuses_aws_sources():
    parameter = _load(Options())["Parameters"]["EventSource"]
    allowed = re.compile(parameter["AllowedPattern"])
    assert allowed.match(parameter["Default"])
    assert not allowed.match("aws.s3") and allowed.match("awsome.orders")


@each
def test_the_queue_admits_only_the_rule_and_feeds_its_consumer(options):
    template = _load(options)
    resources = template["Resources"]
    if not options.queue:
        assert not {"Queue", "QueuePolicy", "QueueConsumer", "QueueDeadLetters"} & set(resources)
        return
    (statement,) = policy_statements(resources["QueuePolicy"]["Properties"]["PolicyDocument"])
    assert resources["QueuePolicy"]["Properties"]["Queues"] == [{"Ref": "Queue"}]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"} and statement["Action"] == "sqs:SendMessage"
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": ["Rule", "Arn"]}}}
    queue = resources["Queue"]["Properties"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["QueueDeadLetters", "Arn"]}
    timeout = template["Globals"]["Function"]["Timeout"]
    assert queue["VisibilityTimeout"] >= 6 * timeout
    consumer = resources["QueueConsumer"]["Properties"]
    (source,) = consumer["Events"].values()
    assert source["Type"] == "SQS" and source["Properties"]["Queue"] == {"Fn::GetAtt": ["Queue", "Arn"]}
    assert source["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert {"KMSDecryptPolicy": {"KeyId": {"Ref": "QueueKey"}}} in consumer["Policies"]


@each
def test_the_function_is_invoked_by_the_rule_only_and_records_its_failures(options, monkeypatch):
    template = _load(options)
    resources = template["Resources"]
    if not options.function:
        assert not {"EventHandler", "EventHandlerPermission", "EventHandlerFailures"} & set(resources)
        return
    permission = resources["EventHandlerPermission"]["Properties"]
    assert permission["Principal"] == "events.amazonaws.com"
    assert permission["SourceArn"] == {"Fn::GetAtt": ["Rule", "Arn"]}
    assert permission["FunctionName"] == {"Ref": "EventHandler"}
    handler = resources["EventHandler"]["Properties"]
    config = handler["EventInvokeConfig"]
    assert config["DestinationConfig"]["OnFailure"] == {
        "Type": "SQS", "Destination": {"Fn::GetAtt": ["EventHandlerFailures", "Arn"]}}
    assert config["MaximumRetryAttempts"] <= 2 and config["MaximumEventAgeInSeconds"] <= 21600
    assert handler["Environment"]["Variables"] == {"EVENT_BUS_NAME": {"Ref": "Bus"},
                                                   "EVENT_SOURCE": {"Ref": "EventSource"}}
    # after the SAM transform: the role may send to the encrypted OnFailure queue and publish
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    role = _transformed(options)["Resources"]["EventHandlerRole"]["Properties"]
    granted = [s for p in role["Policies"] for s in policy_statements(p["PolicyDocument"])]
    assert any(s["Action"] == "sqs:SendMessage" and s["Resource"] == {"Fn::GetAtt": ["EventHandlerFailures", "Arn"]}
               for s in granted)
    assert any({"kms:GenerateDataKey", "kms:Decrypt"} <= statement_actions(s)
               and s["Resource"] == {"Fn::GetAtt": ["QueueKey", "Arn"]} for s in granted)
    assert any(s["Action"] == "events:PutEvents" for s in granted)
    assert not any("*" in statement_actions(s) or "kms:*" in statement_actions(s) for s in granted)


@each
def test_every_queue_is_encrypted_with_a_key_its_senders_may_use(options):
    template = _load(options)
    resources = template["Resources"]
    queues = resources_of_type(template, "AWS::SQS::Queue")
    assert sorted(queues) == sorted(_queues(options))
    for queue in queues.values():
        assert queue["Properties"]["KmsMasterKeyId"] == {"Ref": "QueueKey"}
        assert queue["DeletionPolicy"] == "Retain"
    key = resources["QueueKey"]
    (events,) = _grants(key, "events.amazonaws.com")
    assert statement_actions(events) == {"kms:GenerateDataKey", "kms:Decrypt"} and "Condition" not in events
    (alarms,) = _grants(key, "cloudwatch.amazonaws.com")
    assert alarms["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    assert resources["AlarmTopic"]["Properties"]["KmsMasterKeyId"] == {"Ref": "QueueKey"}


@each
def test_every_dead_letter_queue_alarms_and_the_queue_alarms_on_age(options):
    template = _load(options)
    watched = {(a["Properties"]["MetricName"], a["Properties"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0])
               for a in resources_of_type(template, "AWS::CloudWatch::Alarm").values()
               if a["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}]}
    expected = {("ApproximateNumberOfMessagesVisible", q) for q in _queues(options) if q != "Queue"}
    if options.queue:
        expected.add(("ApproximateAgeOfOldestMessage", "Queue"))
    assert watched == expected


@each
def test_every_function_has_its_log_group_and_the_code_comment_names_its_folder(options):
    template = _load(options)
    functions = resources_of_type(template, "AWS::Serverless::Function")
    assert sorted(functions) == sorted(n for n, on in (("QueueConsumer", options.queue),
                                                        ("EventHandler", options.function)) if on)
    groups = {r["Properties"]["LogGroupName"]["Fn::Sub"] for r in resources_of_type(template, "AWS::Logs::LogGroup").values()}
    assert groups == {f"/aws/lambda/${{{name}}}" for name in functions}
    (comment,) = [line for line in render("event-driven", options).splitlines() if line.strip().startswith("# Code:")]
    assert all(f["Properties"]["CodeUri"] in comment for f in functions.values())


@each
def test_the_schema_registry_describes_the_event_the_rule_routes(options):
    template = _load(options)
    resources = template["Resources"]
    if not options.schema_registry:
        assert not resources_of_type(template, "AWS::EventSchemas::Registry") and "SchemaRegistryName" not in template["Outputs"]
        return
    assert not resources_of_type(template, "AWS::EventSchemas::Discoverer")  # discovery needs an AWS owned key
    schema = resources["OrderPlacedSchema"]["Properties"]
    assert schema["RegistryName"] == {"Fn::GetAtt": ["SchemaRegistry", "RegistryName"]}
    assert schema["Type"] == "JSONSchemaDraft4"
    content = json.loads(schema["Content"])
    assert content["properties"]["detail-type"]["enum"] == [event_driven.DETAIL_TYPE]
    assert content["properties"]["detail"]["required"] == ["orderId"]  # what the rule's pattern demands


@each
def test_outputs_give_publishers_and_operators_what_they_need(options):
    outputs = _load(options)["Outputs"]
    assert outputs["EventBusName"]["Value"] == {"Ref": "Bus"}
    assert outputs["EventBusArn"]["Value"] == {"Fn::GetAtt": ["Bus", "Arn"]}
    assert outputs["ArchiveName"]["Value"] == {"Ref": "Archive"}
    assert outputs["AlarmTopicArn"]["Value"] == {"Ref": "AlarmTopic"}
    for queue in _queues(options):
        assert outputs[f"{queue}Url"]["Value"] == {"Ref": queue}
        assert outputs[f"{queue}Arn"]["Value"] == {"Fn::GetAtt": [queue, "Arn"]}


# -- options ---------------------------------------------------------------------------------


@pytest.mark.parametrize("runtime", [r for r in event_driven.RUNTIMES if r != "python3.12"])
def test_a_runtime_changes_only_the_runtime_and_the_handler(runtime):
    """So the lint of the python3.12 templates holds for every runtime (the matrix lints a few)."""
    for options in COMBINATIONS:
        base = render("event-driven", options).splitlines()
        other = render("event-driven", Options(options.targets, options.schema_registry, runtime)).splitlines()
        changed = [(a, b) for a, b in zip(base, other) if a != b]
        assert len(base) == len(other) and changed
        for before, after in changed:
            assert ("Runtime: python3.12" in before and runtime in after) or (
                "app.handler" in before and ("app.Handler::handleRequest" if runtime == "java21" else "app.handler")
                in after) or ("(python3.12)" in before and f"({runtime})" in after), (before, after)


def test_deprecated_and_unknown_options_are_refused():
    for options in (Options(runtime="nodejs20.x"), Options(targets="topic")):
        with pytest.raises(ValueError, match="--runtime|--targets"):
            options.validate()


def test_the_command_line_writes_the_template_of_its_options():
    def new(*args):
        return subprocess.run([sys.executable, "-m", "tmpllint", "new", "event-driven", *args], cwd=ROOT,
                              capture_output=True, text=True, timeout=60)

    done = new("--targets", "queue", "--schema-registry", "--runtime", "python3.13")
    assert done.returncode == 0, done.stderr
    assert done.stdout == render("event-driven", Options(targets="queue", schema_registry=True, runtime="python3.13"))
    refused = new("--runtime", "nodejs20.x")
    assert refused.returncode == 2 and "--runtime" in refused.stderr and "nodejs20.x" in refused.stderr


def test_the_command_offers_exactly_the_runtimes_the_pattern_accepts():
    from tmpllint.cli_new import Runtime

    assert tuple(member.value for member in Runtime) == event_driven.RUNTIMES


@each
def test_the_template_shares_no_nodes_through_yaml_aliases(options):
    """Two targets built from the same parts must still be spelled out, not aliased."""
    assert not re.search(r"[&*]id\d{3}", render("event-driven", options))
