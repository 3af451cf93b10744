"""Wiring rules across resources: a service that must be allowed to call a function or
to send to a queue, and a queue that must outlast its consumer (E9012-E9014).

References are followed through `checks/model.py`; a function, queue, permission or
policy that cannot be placed is unknown, and nothing is flagged on it.
"""

from __future__ import annotations

from typing import Any, Iterator

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from tmpllint.checks.base import Documented, properties, resources_of
from tmpllint.checks.model import (
    UNKNOWN,
    connector_destinations,
    function_of,
    lambda_invokers,
    queue_senders,
    resource_of,
)
from tmpllint.checks.wiring.common import judged, mapping, numbers, strings

QUEUE = "AWS::SQS::Queue"
SAM_FUNCTION = "AWS::Serverless::Function"


def branches(value: Any) -> list:
    """`value` itself, or each leaf of the `Fn::If` it is."""
    if isinstance(value, dict) and len(value) == 1 and isinstance(value.get("Fn::If"), list) \
            and len(value["Fn::If"]) == 3:
        return branches(value["Fn::If"][1]) + branches(value["Fn::If"][2])
    return [value]


def listed(value: Any) -> Iterator[tuple[tuple, Any]]:
    """(index path, item) of a list property as written (a list inside `Fn::If` too)."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            for leaf in branches(item):
                yield (index,), leaf
    elif isinstance(value, dict) and "Fn::If" in value:
        arguments = value["Fn::If"]
        for position in (1, 2):
            if isinstance(arguments, list) and len(arguments) == 3:
                for path, item in listed(arguments[position]):
                    yield ("Fn::If", position) + path, item


def _is(cfn, value: Any, wanted: str) -> bool:
    found = strings(cfn, value)
    return bool(found) and all(item.lower() == wanted for item in found)


# -- who sends what where --------------------------------------------------------------
def _targets(cfn, resolve) -> Iterator[tuple[list, str, str, str]]:
    """(path, target id, service prefix, what sends) for every S3 notification, SNS
    subscription and EventBridge rule target whose destination `resolve` places."""
    for name, bucket in resources_of(cfn, "AWS::S3::Bucket"):
        notifications = mapping(properties(bucket).get("NotificationConfiguration"))
        for key, field in (("LambdaConfigurations", "Function"), ("QueueConfigurations", "Queue")):
            for path, item in listed(notifications.get(key)):
                for value in branches(mapping(item).get(field)):
                    target = resolve(value)
                    if target:
                        yield (["Resources", name, "Properties", "NotificationConfiguration", key, *path, field],
                               target, "s3", f"Bucket '{name}' notification")
    for name, subscription in resources_of(cfn, "AWS::SNS::Subscription"):
        props = properties(subscription)
        for value in branches(props.get("Endpoint")):
            target = resolve(value)
            if target:
                yield (["Resources", name, "Properties", "Endpoint"], target, "sns",
                       f"SNS subscription '{name}'", props.get("Protocol"))
    for name, topic in resources_of(cfn, "AWS::SNS::Topic"):
        for path, item in listed(properties(topic).get("Subscription")):
            for value in branches(mapping(item).get("Endpoint")):
                target = resolve(value)
                if target:
                    yield (["Resources", name, "Properties", "Subscription", *path, "Endpoint"], target,
                           "sns", f"Topic '{name}' subscription", mapping(item).get("Protocol"))
    for name, rule in resources_of(cfn, "AWS::Events::Rule"):
        for path, item in listed(properties(rule).get("Targets")):
            if mapping(item).get("RoleArn") is not None:
                continue  # EventBridge calls Lambda, SNS and SQS targets with this role
            for value in branches(mapping(item).get("Arn")):
                target = resolve(value)
                if target:
                    yield (["Resources", name, "Properties", "Targets", *path, "Arn"], target, "events",
                           f"EventBridge rule '{name}'")


def _covered(principals: set, service: str) -> bool:
    return any(p in ("*", UNKNOWN) or p.startswith(service + ".") for p in principals)


#: SAM event types that write their own permission, by the service that invokes.
SAM_EVENTS = {
    "s3": ("S3",),
    "sns": ("SNS",),
    "events": ("EventBridgeRule", "CloudWatchEvent", "Schedule"),
    "cognito-idp": ("Cognito",),
    "elasticloadbalancing": (),
}


class ServicesMayInvoke(Documented, CloudFormationLintRule):
    id = "E9013"
    shortdesc = "Services may invoke the functions they target"
    description = (
        "Flags an S3 bucket notification (`LambdaConfigurations`), an SNS subscription with "
        "protocol `lambda` (or a topic's `Subscription`), an EventBridge/CloudWatch Events "
        "rule target, an ELBv2 target group of `TargetType: lambda` or a Cognito user pool "
        "trigger (`LambdaConfig`) that targets a function of the template when no "
        "`AWS::Lambda::Permission` of the template lets that service principal invoke it. "
        "SAM events (`S3`, `SNS`, `EventBridgeRule`, `Schedule`, `Cognito`...) write their "
        "own permission: a SAM function with such an event is not flagged for that service. "
        "An EventBridge target with a `RoleArn` is invoked with that role and is not judged. "
        "A permission whose function or principal cannot be resolved counts as granting."
    )
    why = (
        "A service calls a function only when the function's resource policy allows it. "
        "Without the permission S3 refuses the notification (the bucket fails to deploy), "
        "the ELB target group cannot register the function, and SNS, EventBridge and Cognito "
        "calls fail: the wiring is there and never works. The notes: when a service like "
        "S3 calls your function, the resource-based policy gives it access."
    )
    seeds = ("003:845", "003:886")
    source_url = "https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html"
    tags = ["template", "lambda", "iam", "deploy"]
    example_fail = (
        "Nightly:\n  Type: AWS::Events::Rule\n  Properties:\n    ScheduleExpression: rate(1 day)\n"
        "    Targets: [{Id: report, Arn: !GetAtt Report.Arn}]\n"
    )
    example_pass = example_fail + (
        "NightlyPermission:\n  Type: AWS::Lambda::Permission\n  Properties:\n"
        "    FunctionName: !Ref Report\n    Action: lambda:InvokeFunction\n"
        "    Principal: events.amazonaws.com\n    SourceArn: !GetAtt Nightly.Arn\n"
    )

    def match(self, cfn) -> list[RuleMatch]:
        granted, unplaced = lambda_invokers(cfn)
        resources = cfn.get_resources()
        matches, seen = [], set()
        for path, function, service, source in self._invocations(cfn):
            if (path[1], function) in seen:
                continue
            seen.add((path[1], function))
            if _covered(granted.get(function, set()) | unplaced, service):
                continue
            if _sam_event_of(resources.get(function), SAM_EVENTS[service]):
                continue
            principal = f"{service}.amazonaws.com"
            matches.append(RuleMatch(
                path, f"{source} targets function '{function}' but no AWS::Lambda::Permission "
                      f"lets {principal} invoke it{_CONSEQUENCE.get(service, '')}; add one with "
                      f"Principal: {principal} and a SourceArn."))
        return matches

    def _invocations(self, cfn) -> Iterator[tuple[list, str, str, str]]:
        resolve = lambda value: function_of(cfn, value)  # noqa: E731
        for found in _targets(cfn, resolve):
            path, function, service, source = found[:4]
            if "QueueConfigurations" in path:
                continue
            if service == "sns" and not _is(cfn, found[4], "lambda"):
                continue
            yield path, function, service, source
        for name, group in resources_of(cfn, "AWS::ElasticLoadBalancingV2::TargetGroup"):
            props = properties(group)
            if not _is(cfn, props.get("TargetType"), "lambda"):
                continue
            for path, item in listed(props.get("Targets")):
                for value in branches(mapping(item).get("Id")):
                    function = resolve(value)
                    if function:
                        yield (["Resources", name, "Properties", "Targets", *path, "Id"], function,
                               "elasticloadbalancing", f"Target group '{name}'")
        for name, pool in resources_of(cfn, "AWS::Cognito::UserPool"):
            config = mapping(properties(pool).get("LambdaConfig"))
            for trigger, value in config.items():
                if trigger == "KMSKeyID":
                    continue
                path = ["Resources", name, "Properties", "LambdaConfig", trigger]
                if trigger in ("CustomEmailSender", "CustomSMSSender", "PreTokenGenerationConfig"):
                    value, path = mapping(value).get("LambdaArn"), path + ["LambdaArn"]
                for leaf in branches(value):
                    function = resolve(leaf)
                    if function:
                        yield path, function, "cognito-idp", f"User pool '{name}' trigger {trigger}"


_CONSEQUENCE = {
    "s3": " (S3 rejects the notification, so the bucket will not deploy)",
    "elasticloadbalancing": " (the target group cannot register it, so the stack will not deploy)",
    "sns": " (SNS deliveries fail)",
    "events": " (the rule's invocations fail)",
    "cognito-idp": " (sign-ups and sign-ins that run the trigger fail)",
}


def _sam_event_of(resource: Any, types) -> bool:
    """True when a SAM function has an event of one of `types` (SAM writes its permission)."""
    if not isinstance(resource, dict) or resource.get("Type") != SAM_FUNCTION:
        return False
    events = properties(resource).get("Events")
    return any(isinstance(spec, dict) and spec.get("Type") in types
               for spec in (events.values() if isinstance(events, dict) else []))


class QueuesAcceptPublishers(Documented, CloudFormationLintRule):
    id = "E9014"
    shortdesc = "Queues accept their publishers"
    description = (
        "Flags an SNS subscription with protocol `sqs` (or a topic's `Subscription`), an S3 "
        "bucket notification (`QueueConfigurations`) or an EventBridge rule target that "
        "delivers to a queue of the template when no `AWS::SQS::QueuePolicy` of the "
        "template allows `sqs:SendMessage` to that service principal (or to `*`). Queues "
        "that a SAM connector names as its destination are not flagged (SAM writes their "
        "policy), nor EventBridge targets with a `RoleArn` (EventBridge sends with that "
        "role); a queue policy whose queues, principals or actions cannot be resolved "
        "counts as allowing."
    )
    why = (
        "SNS, S3 and EventBridge send to a queue only when its access policy lets their "
        "service principal do it. Without the policy S3 refuses the notification (the "
        "bucket fails to deploy) and SNS and EventBridge drop every message. The notes: "
        "make sure the SQS access policy allows SNS (or S3) to write."
    )
    seeds = ("001:1349", "003:749")
    source_url = "https://docs.aws.amazon.com/sns/latest/dg/subscribe-sqs-queue-to-sns-topic.html"
    tags = ["template", "sqs", "iam", "deploy"]
    example_fail = (
        "Orders:\n  Type: AWS::SNS::Subscription\n  Properties:\n    TopicArn: !Ref OrderTopic\n"
        "    Protocol: sqs\n    Endpoint: !GetAtt OrderQueue.Arn\n"
    )
    example_pass = example_fail + (
        "OrderQueuePolicy:\n  Type: AWS::SQS::QueuePolicy\n  Properties:\n    Queues: [!Ref OrderQueue]\n"
        "    PolicyDocument:\n      Statement:\n        - Effect: Allow\n"
        "          Principal: {Service: sns.amazonaws.com}\n          Action: sqs:SendMessage\n"
        "          Resource: !GetAtt OrderQueue.Arn\n"
        "          Condition: {ArnEquals: {aws:SourceArn: !Ref OrderTopic}}\n"
    )

    def match(self, cfn) -> list[RuleMatch]:
        senders, unplaced = queue_senders(cfn)
        connected = connector_destinations(cfn)
        matches, seen = [], set()
        resolve = lambda value: resource_of(cfn, value, QUEUE)  # noqa: E731
        for found in _targets(cfn, resolve):
            path, queue, service, source = found[:4]
            if "LambdaConfigurations" in path:
                continue
            if service == "sns" and not _is(cfn, found[4], "sqs"):
                continue
            if (path[1], queue) in seen or queue in connected:
                continue
            seen.add((path[1], queue))
            if _covered(senders.get(queue, set()) | unplaced, service):
                continue
            principal = f"{service}.amazonaws.com"
            effect = (" (S3 rejects the notification, so the bucket will not deploy)" if service == "s3"
                      else " (its messages are dropped)")
            matches.append(RuleMatch(
                path, f"{source} sends to queue '{queue}' but no AWS::SQS::QueuePolicy allows "
                      f"{principal} sqs:SendMessage{effect}; add a queue policy for it scoped "
                      "with aws:SourceArn."))
        return matches


class QueueOutlastsConsumer(Documented, CloudFormationLintRule):
    id = "E9012"
    shortdesc = "Queues outlast their consumers"
    description = (
        "Flags an SQS queue consumed by a Lambda function of the template (an "
        "`AWS::Lambda::EventSourceMapping` or a SAM `SQS` event) whose `VisibilityTimeout` "
        "(default 30 seconds) is below the function's `Timeout` (default 3 seconds; SAM "
        "`Globals` included). Values that cannot be resolved are not judged."
    )
    why = (
        "Lambda refuses to create or update an SQS event source mapping when the function "
        "timeout exceeds the queue's visibility timeout, so the stack fails to deploy; even "
        "when it could, a message would reappear while still being processed. The notes: "
        "too low a visibility timeout gives duplicates. AWS recommends six times the "
        "function timeout."
    )
    seeds = ("003:754",)
    source_url = "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html"
    tags = ["template", "sqs", "lambda", "deploy"]
    example_fail = (
        "Jobs:\n  Type: AWS::SQS::Queue\nWorker:\n  Type: AWS::Serverless::Function\n"
        "  Properties:\n    Timeout: 60\n    Events:\n"
        "      Job: {Type: SQS, Properties: {Queue: !GetAtt Jobs.Arn}}\n"
    )
    example_pass = (
        "Jobs:\n  Type: AWS::SQS::Queue\n  Properties: {VisibilityTimeout: 360}\n"
        "Worker:\n  Type: AWS::Serverless::Function\n  Properties:\n    Timeout: 60\n    Events:\n"
        "      Job: {Type: SQS, Properties: {Queue: !GetAtt Jobs.Arn}}\n"
    )

    def match(self, cfn) -> list[RuleMatch]:
        resources = cfn.get_resources()
        matches = []
        for path, queue, function, source in self._consumers(cfn):
            timeout = properties(resources[function]).get("Timeout")
            visibility = properties(resources[queue]).get("VisibilityTimeout")
            if isinstance(timeout, dict) and timeout == visibility:
                continue  # one parameter for both
            instance = {"Timeout": timeout, "VisibilityTimeout": visibility}

            def problem(resolved, cfn=cfn):
                runs = numbers(cfn, resolved.get("Timeout"), 3)
                hidden = numbers(cfn, resolved.get("VisibilityTimeout"), 30)
                if runs and hidden and min(hidden) < max(runs):
                    return int(min(hidden)), int(max(runs))
                return None

            for (hidden, runs), condition in judged(cfn, instance, problem):
                matches.append(RuleMatch(
                    path, f"Queue '{queue}' has VisibilityTimeout {hidden} s, below the {runs} s "
                          f"Timeout of function '{function}' that consumes it through {source}"
                          f"{condition}, so Lambda rejects the event source mapping; set "
                          f"VisibilityTimeout to at least {runs} (AWS recommends {6 * runs}, six times the timeout)."))
        return matches

    @staticmethod
    def _consumers(cfn) -> Iterator[tuple[list, str, str, str]]:
        for name, mapping_ in resources_of(cfn, "AWS::Lambda::EventSourceMapping"):
            props = properties(mapping_)
            queue = resource_of(cfn, props.get("EventSourceArn"), QUEUE)
            function = function_of(cfn, props.get("FunctionName"))
            if queue and function:
                yield ["Resources", name], queue, function, f"event source mapping '{name}'"
        for name, function in resources_of(cfn, SAM_FUNCTION):
            events = properties(function).get("Events")
            for event, spec in events.items() if isinstance(events, dict) else []:
                if not isinstance(spec, dict) or spec.get("Type") != "SQS":
                    continue
                queue = resource_of(cfn, mapping(spec.get("Properties")).get("Queue"), QUEUE)
                if queue:
                    yield (["Resources", name, "Properties", "Events", event], queue, name,
                           f"SQS event '{event}'")
