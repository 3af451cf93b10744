"""`tmpllint new workflow`: a Step Functions state machine (Standard or Express) of
Lambda tasks, with Retry and Catch on every task, failed executions kept in a
dead-letter queue, logs, X-Ray tracing and alarms (SAM).

Notes: 000:395-404 and 002:1604-1610 (Standard vs Express: duration, semantics,
visibility), 002:1602 and 003:1322-1323 (retry and catch; one error fails the whole
execution otherwise), 004:1627-1660 and 001:1728-1732 (orchestrating Lambda functions:
register -> verification -> report).
"""

from __future__ import annotations

from dataclasses import dataclass

from tmpllint.generators.blocks import LAMBDA_RUNTIMES, customer_key, interface, log_group, retention_parameter
from tmpllint.yamlio import _sequence, comment_before, get_att, join, mapping, ref, select, sub

NAME = "workflow"
SUMMARY = ("Step Functions state machine (standard or express) of Lambda tasks with Retry/Catch, "
           "a dead-letter queue, logs and tracing")
SEEDS = ("000:395-404", "002:1602-1610", "003:1322-1335", "004:1627-1660")
RUNTIMES = LAMBDA_RUNTIMES
TYPES = ("standard", "express")
TRIGGERS = ("none", "schedule")
FUNCTION_TIMEOUT = 30
#: The whole execution's limit: Express workflows stop at 5 minutes (000:401, 003:1332);
#: a Standard one could run a year (003:1327), which nobody wants by accident.
EXECUTION_TIMEOUT = {"standard": 3600, "express": 300}
#: Each Lambda task's limit: a little above the function's own timeout.
TASK_TIMEOUT = FUNCTION_TIMEOUT + 10
#: (logical id, code folder, what it does) of the Lambda tasks, in execution order.
STEPS = (
    ("Validate", "validate", "checks the input; raises ValidationError, which is not retried"),
    ("Process", "process", "does the work"),
    ("Notify", "notify", "publishes the result to the notification topic"),
)
#: Lambda's transient errors, retried with backoff on every task (the Step Functions
#: documentation's recommendation for Lambda invocations).
LAMBDA_TRANSIENT = ["Lambda.ServiceException", "Lambda.AWSLambdaException",
                    "Lambda.SdkClientException", "Lambda.TooManyRequestsException"]
#: Step Functions' service events for a Standard execution that ends without its Catch
#: running (a Catch cannot see the execution's own timeout or a StopExecution).
UNCAUGHT_STATUSES = ["TIMED_OUT", "ABORTED"]


@dataclass(frozen=True)
class Options:
    type: str = "standard"
    trigger: str = "none"
    runtime: str = "python3.12"

    def validate(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"--type must be one of {', '.join(TYPES)}")
        if self.trigger not in TRIGGERS:
            raise ValueError(f"--trigger must be one of {', '.join(TRIGGERS)}")
        if self.runtime not in RUNTIMES:
            raise ValueError(f"--runtime must be one of {', '.join(RUNTIMES)}")


def _retry_and_catch(state: dict, retry: list) -> dict:
    state["Retry"] = retry
    state["Catch"] = [mapping(ErrorEquals=["States.ALL"], ResultPath="$.error", Next="RecordFailure")]
    return state


def _lambda_task(function: str, following: str | None) -> dict:
    state = mapping(
        Type="Task", Resource="arn:aws:states:::lambda:invoke",
        Parameters=mapping(FunctionName=f"${{{function}Function}}", **{"Payload.$": "$"}),
        OutputPath="$.Payload", TimeoutSeconds=TASK_TIMEOUT)
    if following:
        state["Next"] = following
    else:
        state["End"] = True
    retry = [mapping(ErrorEquals=list(LAMBDA_TRANSIENT), IntervalSeconds=2, MaxAttempts=6,
                     BackoffRate=2, JitterStrategy="FULL")]
    if function != "Validate":  # bad input stays bad: only the later steps retry their own failures
        retry.append(mapping(ErrorEquals=["States.TaskFailed", "States.Timeout"], IntervalSeconds=5,
                             MaxAttempts=2, BackoffRate=2))
    return _retry_and_catch(state, retry)


