"""Wiring rules on how functions run: logs that never expire (I9708) and stream consumers
that a bad record blocks (W9808)."""

from __future__ import annotations

import re
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from tmpllint.checks.base import (
    Documented,
    literal_values,
    parameter,
    properties,
    references_in,
    resources_of,
)
from tmpllint.checks.model import FUNCTION_TYPES, resource_types
from tmpllint.checks.wiring.common import judged, mapping, numbers

LOG_PREFIX = "/aws/lambda/"
_WHOLE_VARIABLE = re.compile(r"^\$\{([A-Za-z0-9:]+)\}$")


class FunctionLogsExpire(Documented, CloudFormationLintRule):
    id = "I9708"
    shortdesc = "Function logs expire"
    description = (
        "Flags (as info) a Lambda or SAM function that logs to its default group "
        "`/aws/lambda/<name>` when the template declares no `AWS::Logs::LogGroup` of that "
        "name: Lambda then creates the group itself, with no retention. The group is "
        "recognised by a literal name, a parameter, or (for a function without "
        "`FunctionName`) `!Sub /aws/lambda/${Function}`. A function with "
        "`LoggingConfig.LogGroup` is not judged (W9705 judges a declared group's "
        "retention); a declared group without `RetentionInDays` is W9705's finding, not "
        "this one. When a log group's name cannot be resolved, no function is flagged."
    )
    why = (
        "CloudWatch Logs never expire by default (the notes), and the group Lambda creates "
        "on first invocation is outside the stack: nobody sets its retention and deleting "
        "the stack leaves it behind."
    )
    seeds = ("003:712",)
    source_url = "https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-loggroups.html"
    tags = ["logging", "lambda"]
    example_fail = "Handler:\n  Type: AWS::Serverless::Function\n  Properties: {Handler: app.handler, ...}\n"
    example_pass = example_fail + (
        "HandlerLogs:\n  Type: AWS::Logs::LogGroup\n  Properties:\n"
        "    LogGroupName: !Sub /aws/lambda/${Handler}\n    RetentionInDays: 30\n"
    )

    def match(self, cfn) -> list[RuleMatch]:
        declared: set = set()
        for _, group in resources_of(cfn, "AWS::Logs::LogGroup"):
            name = properties(group).get("LogGroupName")
            if name is None:
                continue  # a generated name is never /aws/lambda/...
            keys = _group_keys(cfn, name)
            if keys is None:
                return []  # a group we cannot name might be any function's
            declared |= keys
        matches = []
        for function, resource in resources_of(cfn, *FUNCTION_TYPES):
            props = properties(resource)
            if "LoggingConfig" in props and mapping(props["LoggingConfig"]).get("LogGroup") is not None:
                continue
            if not isinstance(props.get("LoggingConfig", {}), dict):
                continue
            keys = _function_keys(cfn, function, props.get("FunctionName"))
            if keys is None or keys & declared or ("ref", function) in declared:
                continue
            name = props.get("FunctionName")
            shown = name if isinstance(name, str) else f"${{{function}}}"
            matches.append(RuleMatch(
                ["Resources", function],
                f"Function '{function}' logs to {LOG_PREFIX}{shown}, a group the template does "
                "not declare, so Lambda creates it with no expiry; declare an "
                f"AWS::Logs::LogGroup named !Sub {LOG_PREFIX}${{{function}}} with RetentionInDays."))
        return matches


def _function_keys(cfn, function: str, name: Any) -> set | None:
    """Comparable keys for the name part of a function's default log group."""
    if name is None:
        return {("ref", function)}
    keys = set()
    if isinstance(name, str):
        return {("lit", name)}
    if isinstance(name, dict) and set(name) == {"Ref"} and isinstance(name["Ref"], str):
        keys.add(("expr", "${" + name["Ref"] + "}"))
        keys |= {("lit", v) for v in literal_values(cfn, name) or [] if isinstance(v, str)}
        return keys
    if isinstance(name, dict) and set(name) == {"Fn::Sub"}:
        text = name["Fn::Sub"][0] if isinstance(name["Fn::Sub"], list) and name["Fn::Sub"] else name["Fn::Sub"]
        if isinstance(text, str):
            return {("expr", text)} | ({("lit", text)} if "${" not in text else set())
    return None


def _group_keys(cfn, name: Any) -> set | None:
    """Keys of the function names a log group name stands for ({} when it is not a
    `/aws/lambda/` group), or None when the name cannot be resolved."""
    types = resource_types(cfn)
    keys = {("ref", ref) for ref in references_in(name) if types.get(ref) in FUNCTION_TYPES}
    if isinstance(name, str):
        return keys | ({("lit", name[len(LOG_PREFIX):])} if name.startswith(LOG_PREFIX) else set())
    if isinstance(name, dict) and set(name) == {"Ref"}:
        values = literal_values(cfn, name)
        if values is None:
            return keys or None
        return keys | {("lit", v[len(LOG_PREFIX):]) for v in values
                       if isinstance(v, str) and v.startswith(LOG_PREFIX)}
    if isinstance(name, dict) and set(name) == {"Fn::Sub"}:
        argument = name["Fn::Sub"]
        text = argument[0] if isinstance(argument, list) and argument else argument
        if not isinstance(text, str):
            return keys or None
        if text.startswith(LOG_PREFIX):
            rest = text[len(LOG_PREFIX):]
            variable = _WHOLE_VARIABLE.match(rest)
            if variable and variable.group(1) in types and types[variable.group(1)] in FUNCTION_TYPES:
                keys.add(("ref", variable.group(1)))
            keys.add(("expr", rest))
            if "${" not in rest:
                keys.add(("lit", rest))
            if variable and parameter(cfn, variable.group(1)) is not None:
                values = literal_values(cfn, {"Ref": variable.group(1)}) or []
                keys |= {("lit", v) for v in values if isinstance(v, str)}
            return keys
        if text.startswith("${") and not text.startswith("${AWS::"):
            return keys or None  # a prefix from a variable: unknown
        return keys
    if isinstance(name, dict) and set(name) == {"Fn::Join"}:
        argument = name["Fn::Join"]
        parts = argument[1] if isinstance(argument, list) and len(argument) == 2 else None
        if argument and isinstance(argument, list) and argument[0] == "" and isinstance(parts, list) \
                and len(parts) == 2 and parts[0] == LOG_PREFIX:
            return keys | (_function_keys(cfn, "", parts[1]) or set())
        if isinstance(parts, list) and parts and isinstance(parts[0], str) and not parts[0].startswith("/aws"):
            return keys
        return keys or None
    return keys or None


