"""Family 3 (`93xx`): no hardcoded secrets (RULES.md §3).

Every rule here asks the one detector (`secretscan.py`) and never prints a secret: the
messages show `mask(value)` (`hun****`), and every secret found is recorded so the
engine masks it in cfn-lint's own messages too.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from tmpllint.checks.base import (
    Documented,
    condition_variants,
    load_data,
    parameter,
    parameters_of,
    properties,
    reported_scenarios,
    resources_of,
    values_at,
    walk,
    when,
)
from tmpllint.checks.secretscan import (
    PLAIN_SSM_REFERENCE,
    SECRET_ACCESS_KEY,
    SUB_VARIABLE,
    assignments_in,
    credentials_in,
    hardcoded,
    is_reference_text,
    literal_pieces,
    mask,
    record,
    secret_name,
)


def _data(name: str) -> dict:
    data = load_data(f"data/{name}")
    data.pop("_comment", None)
    return data


SECRET_PROPERTIES = _data("secret_properties.json")
ENVIRONMENT_VARIABLES = _data("environment_variables.json")


def _judge(cfn, path: list, value: Any) -> Iterator[tuple[list, str, str, dict | None]]:
    """(path, where, secret, scenario) for each condition scenario in which `value`
    is hardcoded; the scenario is None when every scenario is."""
    found = [(scenario, hardcoded(cfn, resolved)) for scenario, resolved in condition_variants(cfn, value)]
    hits = [(scenario, hit) for scenario, hit in found if hit]
    for _, (_, secret) in hits:
        record(cfn, secret)  # every branch's secret is masked, reported or not
    scenarios = reported_scenarios([scenario for scenario, _ in hits], len(found))
    for scenario, (_, (where, secret)) in zip(scenarios, hits):
        yield path, where, secret, scenario


def _values_at(node: Any, path, prefix: tuple = ()) -> Iterator[tuple[list, Any]]:
    """`values_at`, also through an `Fn::If` on the way down (`Users: !If [C, [...], [...]]`),
    so every branch's value is found."""
    if path and isinstance(node, dict) and len(node) == 1 and isinstance(node.get("Fn::If"), list) \
            and len(node["Fn::If"]) == 3:
        for branch in (1, 2):
            yield from _values_at(node["Fn::If"][branch], path, prefix + ("Fn::If", branch))
        return
    if not path:
        yield list(prefix), node
        return
    key, rest = path[0], path[1:]
    if key == "*":
        for index, item in enumerate(node if isinstance(node, list) else []):
            yield from _values_at(item, rest, prefix + (index,))
    elif isinstance(node, dict) and key in node:
        yield from _values_at(node[key], rest, prefix + (key,))


#: Resources whose properties no schema describes: a custom resource's properties and a
#: nested stack's parameters are whatever the author names them.
FREE_FORM = {"AWS::CloudFormation::Stack": ("Parameters",), "AWS::Serverless::Application": ("Parameters",)}
#: Names in free-form properties that match the word rules but are no secret.
FREE_FORM_EXCLUDED = frozenset({"ServiceToken", "ServiceTimeout"})


def _free_form(kind: Any) -> tuple | None:
    if not isinstance(kind, str):
        return None
    if kind in FREE_FORM:
        return FREE_FORM[kind]
    if isinstance(kind, str) and (kind.startswith("Custom::") or kind == "AWS::CloudFormation::CustomResource"):
        return ()
    return None


def secret_property_values(cfn) -> Iterator[tuple[str, list, Any]]:
    """(resource, path below Properties, value) of every secret-bearing property: the
    generated catalogue's, and in custom resources and nested stacks' parameters, every
    key whose name means a secret."""
    for name, resource in cfn.get_resources().items():
        if not isinstance(resource, dict):
            continue
        props = properties(resource)
        kind = resource.get("Type")
        for path in SECRET_PROPERTIES.get(kind, ()) if isinstance(kind, str) else ():
            for where, value in _values_at(props, path):
                yield name, where, value
        base = _free_form(kind)
        if base is None:
            continue
        for where, value in _values_at(props, list(base)):
            for path, node in walk(value, tuple(where)):
                key = path[-1] if path else None
                if isinstance(key, str) and key not in FREE_FORM_EXCLUDED and secret_name(key) \
                        and not any(isinstance(k, str) and k.startswith("Fn::") and k != "Fn::If"
                                    for k in path[:-1]) \
                        and (isinstance(node, (str, int)) or _is_function(node)):
                    yield name, list(path), node