def definition(options: Options) -> dict:
    """The Amazon States Language definition: the Lambda steps in order, each failure
    caught and sent to the dead-letter queue before the execution fails."""
    states = mapping()
    for index, (function, _, _) in enumerate(STEPS):
        following = STEPS[index + 1][0] if index + 1 < len(STEPS) else None
        states[function] = _lambda_task(function, following)
    states["RecordFailure"] = mapping(
        Type="Task", Resource="arn:aws:states:::sqs:sendMessage",
        Comment="Keeps the failed execution's input and error in the dead-letter queue for a replay",
        Parameters=mapping(QueueUrl="${DeadLetterQueueUrl}", **{
            "MessageBody": mapping(**{"execution.$": "$$.Execution.Id", "input.$": "$$.Execution.Input",
                                      "error.$": "$.error"})}),
        ResultPath="$.failureRecord", TimeoutSeconds=30,
        Retry=[mapping(ErrorEquals=["States.ALL"], IntervalSeconds=2, MaxAttempts=5, BackoffRate=2,
                       JitterStrategy="FULL")],
        Catch=[mapping(ErrorEquals=["States.ALL"], ResultPath="$.recordError", Next="Failed")],
        Next="Failed")
    states["Failed"] = mapping(Type="Fail", Error="WorkflowFailed",
                               Cause="A step failed; its input and error are in the dead-letter queue")
    return mapping(
        Comment=f"{' -> '.join(s[0] for s in STEPS)} ({options.type}); every task retries and "
                "catches (002:1602, 003:1322-1323)",
        StartAt=STEPS[0][0], TimeoutSeconds=EXECUTION_TIMEOUT[options.type], States=states)


def _key_statements() -> list:
    def same_account():
        return mapping(StringEquals=mapping(("aws:SourceAccount", ref("AWS::AccountId"))))

    return [mapping(
        # EventBridge (the schedule's dead letters, Standard status events) writes to the
        # encrypted queue; its KMS requests do not carry aws:SourceAccount, so the queue
        # policy (aws:SourceArn) decides which rule may send.
        Sid="EventBridgeSendsToQueues", Effect="Allow", Principal=mapping(Service="events.amazonaws.com"),
        Action=["kms:Decrypt", "kms:GenerateDataKey"], Resource="*"), mapping(
        Sid="AlarmsPublishToTopics", Effect="Allow", Principal=mapping(Service="cloudwatch.amazonaws.com"),
        Action=["kms:Decrypt", "kms:GenerateDataKey"], Resource="*", Condition=same_account())]


def _key_use(*actions: str) -> dict:
    """A policy statement using the workflow key (SAM's KMS templates have Decrypt only)."""
    return mapping(Statement=[mapping(Effect="Allow", Action=list(actions), Resource=get_att("WorkflowKey.Arn"))])


def _alarm(description: str, namespace: str, metric: str, dimension: tuple[str, object],
           statistic: str = "Sum") -> dict:
    return mapping(Type="AWS::CloudWatch::Alarm", Properties=mapping(
        AlarmDescription=description, Namespace=namespace, MetricName=metric,
        Dimensions=[mapping(Name=dimension[0], Value=dimension[1])],
        Statistic=statistic, Period=300, EvaluationPeriods=1, Threshold=0,
        ComparisonOperator="GreaterThanThreshold", TreatMissingData="notBreaching",
        AlarmActions=[ref("AlarmTopic")]))


def _queue_policy(statements: list) -> dict:
    return mapping(Type="AWS::SQS::QueuePolicy", Properties=mapping(
        Queues=[ref("FailedExecutions")],
        PolicyDocument=mapping(Version="2012-10-17", Statement=statements)))


def _events_may_send(sid: str, source) -> dict:
    return mapping(Sid=sid, Effect="Allow", Principal=mapping(Service="events.amazonaws.com"),
                   Action="sqs:SendMessage", Resource=get_att("FailedExecutions.Arn"),
                   Condition=mapping(ArnEquals=mapping(("aws:SourceArn", source))))


def _state_machine(options: Options) -> dict:
    express = options.type == "express"
    properties = mapping(
        Type=options.type.upper(),
        Definition=definition(options),
        DefinitionSubstitutions=mapping(
            **{f"{function}Function": get_att(f"{function}.Arn") for function, _, _ in STEPS},
            DeadLetterQueueUrl=ref("FailedExecutions")),
        # Express keeps no execution history: every event with its data goes to the log
        # (I9707, 002:1608-1610); Standard keeps 90 days of history, so errors suffice.
        Logging=mapping(Level="ALL" if express else "ERROR", IncludeExecutionData=express,
                        Destinations=[mapping(CloudWatchLogsLogGroup=mapping(
                            LogGroupArn=get_att("WorkflowLogs.Arn")))]),
        Tracing=mapping(Enabled=True),
        Policies=[mapping(LambdaInvokePolicy=mapping(FunctionName=ref(function))) for function, _, _ in STEPS]
        + [mapping(SQSSendMessagePolicy=mapping(QueueName=get_att("FailedExecutions.QueueName"))),
           _key_use("kms:GenerateDataKey", "kms:Decrypt"),
           # Log delivery to CloudWatch Logs: these actions take no resource ARN (the
           # Step Functions logging documentation's policy)
           mapping(Statement=[mapping(Effect="Allow", Action=[
               "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery",
               "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy",
               "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"], Resource="*")])])
    if options.trigger == "schedule":
        properties["Events"] = mapping(Schedule=mapping(Type="Schedule", Properties=mapping(
            Schedule=ref("ScheduleExpression"), Enabled=True,
            RetryPolicy=mapping(MaximumRetryAttempts=5, MaximumEventAgeInSeconds=3600),
            DeadLetterConfig=mapping(Arn=get_att("FailedExecutions.Arn")))))
    machine = mapping(Type="AWS::Serverless::StateMachine", Properties=properties)
    if options.trigger == "schedule":
        comment_before(properties["Events"], "Schedule", "Each run's input is EventBridge's scheduled "
                       "event, whose id is new every time; a start EventBridge cannot make\n"
                       "is retried for an hour, then kept in the dead-letter queue", 8)
    return machine


