"""`tmpllint new workflow` (issue 17 item 2): every option combination passes the gate,
and the properties that decide whether the state machine deploys and works hold: the
definition is a closed graph whose every task retries and catches into the dead-letter
queue, each ${...} has its substitution, the execution role can do what the definition
does (and the key lets it), Standard and Express get the timeouts and logging their
limits call for, and every way an execution can end badly reaches the queue or an alarm.
"""

from __future__ import annotations

import itertools
import re

import pytest

from generated import parsed_template, policy_statements, sam_transformed, statement_actions
from tmpllint.generators import render, workflow

COMBINATIONS = [workflow.Options(type=kind, trigger=trigger, runtime=runtime)
                for kind, trigger, runtime in itertools.product(workflow.TYPES, workflow.TRIGGERS, workflow.RUNTIMES)]
SOME = [o for o in COMBINATIONS if o.runtime in ("python3.12", "java21")]
LOG_DELIVERY = {"logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery",
                "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy",
                "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"}


def _id(options) -> str:
    return "-".join(str(v) for v in vars(options).values())


def _each(combinations):
    return pytest.mark.parametrize("options", combinations, ids=[_id(o) for o in combinations])


def _load(options) -> dict:
    return parsed_template("workflow", options)


def _machine(template) -> dict:
    return template["Resources"]["Workflow"]["Properties"]


def _transformed(options) -> dict:
    return sam_transformed("workflow", options)


@_each(COMBINATIONS)
def test_every_combination_passes_the_gate_with_zero_findings(engine, options, tmp_path):
    path = tmp_path / "workflow.yaml"
    path.write_text(render("workflow", options))
    result = engine.lint_path(str(path))
    assert result.status == "ok", result.error
    assert [(f.rule, f.line, f.message) for f in result.findings] == []


def test_bad_options_are_refused():
    for bad in (dict(type="EXPRESS"), dict(trigger="api"), dict(runtime="python2.7")):
        with pytest.raises(ValueError, match="must be one of"):
            workflow.build(workflow.Options(**bad))


@_each(SOME)
def test_the_definition_is_a_closed_graph_where_every_task_retries_and_catches(options):
    definition = _machine(_load(options))["Definition"]
    states = definition["States"]
    assert definition["StartAt"] == "Validate"
    tasks = {name: s for name, s in states.items() if s["Type"] == "Task"}
    assert set(tasks) == {"Validate", "Process", "Notify", "RecordFailure"}
    for name, state in tasks.items():
        assert state["Retry"] and state["Catch"], name
        assert all(r["MaxAttempts"] >= 1 and r["BackoffRate"] >= 1 for r in state["Retry"]), name
        (catch,) = state["Catch"]
        assert catch["ErrorEquals"] == ["States.ALL"]
        assert catch["Next"] == ("Failed" if name == "RecordFailure" else "RecordFailure")
        assert catch["ResultPath"].startswith("$.")  # the input is kept beside the error
        assert state["TimeoutSeconds"] > 0
    # every transition lands on a state, every state is reached, the graph ends in Fail or End
    reached, todo = set(), ["Validate"]
    while todo:
        name = todo.pop()
        if name in reached:
            continue
        reached.add(name)
        state = states[name]
        targets = [state.get("Next")] + [c["Next"] for c in state.get("Catch", [])]
        todo += [t for t in targets if t]
        assert state.get("End") or state.get("Next") or state["Type"] == "Fail", name
    assert reached == set(states)
    assert states["Failed"]["Type"] == "Fail"
    # Validate's own errors are never retried; the later steps retry their failures
    retried = {name: {e for r in s["Retry"] for e in r["ErrorEquals"]} for name, s in tasks.items()}
    assert "States.TaskFailed" not in retried["Validate"] and "States.ALL" not in retried["Validate"]
    assert {"States.TaskFailed", "Lambda.TooManyRequestsException"} <= retried["Process"] & retried["Notify"]


@_each(SOME)
def test_every_placeholder_has_its_substitution_and_the_lambda_steps_outlive_their_functions(options):
    template = _load(options)
    machine = _machine(template)
    text = repr(machine["Definition"])
    used = set(re.findall(r"\$\{(\w+)\}", text))
    assert used == set(machine["DefinitionSubstitutions"])
    for function in ("Validate", "Process", "Notify"):
        assert machine["DefinitionSubstitutions"][f"{function}Function"] == {"Fn::GetAtt": [function, "Arn"]}
        state = machine["Definition"]["States"][function]
        assert state["Resource"] == "arn:aws:states:::lambda:invoke"
        assert state["TimeoutSeconds"] > template["Globals"]["Function"]["Timeout"]
    assert machine["DefinitionSubstitutions"]["DeadLetterQueueUrl"] == {"Ref": "FailedExecutions"}
    record = machine["Definition"]["States"]["RecordFailure"]
    assert record["Resource"] == "arn:aws:states:::sqs:sendMessage"
    assert record["Parameters"]["QueueUrl"] == "${DeadLetterQueueUrl}"