def _is_function(node: Any) -> bool:
    return isinstance(node, dict) and len(node) == 1 and \
        str(next(iter(node))).startswith(("Fn::", "Ref"))


def _types_summary() -> str:
    types = [kind for kind in SECRET_PROPERTIES]
    paths = sum(len(paths) for paths in SECRET_PROPERTIES.values())
    return f"{len(types)} resource types, {paths} property paths"


class SecretPropertyFromStore(Documented, CloudFormationLintRule):
    id = "E9301"
    shortdesc = "Secret properties come from a secret store"
    description = (
        "Flags a property that holds a credential when its value is written into the "
        "template: a literal, a literal piece of a `!Sub`/`!Join`, or a `!Ref` to a "
        "parameter with a literal `Default`. Passing: a `{{resolve:secretsmanager:...}}` "
        "or `{{resolve:ssm-secure:...}}` dynamic reference, a `NoEcho` parameter without "
        "a default, `ManageMasterUserPassword: true` (no password property at all), "
        "`GenerateSecretString`, a placeholder (`<password>`). The properties ("
        + _types_summary() + ") are generated from the CloudFormation resource schemas "
        "cfn-lint ships by `scripts/gen_secret_properties.py`: every string property "
        "whose name means a secret by E9302's word rules (`MasterUserPassword`, "
        "`AuthToken`, `ClientSecret`, `PrivateKey`, `TokenKey`, `SecretToken`, "
        "`EventSourceToken`, `KdcAdminPassword`...) and reviewed write-only ones "
        "(`PreSharedKey`, keytabs, host keys, API Gateway `ApiKey` `Value`), minus names "
        "that only refer to a secret (ARNs, ids, names, lengths, validity periods, "
        "`PasswordPolicy`, `ClientToken`); nested paths and list items included. Free-form "
        "properties count by name: every secret-named key of a custom resource and of a "
        "nested stack's (or SAM application's) `Parameters`. A `{{resolve:ssm:...}}` "
        "reference (a plain String parameter) is reported with its own message. Every "
        "value found at one of them is masked in every message, cfn-lint's included. "
        "Supersedes cfn-lint's W2501 (which knows only `*Password` names) and W1011 "
        "(which only suggests dynamic references for parameters)."
    )
    why = (
        "A secret in a template is in every copy of it: the repository and its history, "
        "CI logs, the CloudFormation console and the S3 bucket the template was uploaded "
        "to. The notes: keep it in Secrets Manager or SSM SecureString and reference it."
    )
    seeds = ("001:2420", "001:1489", "002:817-818")
    source_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references.html"
    tags = ["secrets"]
    example_fail = "MasterUserPassword: hunter2hunter2\n"
    example_pass = "MasterUserPassword: '{{resolve:secretsmanager:prod/db:SecretString:password}}'\n"

    def match(self, cfn) -> list[RuleMatch]:
        found = []
        for name, where_path, value in secret_property_values(cfn):
            full = ["Resources", name, "Properties", *where_path]
            shown = ".".join(str(key) for key in _plain(where_path))
            if any(PLAIN_SSM_REFERENCE.search(text) for _, node in walk(value)
                   for text in literal_pieces(node)):
                found.append(RuleMatch(full, f"{shown} of '{name}' reads a plain String SSM "
                                             "parameter ({{resolve:ssm:...}}); use {{resolve:ssm-secure:...}} "
                                             "or {{resolve:secretsmanager:...}}."))
            for at, where, secret, scenario in _judge(cfn, full, value):
                found.append(RuleMatch(at, f"{shown} of '{name}' "
                                           f"is hardcoded ({where}: {mask(secret)}){when(scenario)}; "
                                           "use a {{resolve:secretsmanager:...}} dynamic reference."))
        return found


