"""I9006 and W9007: functions are traced and use SAM policy templates."""

from __future__ import annotations

import re
from typing import Any, Iterator

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from tmpllint.checks.base import (
    Documented,
    condition_variants,
    literal_values,
    load_data,
    properties,
    resources_of,
    reported_scenarios,
    when_any,
)
from tmpllint.checks.template.common import (
    LAMBDA_FUNCTION,
    MAX_LISTED_ROUTES,
    SAM_FUNCTION,
)


class FunctionTracing(Documented, CloudFormationLintRule):
    id = "I9006"
    shortdesc = "Lambda functions are traced with X-Ray"
    description = (
        "Flags (as info), once per template, the Lambda functions that are not traced: an "
        "`AWS::Serverless::Function` whose `Tracing` (its own or from `Globals`) is not "
        "`Active`, and an `AWS::Lambda::Function` whose `TracingConfig.Mode` is not "
        "`Active`. The finding sits on `Globals.Function` when the template has one (one "
        "line fixes every SAM function there), else on the first untraced function, and "
        "lists the functions. Only templates where a trace connects something are judged: "
        "two or more functions, a function behind an API (SAM `Api`/`HttpApi` events, API "
        "Gateway resources) or a state machine; a lone function's trace shows little that "
        "its logs and duration metric do not."
    )
    why = (
        "X-Ray traces show where a request spent its time across functions and "
        "services; without them a slow or failing call in a distributed serverless "
        "application is debugged by adding logs and redeploying."
    )
    seeds = ("002:1046-1063",)
    source_url = "https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html"
    tags = ["template", "sam", "lambda", "xray"]
    example_fail = (
        "Api:\n  Type: AWS::Serverless::Function\n  Properties:\n    Events:\n"
        "      Get: {Type: HttpApi, Properties: {Method: GET, Path: /items}}\n"
    )
    example_pass = "Globals:\n  Function:\n    Tracing: Active\n"

    _CONNECTED_TYPES = ("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api",
                        "AWS::Serverless::Api", "AWS::Serverless::HttpApi",
                        "AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine")

    def match(self, cfn) -> list[RuleMatch]:
        functions = list(resources_of(cfn, SAM_FUNCTION, LAMBDA_FUNCTION))
        if not functions or not self._connected(cfn, functions):
            return []
        untraced = []
        for name, resource in functions:
            sam = resource["Type"] == SAM_FUNCTION
            props = properties(resource)
            variants = condition_variants(cfn, props)
            failing = [scenario for scenario, resolved in variants
                       if not _traced(cfn, resolved, sam)]
            if failing:
                terms = reported_scenarios(failing, [s for s, _ in variants]
                                           if None not in [s for s, _ in variants] else len(variants))
                untraced.append((name, sam, props, terms))
        if not untraced:
            return []
        names = [name + when_any(terms) for name, _, _, terms in untraced]
        listed = ", ".join(names[:MAX_LISTED_ROUTES])
        if len(names) > MAX_LISTED_ROUTES:
            listed += f" and {len(names) - MAX_LISTED_ROUTES} more"
        count = len({name for name, _, _, _ in untraced})
        subject = ("The function is" if len(functions) == 1 else
                   f"All {count} functions are" if count == len(functions) else
                   f"{count} of {len(functions)} functions {'is' if count == 1 else 'are'}")
        globals_ = cfn.transform_pre.get("Globals") or {}
        section = _key_node(globals_, "Function") if isinstance(globals_, dict) else None
        any_sam = any(sam for _, sam, _, _ in untraced)
        if section is not None and any_sam:
            fix = "set Tracing: Active in Globals Function"
            tracing = _key_node(globals_.get("Function"), "Tracing")
            where = tracing if tracing is not None else section
            path = ["Globals", "Function"] + (["Tracing"] if tracing is not None else [])
            extra = {"location": (where.start_mark.line, where.start_mark.column,
                                  where.end_mark.line, where.end_mark.column)}
        else:
            fix = "set Tracing: Active (SAM) or TracingConfig.Mode: Active"
            name, sam, props, _ = untraced[0]
            key = "Tracing" if sam else "TracingConfig"
            path = ["Resources", name] + (["Properties", key] if key in props else [])
            extra = {}
        if not all(sam for _, sam, _, _ in untraced) and section is not None and any_sam:
            fix += " and TracingConfig.Mode: Active on each AWS::Lambda::Function"
        return [RuleMatch(path, f"{subject} not traced with X-Ray ({listed}); {fix}.", **extra)]

    def _connected(self, cfn, functions: list) -> bool:
        if len(functions) > 1 or any(True for _ in resources_of(cfn, *self._CONNECTED_TYPES)):
            return True
        for _, resource in functions:
            events = properties(resource).get("Events")
            for spec in events.values() if isinstance(events, dict) else []:
                if isinstance(spec, dict) and spec.get("Type") in ("Api", "HttpApi"):
                    return True
        return False


def _traced(cfn, props: dict, sam: bool) -> bool:
    """Whether a (resolved) function's tracing is Active for every parameter value."""
    if sam:
        value = props.get("Tracing")
    else:
        config = props.get("TracingConfig")
        value = config.get("Mode") if isinstance(config, dict) else None
    if value is None:
        return False
    values = literal_values(cfn, value)
    return values is None or all(v == "Active" for v in values)


