"""W9002 and W9003: failed events and messages are kept (destinations, dead-letter queues)."""

from __future__ import annotations

import re
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from tmpllint.checks.base import (
    ASYNC_EVENT_TYPES,
    Documented,
    failing_scenarios,
    properties,
    referenced_resource,
    references_in,
    resources_of,
    walk,
    when_any,
)
from tmpllint.checks.template.common import (
    LAMBDA_FUNCTION,
    SAM_FUNCTION,
)


class AsyncFailureDestination(Documented, CloudFormationLintRule):
    id = "W9002"
    shortdesc = "Asynchronously invoked functions have a failure destination"
    description = (
        "A function invoked asynchronously (SAM `S3`, `SNS`, `EventBridgeRule`, "
        "`CloudWatchEvent`, `Schedule`, `IoTRule`, `CodeCommit` events; or, for "
        "`AWS::Lambda::Function`, an `AWS::Lambda::Permission` for S3/SNS/EventBridge, an "
        "SNS subscription, an EventBridge rule target or an `AWS::Lambda::EventInvokeConfig`) "
        "must have a dead-letter queue (`DeadLetterQueue` / `DeadLetterConfig`) or an "
        "`OnFailure` destination (`EventInvokeConfig.DestinationConfig.OnFailure`)."
    )
    why = (
        "Lambda retries a failed asynchronous event twice and then drops it. Without a "
        "dead-letter queue or an OnFailure destination the event is lost with no trace. "
        "The notes' failure-management practice: configure a DLQ in SQS."
    )
    seeds = ("000:483", "000:437")
    source_url = "https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html"
    tags = ["template", "sam", "lambda"]
    example_fail = (
        "Resize:\n  Type: AWS::Serverless::Function\n  Properties:\n    Events:\n"
        "      Upload:\n        Type: S3\n        Properties: {Bucket: !Ref Uploads, Events: s3:ObjectCreated:*}\n"
    )
    example_pass = (
        "Resize:\n  Type: AWS::Serverless::Function\n  Properties:\n"
        "    DeadLetterQueue: {Type: SQS, TargetArn: !GetAtt ResizeDLQ.Arn}\n    Events:\n"
        "      Upload:\n        Type: S3\n        Properties: {Bucket: !Ref Uploads, Events: s3:ObjectCreated:*}\n"
    )

    _ASYNC_PRINCIPALS = {"s3.amazonaws.com", "sns.amazonaws.com", "events.amazonaws.com"}

    def match(self, cfn) -> list[RuleMatch]:
        invoke_configs = self._invoke_configs(cfn)
        callers = self._plain_async_callers(cfn)
        matches = []
        for name, resource in resources_of(cfn, SAM_FUNCTION):
            events = properties(resource).get("Events")
            async_events = [
                event for event, spec in (events.items() if isinstance(events, dict) else [])
                if isinstance(spec, dict) and _is_one_of(spec.get("Type"), ASYNC_EVENT_TYPES)
            ]
            if not async_events and name not in invoke_configs:
                continue
            if invoke_configs.get(name):
                continue
            reason = (f"{events[async_events[0]]['Type']} event '{async_events[0]}'"
                      if async_events else "an AWS::Lambda::EventInvokeConfig")
            path = (["Resources", name, "Properties", "Events", async_events[0]]
                    if async_events else ["Resources", name])
            terms = failing_scenarios(
                cfn, properties(resource), ["DeadLetterQueue", "EventInvokeConfig"],
                lambda props: not (props.get("DeadLetterQueue")
                                   or _on_failure(props.get("EventInvokeConfig"))))
            if terms:
                matches.append(RuleMatch(path, self._message(name, reason, terms, "DeadLetterQueue")))
        for name, resource in resources_of(cfn, LAMBDA_FUNCTION):
            reason = callers.get(name) or ("an AWS::Lambda::EventInvokeConfig"
                                           if name in invoke_configs else None)
            if reason is None or invoke_configs.get(name):
                continue
            terms = failing_scenarios(
                cfn, properties(resource), ["DeadLetterConfig"],
                lambda props: not (isinstance(props.get("DeadLetterConfig"), dict)
                                   and props["DeadLetterConfig"].get("TargetArn")))
            if terms:
                matches.append(RuleMatch(["Resources", name],
                                         self._message(name, reason, terms, "DeadLetterConfig")))
        return matches

    @staticmethod
    def _message(name: str, reason: str, terms: list, dlq_property: str) -> str:
        return (f"Function '{name}' is invoked asynchronously ({reason}) but has no "
                f"dead-letter queue or OnFailure destination{when_any(terms)}; add "
                f"{dlq_property} or EventInvokeConfig.DestinationConfig.OnFailure so "
                "failed events are kept.")

    @staticmethod
    def _invoke_configs(cfn) -> dict[str, bool]:
        """Function id -> whether its AWS::Lambda::EventInvokeConfig has OnFailure."""
        found: dict[str, bool] = {}
        for _, resource in resources_of(cfn, "AWS::Lambda::EventInvokeConfig"):
            props = properties(resource)
            function = referenced_resource(props.get("FunctionName"))
            if function:
                found[function] = found.get(function, False) or _on_failure(props)
        return found

    def _plain_async_callers(self, cfn) -> dict[str, str]:
        """Plain Lambda function id -> what invokes it asynchronously."""
        callers: dict[str, str] = {}
        for name, resource in resources_of(cfn, "AWS::Lambda::Permission"):
            props = properties(resource)
            principal = props.get("Principal")
            function = referenced_resource(props.get("FunctionName"))
            if function and _is_one_of(principal, self._ASYNC_PRINCIPALS):
                callers.setdefault(function, f"{principal} via permission '{name}'")
        for name, resource in resources_of(cfn, "AWS::SNS::Subscription"):
            props = properties(resource)
            function = referenced_resource(props.get("Endpoint"))
            if function and props.get("Protocol") == "lambda":
                callers.setdefault(function, f"SNS subscription '{name}'")
        for name, resource in resources_of(cfn, "AWS::Events::Rule"):
            for target in properties(resource).get("Targets") or []:
                function = isinstance(target, dict) and referenced_resource(target.get("Arn"))
                if function:
                    callers.setdefault(function, f"EventBridge rule '{name}'")
        return callers