def _plain(path: list) -> list:
    """A property path without the `Fn::If` branches it went through."""
    plain, skip = [], False
    for key in path:
        if skip:
            skip = False
            continue
        if key == "Fn::If":
            skip = True
            continue
        plain.append(key)
    return plain


def environment_entries(cfn) -> Iterator[tuple[str, list, Any, Any]]:
    """(resource, path to the value, variable name, value) of every environment variable."""
    for name, resource in resources_of(cfn, *ENVIRONMENT_VARIABLES):
        props = properties(resource)
        for spec in ENVIRONMENT_VARIABLES[resource["Type"]]:
            for where, block in values_at(props, spec["path"]):
                base = ["Resources", name, "Properties", *where]
                if spec["form"] == "mapping" and isinstance(block, dict):
                    for variable, value in block.items():
                        yield name, base + [variable], variable, value
                elif spec["form"] == "list" and isinstance(block, list):
                    for index, entry in enumerate(block):
                        if isinstance(entry, dict) and entry.get("Type", "PLAINTEXT") == "PLAINTEXT":
                            yield name, base + [index, "Value"], entry.get("Name"), entry.get("Value")


class EnvironmentWithoutSecrets(Documented, CloudFormationLintRule):
    id = "E9302"
    shortdesc = "Environment variables carry no secrets"
    description = (
        "Flags an environment variable of a Lambda or SAM function (`Globals` included), "
        "an ECS container, a CodeBuild project (PLAINTEXT variables), an App Runner "
        "service or a Batch job whose name means a secret (`PASSWORD`, `PASSWD`, `PWD`, "
        "`SECRET`, `TOKEN`, `API_KEY`, `PRIVATE_KEY`, `CREDENTIAL`... as a word, in any "
        "case, camelCase or snake_case; the AWS credential names `AWS_SECRET_ACCESS_KEY`, "
        "`AWS_ACCESS_KEY_ID`, `AWS_SESSION_TOKEN` and any name ending in \"secret access "
        "key\" or \"access key id\"; not `..._ARN`, `..._NAME` and other names that "
        "refer to a secret) and whose value is hardcoded, and any variable whose value "
        "matches a credential pattern (see E9304)."
    )
    why = (
        "Environment variables are shown in the console and returned by "
        "GetFunctionConfiguration and DescribeTaskDefinition to anyone with read access; "
        "the notes: store secrets in Secrets Manager or Parameter Store and read them at "
        "run time. Static AWS keys in a function or container also bypass its role: the "
        "notes say to give services roles and never share access keys (001:111, 001:114)."
    )
    seeds = ("002:817-818", "001:111", "001:114")
    source_url = "https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html"
    tags = ["secrets", "lambda", "ecs"]
    example_fail = "Environment:\n  Variables:\n    DB_PASSWORD: hunter2\n"
    example_pass = "Environment:\n  Variables:\n    DB_SECRET_ARN: !Ref DbSecret\n"

    def match(self, cfn) -> list[RuleMatch]:
        found = []
        for resource, path, variable, value in environment_entries(cfn):
            credentials = [(kind, text) for piece in literal_pieces(value)
                           for kind, text in credentials_in(piece)]
            for kind, text in credentials[:1]:
                record(cfn, text)
                found.append(RuleMatch(path, f"Environment variable {variable} of '{resource}' "
                                             f"holds a credential ({kind} {mask(text)}); read it from "
                                             "Secrets Manager at run time."))
            if credentials or not secret_name(variable):
                continue
            for at, where, secret, scenario in _judge(cfn, path, value):
                found.append(RuleMatch(at, f"Environment variable {variable} of '{resource}' holds "
                                           f"a hardcoded secret ({where}: {mask(secret)}){when(scenario)}; "
                                           "pass the secret's ARN and read it at run time."))
        return found