@_each(SOME)
def test_the_execution_role_can_do_what_the_definition_does(options):
    template = _load(options)
    policies = _machine(template)["Policies"]
    invoked = {p["LambdaInvokePolicy"]["FunctionName"]["Ref"] for p in policies if "LambdaInvokePolicy" in p}
    assert invoked == {"Validate", "Process", "Notify"}
    (send,) = [p["SQSSendMessagePolicy"] for p in policies if "SQSSendMessagePolicy" in p]
    assert send["QueueName"] == {"Fn::GetAtt": ["FailedExecutions", "QueueName"]}
    statements = [s for p in policies if "Statement" in p for s in policy_statements(p)]
    # the queue is encrypted with the workflow key: sending needs GenerateDataKey and Decrypt
    assert template["Resources"]["FailedExecutions"]["Properties"]["KmsMasterKeyId"] == {"Ref": "WorkflowKey"}
    assert any(statement_actions(s) == {"kms:GenerateDataKey", "kms:Decrypt"}
               and s["Resource"] == {"Fn::GetAtt": ["WorkflowKey", "Arn"]} for s in statements)
    # logging to CloudWatch Logs needs the log-delivery actions (SAM does not add them)
    assert any(statement_actions(s) == LOG_DELIVERY and s["Resource"] == "*" for s in statements)
    assert _machine(template)["Tracing"] == {"Enabled": True}
    transformed = _transformed(options)
    role = transformed["Resources"]["WorkflowRole"]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": ["states.amazonaws.com"]}
    assert any("AWSXrayWriteOnlyAccess" in str(arn) for arn in role["ManagedPolicyArns"])
    machine = transformed["Resources"]["Workflow"]
    assert machine["Type"] == "AWS::StepFunctions::StateMachine"
    assert machine["Properties"]["TracingConfiguration"] == {"Enabled": True}


@_each(SOME)
def test_type_decides_timeout_and_logging(options):
    template = _load(options)
    machine = _machine(template)
    logging = machine["Logging"]
    assert machine["Type"] == options.type.upper()
    assert logging["Destinations"] == [{"CloudWatchLogsLogGroup": {"LogGroupArn": {"Fn::GetAtt": ["WorkflowLogs", "Arn"]}}}]
    name = template["Resources"]["WorkflowLogs"]["Properties"]["LogGroupName"]["Fn::Join"][1]
    assert name[0] == "/aws/vendedlogs/states/"
    assert template["Resources"]["WorkflowLogs"]["Properties"]["KmsKeyId"] == {"Fn::GetAtt": ["WorkflowKey", "Arn"]}
    timeout = machine["Definition"]["TimeoutSeconds"]
    if options.type == "express":
        assert timeout <= 300  # Express's limit: longer executions are stopped by the service
        assert logging["Level"] == "ALL" and logging["IncludeExecutionData"] is True
    else:
        assert timeout == 3600
        assert logging["Level"] == "ERROR" and logging["IncludeExecutionData"] is False


@_each(SOME)
def test_every_bad_ending_reaches_the_queue_or_an_alarm(options):
    template = _load(options)
    resources = template["Resources"]
    rules = {n: r for n, r in resources.items() if r["Type"] == "AWS::Events::Rule"}
    policy = resources.get("FailedExecutionsPolicy", {}).get("Properties", {}).get("PolicyDocument")
    allowed = {s["Condition"]["ArnEquals"]["aws:SourceArn"]["Fn::GetAtt"][0] for s in policy_statements(policy)} \
        if policy else set()
    for statement in policy_statements(policy) if policy else []:
        assert statement["Principal"] == {"Service": "events.amazonaws.com"}
        assert statement["Action"] == "sqs:SendMessage"
        assert statement["Resource"] == {"Fn::GetAtt": ["FailedExecutions", "Arn"]}
    expected = set()
    if options.type == "standard":  # Express workflows send no status events
        (rule,) = rules.values()
        pattern = rule["Properties"]["EventPattern"]
        assert pattern["detail-type"] == ["Step Functions Execution Status Change"]
        assert sorted(pattern["detail"]["status"]) == ["ABORTED", "TIMED_OUT"]
        assert pattern["detail"]["stateMachineArn"] == [{"Ref": "Workflow"}]
        assert rule["Properties"]["Targets"][0]["Arn"] == {"Fn::GetAtt": ["FailedExecutions", "Arn"]}
        expected.add("ExecutionsEndedUncaught")
    else:
        assert rules == {}
    if options.trigger == "schedule":
        event = _machine(template)["Events"]["Schedule"]["Properties"]
        assert event["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": ["FailedExecutions", "Arn"]}}
        assert "Input" not in event  # the scheduled event's id is new each run: Validate accepts it
        expected.add("WorkflowSchedule")
        # the queue policy names the rule SAM writes for the event
        transformed = _transformed(options)
        assert transformed["Resources"]["WorkflowSchedule"]["Type"] == "AWS::Events::Rule"
        (target,) = transformed["Resources"]["WorkflowSchedule"]["Properties"]["Targets"]
        assert target["Arn"] == {"Ref": "Workflow"}
    else:
        assert "Events" not in _machine(template)
    assert allowed == expected
    alarms = {(a["Properties"]["Namespace"], a["Properties"]["MetricName"]): a["Properties"]
              for a in resources.values() if a["Type"] == "AWS::CloudWatch::Alarm"}
    assert set(alarms) == {("AWS/States", "ExecutionsFailed"), ("AWS/States", "ExecutionsTimedOut"),
                           ("AWS/SQS", "ApproximateNumberOfMessagesVisible")}
    for (namespace, _), alarm in alarms.items():
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}] and alarm["Threshold"] == 0
        value = alarm["Dimensions"][0]["Value"]
        assert value == ({"Ref": "Workflow"} if namespace == "AWS/States"
                         else {"Fn::GetAtt": ["FailedExecutions", "QueueName"]})