def _is_one_of(value: Any, choices) -> bool:
    """`value in choices` for a value that may be a mapping (an intrinsic function)."""
    return isinstance(value, str) and value in choices


def _on_failure(config: Any) -> bool:
    """True when an EventInvokeConfig (SAM or resource) names an OnFailure destination."""
    if not isinstance(config, dict):
        return False
    destination = config.get("DestinationConfig")
    return isinstance(destination, dict) and bool(destination.get("OnFailure"))


class QueueDeadLetter(Documented, CloudFormationLintRule):
    id = "W9003"
    shortdesc = "SQS queues have a dead-letter queue"
    description = (
        "Flags an `AWS::SQS::Queue` without a `RedrivePolicy`, unless the template uses "
        "the queue itself as a dead-letter or failure target (another queue's "
        "`RedrivePolicy`, a function's `DeadLetterQueue`/`DeadLetterConfig`, an "
        "`OnFailure` destination, an EventBridge target's `DeadLetterConfig`) or names it "
        "a dead-letter queue (a logical id or `QueueName` saying DLQ or dead letter: a "
        "queue that receives failures from something outside the template, such as a Step "
        "Functions task or an application's own error path)."
    )
    why = (
        "A message that keeps failing returns to the queue after every visibility "
        "timeout until its retention period ends: it blocks consumers, costs retries and "
        "then disappears. A dead-letter queue keeps it for inspection and replay."
    )
    seeds = ("000:437",)
    source_url = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html"
    tags = ["template", "sqs"]
    example_fail = "Jobs:\n  Type: AWS::SQS::Queue\n"
    example_pass = (
        "Jobs:\n  Type: AWS::SQS::Queue\n  Properties:\n    RedrivePolicy:\n"
        "      deadLetterTargetArn: !GetAtt JobsDLQ.Arn\n      maxReceiveCount: 5\n"
        "JobsDLQ:\n  Type: AWS::SQS::Queue   # the DLQ itself needs none\n"
    )

    _DLQ_KEY = re.compile(r"deadletter|onfailure|redrive", re.I)
    #: a queue its author named a dead-letter queue is the end of a failure path
    _DLQ_NAME = re.compile(r"dlq|dead[-_ ]?letter", re.I)

    def match(self, cfn) -> list[RuleMatch]:
        failure_targets = self._failure_targets(cfn)
        matches = []
        for name, resource in resources_of(cfn, "AWS::SQS::Queue"):
            props = properties(resource)
            if name in failure_targets or self._named_dead_letter_queue(name, props):
                continue
            terms = failing_scenarios(cfn, props, ["RedrivePolicy"],
                                      lambda chosen: not chosen.get("RedrivePolicy"))
            if terms:
                path = (["Resources", name, "Properties", "RedrivePolicy"]
                        if "RedrivePolicy" in props else ["Resources", name])
                matches.append(RuleMatch(
                    path, f"Queue '{name}' has no dead-letter queue{when_any(terms)}; add a "
                          "RedrivePolicy with deadLetterTargetArn and maxReceiveCount."))
        return matches

    def _named_dead_letter_queue(self, name: str, props: dict) -> bool:
        queue_name = props.get("QueueName")
        return bool(self._DLQ_NAME.search(name)
                    or (isinstance(queue_name, str) and self._DLQ_NAME.search(queue_name)))

    def _failure_targets(self, cfn) -> set[str]:
        """Logical ids used anywhere as a dead-letter or on-failure target."""
        targets: set[str] = set()
        for resource in cfn.get_resources().values():
            if not isinstance(resource, dict):
                continue
            for path, node in walk(properties(resource)):
                if isinstance(node, dict) and any(
                    isinstance(key, str) and self._DLQ_KEY.search(key) for key in path
                ):
                    targets |= references_in(node)
        return targets