class SecretParameterHidden(Documented, CloudFormationLintRule):
    id = "W9303"
    shortdesc = "Secret parameters are hidden"
    description = (
        "Flags a parameter whose name means a secret (see E9302), or that is given to a "
        "secret-bearing property (see E9301), without `NoEcho: true`. "
        "A hidden secret parameter that still has a `Default` is E9303. Parameters of "
        "the `AWS::SSM::Parameter::Value<...>` types hold a parameter name, not a secret. "
        "Supersedes cfn-lint's W2501 (\"Parameter X used as Password, therefore NoEcho "
        "should be True\"), for every secret-bearing property, not only `*Password`. A "
        "`NoEcho` parameter passes where cfn-lint's W1011 asks for a dynamic reference "
        "instead: RULES.md counts a NoEcho parameter without a default as kept out of the "
        "template."
    )
    why = (
        "Without NoEcho the value is shown in the console, in describe-stacks output and "
        "in events to anyone who can read the stack."
    )
    seeds = ("001:2420",)
    source_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html"
    tags = ["secrets", "parameters"]
    example_fail = "DbPassword:\n  Type: String\n"
    example_pass = "DbPassword:\n  Type: String\n  NoEcho: true\n  MinLength: 16\n"

    def match(self, cfn) -> list[RuleMatch]:
        named = dict(_secret_parameters(cfn))
        used = {name: use for name, use in _parameters_used_as_secrets(cfn).items() if name not in named}
        found = [RuleMatch(["Parameters", name],
                           f"Parameter {name} holds a secret but is shown in the console; set "
                           "NoEcho: true (better: a {{resolve:secretsmanager:...}} reference).")
                 for name, parameter in named.items()
                 if str(parameter.get("NoEcho", "")).lower() != "true"]
        for name, use in used.items():
            declared = parameter(cfn, name) or {}
            if str(declared.get("NoEcho", "")).lower() != "true":
                found.append(RuleMatch(["Parameters", name],
                                       f"Parameter {name} is used as {use}, a secret, but is shown in "
                                       "the console; set NoEcho: true (better: a "
                                       "{{resolve:secretsmanager:...}} reference)."))
        return found


class SecretParameterDefault(Documented, CloudFormationLintRule):
    id = "E9303"
    shortdesc = "Hidden secret parameters have no default"
    description = (
        "Flags a `NoEcho` parameter whose name means a secret and that has a non-empty "
        "`Default`: the secret is then in the template itself."
    )
    why = (
        "NoEcho hides the value in the console, but a Default is written in the template "
        "and travels with every copy of it."
    )
    seeds = ("001:2420",)
    source_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html#parameters-section-structure-properties"
    tags = ["secrets", "parameters"]
    example_fail = "DbPassword:\n  Type: String\n  NoEcho: true\n  Default: hunter2hunter2\n"
    example_pass = "DbPassword:\n  Type: String\n  NoEcho: true\n"

    def match(self, cfn) -> list[RuleMatch]:
        found = []
        for name, parameter in _secret_parameters(cfn):
            default = parameter.get("Default")
            if str(parameter.get("NoEcho", "")).lower() == "true" and isinstance(default, (str, int)) \
                    and str(default) and not is_reference_text(str(default)):
                record(cfn, str(default))
                found.append(RuleMatch(["Parameters", name, "Default"],
                                       f"Parameter {name} has a secret default ({mask(default)}); "
                                       "remove the Default and pass the value at deploy time."))
        return found


def _secret_parameters(cfn) -> Iterator[tuple[str, dict]]:
    for name, declared in parameters_of(cfn).items():
        if isinstance(declared, dict) and secret_name(name) \
                and not str(declared.get("Type", "")).startswith("AWS::SSM::Parameter::Value"):
            yield name, declared