#: Resource types whose ARN feeds a stream event source mapping, by the stream kind.
_STREAM_SOURCES = {
    "AWS::Kinesis::Stream": "Kinesis",
    "AWS::Kinesis::StreamConsumer": "Kinesis",
    "AWS::DynamoDB::Table": "DynamoDB",
    "AWS::DynamoDB::GlobalTable": "DynamoDB",
}


def _stream_kind(cfn, value: Any) -> str | None:
    """'Kinesis' or 'DynamoDB' for a stream ARN as written, or None."""
    if isinstance(value, str):
        if value.startswith("arn:") and ":kinesis:" in value:
            return "Kinesis"
        if ":dynamodb:" in value and "/stream/" in value:
            return "DynamoDB"
        return None
    types = resource_types(cfn)
    refs = [ref for ref in references_in(value) if ref in types]
    kinds = {_STREAM_SOURCES.get(types[ref]) for ref in refs}
    return kinds.pop() if len(kinds) == 1 and None not in kinds else None


def _unbounded(cfn, value: Any) -> bool:
    """True when a retry or age limit is missing or -1 (infinite) in every known value."""
    if value is None:
        return True
    found = numbers(cfn, value)
    return found is not None and any(v == -1 for v in found)


class StreamConsumerFailures(Documented, CloudFormationLintRule):
    id = "W9808"
    shortdesc = "Stream consumers keep failures"
    description = (
        "Flags an `AWS::Lambda::EventSourceMapping` reading a Kinesis stream or a DynamoDB "
        "stream (and a SAM `Kinesis` or `DynamoDB` event) with no "
        "`DestinationConfig.OnFailure` destination and neither `MaximumRetryAttempts` nor "
        "`MaximumRecordAgeInSeconds` bounded (both default to -1, infinite). A mapping "
        "whose source cannot be told to be a stream is not judged."
    )
    why = (
        "By default a failing batch is retried until it succeeds or its records expire "
        "(the notes: the entire batch is reprocessed; stream records live 24 hours): one "
        "bad record blocks its shard, and then it is dropped without a trace."
    )
    seeds = ("003:864", "004:8714")
    source_url = "https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html"
    tags = ["backup", "lambda", "kinesis", "dynamodb"]
    example_fail = (
        "Consumer:\n  Type: AWS::Lambda::EventSourceMapping\n  Properties:\n"
        "    EventSourceArn: !GetAtt Clicks.Arn\n    FunctionName: !Ref Handler\n"
        "    StartingPosition: LATEST\n"
    )
    example_pass = (
        "Consumer:\n  Type: AWS::Lambda::EventSourceMapping\n  Properties:\n"
        "    EventSourceArn: !GetAtt Clicks.Arn\n    FunctionName: !Ref Handler\n"
        "    StartingPosition: LATEST\n    MaximumRetryAttempts: 3\n"
        "    BisectBatchOnFunctionError: true\n"
        "    DestinationConfig: {OnFailure: {Destination: !GetAtt Failures.Arn}}\n"
    )

    _KEYS = ("DestinationConfig", "MaximumRetryAttempts", "MaximumRecordAgeInSeconds")

    def match(self, cfn) -> list[RuleMatch]:
        found = []
        for name, resource in resources_of(cfn, "AWS::Lambda::EventSourceMapping"):
            props = properties(resource)
            kind = _stream_kind(cfn, props.get("EventSourceArn"))
            if kind:
                found.append((["Resources", name], f"{kind} event source mapping '{name}'", props))
        for name, resource in resources_of(cfn, "AWS::Serverless::Function"):
            events = properties(resource).get("Events")
            for event, spec in events.items() if isinstance(events, dict) else []:
                if isinstance(spec, dict) and spec.get("Type") in ("Kinesis", "DynamoDB"):
                    found.append((["Resources", name, "Properties", "Events", event],
                                  f"{spec['Type']} event '{event}' of '{name}'", mapping(spec.get("Properties"))))
        matches = []
        for path, label, props in found:
            instance = {key: props.get(key) for key in self._KEYS}

            def problem(resolved, cfn=cfn):
                on_failure = mapping(mapping(resolved.get("DestinationConfig")).get("OnFailure"))
                if on_failure.get("Destination") is not None:
                    return None
                if not _unbounded(cfn, resolved.get("MaximumRetryAttempts")) or \
                        not _unbounded(cfn, resolved.get("MaximumRecordAgeInSeconds")):
                    return None
                return "unbounded"

            for _, condition in judged(cfn, instance, problem):
                matches.append(RuleMatch(
                    path, f"{label} retries a failing batch until its records expire and keeps "
                          f"no failures{condition}, so one bad record blocks the shard; set "
                          "MaximumRetryAttempts (or MaximumRecordAgeInSeconds) and "
                          "DestinationConfig.OnFailure."))
        return matches