def _outputs(options: Options) -> dict:
    out = mapping(
        StateMachineArn=mapping(Description="Start executions here (states:StartExecution"
                                + (", or StartSyncExecution" if options.type == "express" else "") + ")",
                                Value=ref("Workflow"), Export=mapping(Name=sub("${AWS::StackName}-StateMachineArn"))),
        FailedExecutionsUrl=mapping(Description="Dead-letter queue: the input and error of every failed execution",
                                    Value=ref("FailedExecutions")),
        FailedExecutionsArn=mapping(Description="ARN of the dead-letter queue", Value=get_att("FailedExecutions.Arn")),
        NotificationTopicArn=mapping(Description="Subscribe consumers of the workflow's results",
                                     Value=ref("NotificationTopic")),
        AlarmTopicArn=mapping(Description="Subscribe the on-call address to receive the workflow's alarms",
                              Value=ref("AlarmTopic")),
        WorkflowKeyArn=mapping(Description="Readers of the dead-letter queue need kms:Decrypt on this key, "
                                           "other publishers to the topics kms:GenerateDataKey too",
                               Value=get_att("WorkflowKey.Arn")),
        LogGroupName=mapping(Description="The state machine's execution log", Value=ref("WorkflowLogs")),
    )
    return out


def build(options: Options):
    options.validate()
    express = options.type == "express"
    res = mapping()
    res["WorkflowKey"] = customer_key("${AWS::StackName} workflow queue, topics and logs", _key_statements())
    comment_before(res, "WorkflowKey", "Customer managed key, rotated yearly (001:2433-2435): the "
                   "dead-letter queue, the topics and every log group", 2)
    res["FailedExecutions"] = mapping(
        Type="AWS::SQS::Queue", DeletionPolicy="Retain", UpdateReplacePolicy="Retain",
        Properties=mapping(KmsMasterKeyId=ref("WorkflowKey"), MessageRetentionPeriod=1209600))
    sources = "every caught failure (the RecordFailure state)"
    if not express:
        sources += ", every execution that timed out or was stopped (EventBridge)"
    if options.trigger == "schedule":
        sources += ", every scheduled start EventBridge could not make"
    comment_before(res, "FailedExecutions", f"Dead-letter queue of failed executions, kept 14 days: {sources}", 2)
    statements = []
    if not express:
        statements.append(_events_may_send("StatusEventsOnly", get_att("ExecutionsEndedUncaught.Arn")))
    if options.trigger == "schedule":
        # SAM names the schedule's rule <StateMachine><Event>
        statements.append(_events_may_send("ScheduleDeadLetters", get_att("WorkflowSchedule.Arn")))
    if statements:
        res["FailedExecutionsPolicy"] = _queue_policy(statements)
    res["NotificationTopic"] = mapping(Type="AWS::SNS::Topic", Properties=mapping(KmsMasterKeyId=ref("WorkflowKey")))
    comment_before(res, "NotificationTopic", "Where the Notify step publishes each result", 2)
    res["AlarmTopic"] = mapping(Type="AWS::SNS::Topic", Properties=mapping(KmsMasterKeyId=ref("WorkflowKey")))
    comment_before(res, "AlarmTopic", "Where the alarms below go: subscribe the on-call address "
                   "(output AlarmTopicArn)", 2)
    for function, folder, what in STEPS:
        properties = mapping(Handler="app.Handler::handleRequest" if options.runtime.startswith("java") else "app.handler",
                             CodeUri=f"{folder}/")
        if function == "Notify":
            properties["Environment"] = mapping(Variables=mapping(TOPIC_ARN=ref("NotificationTopic")))
            properties["Policies"] = [mapping(SNSPublishMessagePolicy=mapping(
                TopicName=get_att("NotificationTopic.TopicName"))), _key_use("kms:GenerateDataKey", "kms:Decrypt")]
        res[function] = mapping(Type="AWS::Serverless::Function", Properties=properties)
        if function != STEPS[0][0]:  # the first one gets the code comment below
            comment_before(res, function, f"{function}: {what}", 2)
        res[f"{function}Logs"] = log_group("WorkflowKey", "LogRetentionDays", sub(f"/aws/lambda/${{{function}}}"))
    handler = "app.Handler::handleRequest" if options.runtime.startswith("java") else "app.handler"
    comment_before(res, STEPS[0][0], "Code: `sam build` expects the folders "
                   + ", ".join(f"{folder}/" for _, folder, _ in STEPS)
                   + f" beside this template, each with the handler {handler} ({options.runtime})\n"
                   f"{STEPS[0][0]}: {STEPS[0][2]}", 2)
    res["WorkflowLogs"] = log_group("WorkflowKey", "LogRetentionDays", join("", [
        "/aws/vendedlogs/states/", ref("AWS::StackName"), "-",
        select(2, _sequence("!Split", ["/", ref("AWS::StackId")]))]))
    comment_before(res, "WorkflowLogs", "The state machine's log; the /aws/vendedlogs/ prefix keeps "
                   "CloudWatch Logs' resource policy from growing with each state machine, and the\n"
                   "stack's id in the name lets a new stack of the same name start while this retained "
                   "group remains", 2)
    res["Workflow"] = _state_machine(options)
    comment_before(res, "Workflow", f"{options.type.capitalize()} workflow ("
                   + ("at most 5 minutes, at-least-once: 000:400-403, 002:1608-1610"
                      if express else "exactly-once, execution history kept: 000:396-399, 002:1604-1606")
                   + f"); the execution stops after {EXECUTION_TIMEOUT[options.type]} seconds", 2)
    if not express:
        res["ExecutionsEndedUncaught"] = mapping(Type="AWS::Events::Rule", Properties=mapping(
            Description="Standard executions that timed out or were stopped go to the dead-letter queue",
            EventPattern=mapping(source=["aws.states"], **{"detail-type": ["Step Functions Execution Status Change"]},
                                 detail=mapping(status=list(UNCAUGHT_STATUSES), stateMachineArn=[ref("Workflow")])),
            State="ENABLED",
            Targets=[mapping(Id="FailedExecutions", Arn=get_att("FailedExecutions.Arn"),
                             RetryPolicy=mapping(MaximumRetryAttempts=5, MaximumEventAgeInSeconds=3600))]))
        comment_before(res, "ExecutionsEndedUncaught", "A Catch cannot see the execution's own timeout or a "
                       "StopExecution: Step Functions' status events (Standard workflows only) bring those", 2)
    watched = [("ExecutionsFailed", "an execution failed (its input and error are in the dead-letter queue)"),
               ("ExecutionsTimedOut", "an execution hit its timeout")]
    for metric, why in watched:
        res[f"{metric}Alarm"] = _alarm(f"Workflow: {why}", "AWS/States", metric,
                                       ("StateMachineArn", ref("Workflow")))
    comment_before(res, "ExecutionsFailedAlarm", "Alarms: failed and timed-out executions, and any "
                   "message in the dead-letter queue", 2)
    res["FailedExecutionsAlarm"] = _alarm("Workflow: the dead-letter queue holds failed executions to look at",
                                          "AWS/SQS", "ApproximateNumberOfMessagesVisible",
                                          ("QueueName", get_att("FailedExecutions.QueueName")), "Maximum")
    parameters = mapping(LogRetentionDays=retention_parameter("Days the workflow's and the functions' logs are kept."))
    groups = [("Logs", ["LogRetentionDays"])]
    if options.trigger == "schedule":
        parameters["ScheduleExpression"] = mapping(
            Type="String", Default="rate(1 hour)",
            AllowedPattern=r"^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(.+\))$",
            Description="When EventBridge starts an execution: rate(...) or cron(...).")
        groups.insert(0, ("Schedule", ["ScheduleExpression"]))
    template = mapping(
        AWSTemplateFormatVersion="2010-09-09",
        Transform="AWS::Serverless-2016-10-31",
        Description=f"{options.type.capitalize()} Step Functions workflow of Lambda tasks with retries, "
                    "a dead-letter queue for failed executions, logs, tracing and alarms"
                    + (", started on a schedule" if options.trigger == "schedule" else "")
                    + " (generated by tmpllint new workflow)",
        Metadata=interface(*groups),
        Parameters=parameters,
        Globals=mapping(Function=mapping(
            Runtime=options.runtime, Timeout=FUNCTION_TIMEOUT, MemorySize=256, Tracing="Active")),
        Resources=res,
        Outputs=_outputs(options),
    )
    comment_before(template["Globals"], "Function", "Every step is traced with X-Ray, like the state machine", 2)
    return template