def _parameters_used_as_secrets(cfn) -> dict[str, str]:
    """Parameter name -> the secret property (`'Db' MasterUserPassword`) it is given to."""
    used: dict[str, str] = {}
    declared = parameters_of(cfn)
    for resource, where, value in secret_property_values(cfn):
        for name in _secret_references(value):
            if isinstance(declared.get(name), dict) \
                    and not str(declared[name].get("Type", "")).startswith("AWS::SSM::Parameter::Value"):
                used.setdefault(name, f"{'.'.join(map(str, _plain(where)))} of '{resource}'")
    return used


_JSON_VARIABLE = re.compile(r'"([^"]+)"\s*:\s*"\$\{([A-Za-z0-9_:]+)\}"')
_DYNAMIC_SPAN = re.compile(r"\{\{resolve:[^}]*\}\}")


def _secret_references(value: Any, depth: int = 0) -> list[str]:
    """The parameters whose value becomes the secret: a `Ref`, a `${Param}` of a `Sub`
    (in a JSON secret string only under a secret-named key; never inside a dynamic
    reference, where it names the secret), the branches of an `Fn::If`."""
    if depth > 20 or not isinstance(value, dict) or len(value) != 1:
        return []
    (function, argument), = value.items()
    if function == "Ref" and isinstance(argument, str):
        return [argument]
    if function == "Fn::If" and isinstance(argument, list):
        return [name for branch in argument[1:3] for name in _secret_references(branch, depth + 1)]
    if function == "Fn::Sub":
        text = argument[0] if isinstance(argument, list) and argument else argument
        if not isinstance(text, str):
            return []
        text = _DYNAMIC_SPAN.sub("", text)
        if text.lstrip().startswith("{"):
            return [variable for key, variable in _JSON_VARIABLE.findall(text) if secret_name(key)]
        return _sub_variables(text)
    if function == "Fn::Join" and isinstance(argument, list) and len(argument) == 2 \
            and isinstance(argument[1], list):
        if any("{{resolve:" in piece for item in argument[1] for piece in literal_pieces(item)):
            return []
        found, before = [], ""
        for item in argument[1]:
            if isinstance(item, str):
                before = item
                continue
            key = _JSON_KEY_BEFORE.search(before)
            if key is None or secret_name(key.group(1)):
                found += _secret_references(item, depth + 1)
            before = ""
        return found
    return []


#: The JSON key a `Join` piece ends with (`'{"username":"'`), its value coming next.
_JSON_KEY_BEFORE = re.compile(r'"([^"]+)"\s*:\s*"$')


def _no_echo(cfn, name: Any) -> bool:
    declared = parameter(cfn, name)
    return declared is not None and str(declared.get("NoEcho", "")).lower() == "true"


#: Where code lives: (path below Properties, what to call it, whether it is a shell script).
CODE_PROPERTIES = {
    "AWS::Lambda::Function": (("Code", "ZipFile"), "inline code", False),
    "AWS::Serverless::Function": (("InlineCode",), "inline code", False),
    "AWS::EC2::Instance": (("UserData",), "UserData", True),
    "AWS::EC2::LaunchTemplate": (("LaunchTemplateData", "UserData"), "UserData", True),
    "AWS::AutoScaling::LaunchConfiguration": (("UserData",), "UserData", True),
}


def code_properties(cfn) -> dict[tuple, tuple[str, bool]]:
    """Template path of every inline code and UserData property -> (what, shell)."""
    found = {}
    for name, resource in resources_of(cfn, *CODE_PROPERTIES):
        path, what, shell = CODE_PROPERTIES[resource["Type"]]
        found[("Resources", name, "Properties", *path)] = (what, shell)
    return found