@_each(SOME)
def test_the_key_admits_the_services_that_write_with_it(options):
    resources = _load(options)["Resources"]
    statements = policy_statements(resources["WorkflowKey"]["Properties"]["KeyPolicy"])
    by_service = {}
    for statement in statements:
        service = statement["Principal"].get("Service")
        if isinstance(service, str):
            by_service[service] = statement
    # EventBridge's KMS requests for an encrypted target carry no aws:SourceAccount
    assert {"kms:GenerateDataKey", "kms:Decrypt"} <= statement_actions(by_service["events.amazonaws.com"])
    assert "Condition" not in by_service["events.amazonaws.com"]
    alarms = by_service["cloudwatch.amazonaws.com"]
    assert alarms["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    assert any(s["Sid"] == "CloudWatchLogsEncrypts" for s in statements)
    for name in ("FailedExecutions", "NotificationTopic", "AlarmTopic"):
        key = resources[name]["Properties"].get("KmsMasterKeyId")
        assert key == {"Ref": "WorkflowKey"}, name
    assert resources["WorkflowKey"]["Properties"]["EnableKeyRotation"] is True


@_each(SOME)
def test_notify_publishes_to_the_topic_it_is_given(options):
    notify = _load(options)["Resources"]["Notify"]["Properties"]
    assert notify["Environment"]["Variables"] == {"TOPIC_ARN": {"Ref": "NotificationTopic"}}
    policies = notify["Policies"]
    assert {"SNSPublishMessagePolicy": {"TopicName": {"Fn::GetAtt": ["NotificationTopic", "TopicName"]}}} in policies
    assert any(s["Resource"] == {"Fn::GetAtt": ["WorkflowKey", "Arn"]} and "kms:GenerateDataKey" in statement_actions(s)
               for p in policies if "Statement" in p for s in policy_statements(p))


@_each(SOME)
def test_the_template_states_the_code_folders_and_the_functions_log_to_kept_groups(options):
    text = render("workflow", options)
    resources = _load(options)["Resources"]
    (comment,) = [line for line in text.splitlines() if line.strip().startswith("# Code:")]
    for function, folder, _ in workflow.STEPS:
        assert resources[function]["Properties"]["CodeUri"] == f"{folder}/"
        assert f"{folder}/" in comment
        group = resources[f"{function}Logs"]["Properties"]
        assert group["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/${{{function}}}"}
    handler = "app.Handler::handleRequest" if options.runtime == "java21" else "app.handler"
    assert {resources[f]["Properties"]["Handler"] for f, _, _ in workflow.STEPS} == {handler}
    assert not re.search(r"[&*]id\d{3}", text)  # no YAML anchors


def test_the_validate_handler_raises_the_error_the_definition_does_not_retry():
    """The project's Validate raises `ValidationError` (Lambda's error name is the class
    name), which no Retry of the Validate state names."""
    from tmpllint.generators.project import handlers

    source = handlers.data("workflow_validate.py")
    assert "class ValidationError(Exception)" in source
    states = workflow.definition(workflow.Options())["States"]
    assert all("ValidationError" not in r["ErrorEquals"] for r in states["Validate"]["Retry"])


def test_the_command_offers_exactly_the_generator_s_choices():
    from tmpllint.cli_new import Runtime, WorkflowTrigger, WorkflowType

    assert tuple(r.value for r in Runtime) == workflow.RUNTIMES
    assert tuple(t.value for t in WorkflowType) == workflow.TYPES
    assert tuple(t.value for t in WorkflowTrigger) == workflow.TRIGGERS