def _key_node(mapping: Any, key: str):
    """The key node of `key` in a parsed mapping (it carries the line), or None."""
    if not isinstance(mapping, dict):
        return None
    for node in mapping:
        if node == key and hasattr(node, "start_mark"):
            return node
    return None


class SamPolicyTemplates(Documented, CloudFormationLintRule):
    id = "W9007"
    shortdesc = "SAM functions use policy templates, not broad managed policies"
    description = (
        "Flags, in an `AWS::Serverless::Function`'s `Policies`, an AWS managed policy "
        "named `*FullAccess` (or `AdministratorAccess`/`PowerUserAccess`) and an inline "
        "Allow statement with `Action: \"*\"`. The message names the SAM policy templates "
        "that grant the scoped equivalent."
    )
    why = (
        "SAM policy templates (`S3ReadPolicy`, `SQSPollerPolicy`, `DynamoDBCrudPolicy`, "
        "...) grant one function the actions it needs on one named resource; a "
        "`*FullAccess` policy grants every action on every resource of the service."
    )
    seeds = ("002:1535-1539",)
    source_url = "https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/serverless-policy-templates.html"
    tags = ["template", "sam", "iam"]
    example_fail = "    Policies:\n      - AmazonDynamoDBFullAccess\n"
    example_pass = "    Policies:\n      - DynamoDBCrudPolicy:\n          TableName: !Ref Table\n"

    _BROAD = re.compile(r"(?:^|/)(AdministratorAccess|PowerUserAccess|[\w-]*FullAccess[\w-]*)$")

    def __init__(self) -> None:
        super().__init__()
        templates = load_data("data/sam_policy_templates.json")
        templates.pop("_comment", None)
        # longest word first, so "kinesisfirehose" wins over "kinesis"
        self._templates = sorted(templates.items(), key=lambda item: -len(item[0]))

    def match(self, cfn) -> list[RuleMatch]:
        matches = []
        for name, resource in resources_of(cfn, SAM_FUNCTION):
            policies = properties(resource).get("Policies")
            items = policies if isinstance(policies, list) else [policies]
            base = ["Resources", name, "Properties", "Policies"]
            for index, item in enumerate(items):
                path = base + [index] if isinstance(policies, list) else base
                matches.extend(self._check_item(cfn, name, item, path))
        return matches

    def _check_item(self, cfn, function: str, item: Any, path: list) -> Iterator[RuleMatch]:
        for value in literal_values(cfn, item) or []:
            if isinstance(value, str) and self._BROAD.search(value):
                policy = self._BROAD.search(value).group(1)
                suggestion = self._suggest(policy)
                yield RuleMatch(path, f"Function '{function}' attaches the broad managed "
                                      f"policy {policy}; " + (
                                          f"use {suggestion} instead." if suggestion else
                                          "remove it: SAM already gives the function "
                                          "AWSLambdaBasicExecutionRole, which writes its logs."))
        if isinstance(item, dict) and isinstance(item.get("Statement"), (list, dict)):
            statements = item["Statement"] if isinstance(item["Statement"], list) else [item["Statement"]]
            for index, statement in enumerate(statements):
                if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
                    continue
                actions = statement.get("Action")
                if actions in ("*", "*:*") or (isinstance(actions, list)
                                               and any(a in ("*", "*:*") for a in actions)):
                    where = path + ["Statement"] + ([index] if isinstance(item["Statement"], list) else [])
                    yield RuleMatch(where + ["Action"],
                                    f"Function '{function}' allows every action (Action: \"*\"); "
                                    "list the actions it needs or use a SAM policy template.")

    def _suggest(self, policy: str) -> str:
        """The SAM policy templates for `policy`'s service, each with the parameters that
        scope it to a resource (from SAM's own template list: CloudWatchPutMetricPolicy,
        EC2DescribePolicy and the like take none, so none is suggested for them)."""
        lowered = policy.lower()
        for word, names in self._templates:
            if word in lowered and not names:
                return ""  # nothing to replace it with: the function has what it needs
            if word in lowered:
                groups: dict[str, list[str]] = {}
                for name in names:
                    groups.setdefault(_scoped_by(name), []).append(name)
                return _or([_or(group) + scope for scope, group in groups.items()])
        return ("a SAM policy template scoped to the resource (S3ReadPolicy, "
                "SQSPollerPolicy, DynamoDBCrudPolicy, ...)")


def _or(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _scoped_by(template: str) -> str:
    """' with its BucketName' for a SAM policy template that takes a resource; '' for
    one that takes none (or is unknown)."""
    names = sam_policy_template_parameters().get(template)
    return f" with its {' and '.join(names)}" if names else ""


_SAM_PARAMETERS: dict[str, list[str]] | None = None


def sam_policy_template_parameters() -> dict[str, list[str]]:
    """SAM policy template name -> its parameter names, read from the SAM translator that
    cfn-lint ships; {} when that file cannot be read."""
    global _SAM_PARAMETERS
    if _SAM_PARAMETERS is None:
        import json
        from importlib.resources import files

        try:
            text = files("samtranslator").joinpath(
                "policy_templates_data/policy_templates.json").read_text(encoding="utf-8")
            templates = json.loads(text).get("Templates", {})
            _SAM_PARAMETERS = {name: sorted(spec.get("Parameters") or {})
                               for name, spec in templates.items() if isinstance(spec, dict)}
        except (ModuleNotFoundError, FileNotFoundError, ValueError, AttributeError):
            _SAM_PARAMETERS = {}
    return _SAM_PARAMETERS