class NoCredentials(Documented, CloudFormationLintRule):
    id = "E9304"
    shortdesc = "No credentials anywhere in the template"
    description = (
        "Flags any string of the template (resources, `UserData` in `Fn::Base64` and "
        "`Fn::Sub`, `Metadata`, parameters, mappings) that holds an AWS access key id "
        "(`AKIA`/`ASIA` + 16), a 40-character secret access key beside one, a private "
        "key block, a GitHub (`ghp_`, `github_pat_`), Slack (`xox[abpr]-`) or Stripe "
        "(`sk_live_`) token, or a URL with a password (`https://user:pass@`). `${...}` "
        "variables of a `Sub` are not literal and never match. In inline function code "
        "(`Code.ZipFile`, SAM `InlineCode`) and `UserData`, also an assignment of a "
        "literal to a secret-named variable: `password = \"hunter2\"`, "
        "`\"apiKey\": \"...\"`, and in UserData `DB_PASSWORD=hunter2`, `export "
        "API_KEY=...`, `--password=...`; not a value read from a variable, the environment, "
        "a command (`$(...)`) or a `${...}` template variable, and not a placeholder. "
        "Environment variables, secret properties and outputs are E9302's, E9301's and "
        "E9306's."
    )
    why = (
        "A credential in a template is published with it; leaked AWS keys are abused "
        "within minutes of reaching a public repository. The notes: never put access "
        "keys in code; use roles. Their own Lambda sample hardcodes a database "
        "password in the function's code (004:7681), and UserData is readable by anything on the instance "
        "through the metadata service (004:6428-6433)."
    )
    seeds = ("001:114", "002:28-30", "004:7681", "004:6428-6433")
    source_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#rotate-credentials"
    tags = ["secrets"]
    example_fail = "UserData: !Base64 |\n  export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n"
    example_pass = "IamInstanceProfile: !Ref InstanceProfile   # the instance gets a role\n"

    def match(self, cfn) -> list[RuleMatch]:
        skip = set()
        for resource, path, _, _ in environment_entries(cfn):
            skip.add(tuple(path))
        for name, resource in resources_of(cfn, *SECRET_PROPERTIES):
            for path in SECRET_PROPERTIES[resource["Type"]]:
                for where, _ in values_at(properties(resource), path):
                    skip.add(("Resources", name, "Properties", *where))
        code = code_properties(cfn)
        found = []
        for path, node in walk({k: v for k, v in cfn.template.items() if k != "Outputs"}):
            if any(path[:depth] in skip for depth in range(2, len(path) + 1)):
                continue
            if isinstance(node, dict):
                found.extend(self._beside_access_key(cfn, list(path), node))
            elif isinstance(node, str):
                # the ${...} variables of a Sub are references, not text
                text = SUB_VARIABLE.sub("\x00", node) if "Fn::Sub" in path[-2:] else node
                credentials = credentials_in(text)
                for kind, value in credentials:
                    record(cfn, value)
                    found.append(RuleMatch(list(path), f"The template contains a credential "
                                                       f"({kind} {mask(value)}); remove it and rotate it."))
                where = next((code[path[:depth]] for depth in range(4, len(path) + 1)
                              if path[:depth] in code), None)
                if where and not credentials:
                    found.extend(self._assignments(cfn, list(path), text, *where))
        return found

    @staticmethod
    def _assignments(cfn, path: list, text: str, what: str, shell: bool) -> list[RuleMatch]:
        assigned = assignments_in(text, shell)
        for _, value in assigned:
            record(cfn, value)
        if not assigned:
            return []
        names = ", ".join(name for name, _ in assigned[:3]) + (" and more" if len(assigned) > 3 else "")
        return [RuleMatch(path, f"The {what} of '{path[1]}' assigns a literal to {names} "
                                f"({mask(assigned[0][1])}); read the secret from Secrets Manager "
                                "or SSM at run time.")]

    @staticmethod
    def _beside_access_key(cfn, path: list, node: dict) -> list[RuleMatch]:
        texts = {key: value for key, value in node.items() if isinstance(value, str)}
        if not any(kind == "AWS access key id" for text in texts.values()
                   for kind, _ in credentials_in(text)):
            return []
        found = []
        for key, text in texts.items():
            for hit in SECRET_ACCESS_KEY.finditer(text):
                record(cfn, hit.group(0))
                found.append(RuleMatch(path + [key], f"The template contains a credential (AWS "
                                                     f"secret access key {mask(hit.group(0))}); remove it and rotate it."))
        return found


class NoLongTermKeys(Documented, CloudFormationLintRule):
    id = "W9305"
    shortdesc = "No long-term access keys"
    description = (
        "Flags an `AWS::IAM::AccessKey`. An output that exposes its `SecretAccessKey` is "
        "E9306."
    )
    why = (
        "An access key is a password that never expires on its own; workloads should use "
        "roles, whose credentials rotate every hour. The notes: access keys are for the "
        "CLI and SDK of a person, and must be protected like a password."
    )
    seeds = ("001:95-114",)
    source_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html"
    tags = ["secrets", "iam"]
    example_fail = "DeployKey:\n  Type: AWS::IAM::AccessKey\n  Properties: {UserName: !Ref Deployer}\n"
    example_pass = "DeployRole:\n  Type: AWS::IAM::Role   # assumed by the deploy pipeline\n"

    def match(self, cfn) -> list[RuleMatch]:
        return [RuleMatch(["Resources", name], f"'{name}' creates a long-term access key; give "
                                               "the workload a role instead.")
                for name, _ in resources_of(cfn, "AWS::IAM::AccessKey")]


class OutputsWithoutSecrets(Documented, CloudFormationLintRule):
    id = "E9306"
    shortdesc = "Outputs expose no secrets"
    description = (
        "Flags an output whose value (or export) is `!GetAtt X.SecretAccessKey`, a `Ref` "
        "to a `NoEcho` parameter (also inside `!Sub`/`!Join`), or a literal credential."
    )
    why = (
        "Outputs are shown in the console and returned by describe-stacks to anyone who "
        "can read the stack, and exports to every stack of the account."
    )
    seeds = ("001:2420",)
    source_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/outputs-section-structure.html"
    tags = ["secrets", "outputs"]
    example_fail = "SecretKey:\n  Value: !GetAtt DeployKey.SecretAccessKey\n"
    example_pass = "SecretArn:\n  Value: !Ref DbSecret   # the ARN, not the secret\n"

    def match(self, cfn) -> list[RuleMatch]:
        outputs = cfn.template.get("Outputs")
        found = []
        for name, output in outputs.items() if isinstance(outputs, dict) else []:
            if not isinstance(output, dict):
                continue
            problem = self._problem(cfn, output.get("Value"))
            if problem:
                found.append(RuleMatch(["Outputs", name, "Value"],
                                       f"Output {name} exposes {problem}; output a reference "
                                       "(an ARN or a name), never the secret."))
        return found

    @staticmethod
    def _problem(cfn, value: Any) -> str | None:
        for _, node in walk(value):
            if isinstance(node, dict) and len(node) == 1:
                (function, argument), = node.items()
                if function == "Fn::GetAtt":
                    attribute = argument[1] if isinstance(argument, list) and len(argument) > 1 else (
                        argument.split(".", 1)[1] if isinstance(argument, str) and "." in argument else "")
                    if attribute == "SecretAccessKey":
                        return "a secret access key"
                if function == "Ref" and _no_echo(cfn, argument):
                    return f"the NoEcho parameter {argument}"
                if function == "Fn::Sub":
                    text = argument[0] if isinstance(argument, list) and argument else argument
                    if isinstance(text, str) and ".SecretAccessKey}" in text:
                        return "a secret access key"
                    for variable in _sub_variables(text):
                        if _no_echo(cfn, variable):
                            return f"the NoEcho parameter {variable}"
        for piece in literal_pieces(value):
            for kind, text in credentials_in(piece):
                record(cfn, text)
                return f"a credential ({kind} {mask(text)})"
        return None


def _sub_variables(text: Any) -> list[str]:
    return [match.strip("${}") for match in SUB_VARIABLE.findall(text)] if isinstance(text, str) else []

