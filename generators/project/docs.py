"""The project's non-code files: deploy configuration (samconfig.toml for SAM templates,
deploy.sh with `aws cloudformation deploy` otherwise), README, pre-commit configuration
and the GitHub workflow."""

from __future__ import annotations

import json
import re
from importlib import resources

from tmpllint import __version__

#: Values for parameters without a default, in samconfig.toml (SAM has no way to demand
#: one there): each is valid for the parameter and harmless, and the README says to change it.
SAM_EXAMPLES = {"AllowedOrigin": "http://localhost:3000"}
#: What the deployer does beyond the deploy command, per pattern.
AFTER_DEPLOY = {
    "three-tier": "The instances run a placeholder app answering `HealthCheckPath` on `AppPort`: "
                  "replace it in the launch template's user data and keep its `cfn-signal` line.",
    "static-site": "Upload the site (`index.html`, `404.html`) to the bucket of output "
                   "`SiteBucketName`: `aws s3 sync site/ s3://BUCKET/`; output "
                   "`DistributionDomainName` is the name DNS points at.",
    "serverless-api": "Cognito users are created by an administrator "
                      "(`aws cognito-idp admin-create-user`, output `UserPoolId`) when the API "
                      "uses Cognito; clients call output `ApiUrl` + `/items`.",
    "fanout": "Subscribe the on-call address to output `AlarmTopicArn`; publishers send to "
              "output `TopicArn` and need `kms:GenerateDataKey` on `TopicKeyArn`.",
    "workflow": "Subscribe the on-call address to output `AlarmTopicArn` and the result's consumers to "
                "`NotificationTopicArn`; start an execution with `aws stepfunctions start-execution "
                "--state-machine-arn ARN --input '{\"id\": \"order-1\"}'` (output `StateMachineArn`). "
                "A failed execution's input and error wait in the queue of output `FailedExecutionsUrl`.",
    "event-driven": "Publishers call `PutEvents` on output `EventBusName` with `Source` = the `EventSource` "
                    "parameter and `DetailType` `OrderPlaced` (a `detail.orderId` is required); they need no KMS "
                    "permission. Subscribe the on-call address to output `AlarmTopicArn`. After a fix, replay "
                    "events from output `ArchiveName` with `aws events start-replay`.",
    "stream": "Subscribe the on-call address to output `AlarmTopicArn`; producers put records on output "
              "`StreamName` and need `kinesis:PutRecord(s)` and `kms:GenerateDataKey` on `StreamKeyArn`. "
              "The stream is billed while it exists, also after `sam delete` keeps it: delete it with "
              "`aws kinesis delete-stream` once its records are no longer needed.",
    "ecs-fargate": "The service first runs a public placeholder (nginx on port 8080 as user 101). Push your "
                   "image to output `RepositoryUri` under a new tag (tags are immutable), then deploy again "
                   "with `IMAGE_TAG=thattag`, and `CONTAINER_PORT`, `CONTAINER_USER` (never 0) and "
                   "`HEALTH_CHECK_PATH` if yours differ; set them on every later deploy too (unset, "
                   "`deploy.sh` passes the defaults, which run the placeholder again). A deployment whose "
                   "tasks never get healthy rolls back by itself. Point the certificate's domain at output "
                   "`LoadBalancerDnsName`; grant the application's permissions to output `TaskRoleArn`.",
}
REPOSITORY = "https://github.com/tmpllint/tmpllint"
ACTION = "tmpllint/tmpllint"


def diagram(pattern: str) -> str:
    return resources.files(__package__).joinpath("diagrams", f"{pattern}.mmd").read_text(encoding="utf-8")


def is_sam(template) -> bool:
    return template.get("Transform") is not None


def env_name(parameter: str) -> str:
    """VpcCidr -> VPC_CIDR, the variable deploy.sh reads the parameter from."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", parameter).upper()


def parameters(template) -> list[tuple[str, dict]]:
    return list((template.get("Parameters") or {}).items())


def capabilities(template) -> list[str]:
    types = {resource.get("Type") for resource in template["Resources"].values()}
    named = any("RoleName" in (r.get("Properties") or {}) for r in template["Resources"].values())
    needed = ["CAPABILITY_NAMED_IAM" if named else "CAPABILITY_IAM"] \
        if types & {"AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy",
                    "AWS::Serverless::Function", "AWS::Serverless::StateMachine"} else []
    if is_sam(template):
        needed.append("CAPABILITY_AUTO_EXPAND")
    return needed


def _text(value) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def samconfig(template, stack: str) -> str:
    overrides = []
    for name, spec in parameters(template):
        value = spec.get("Default", SAM_EXAMPLES.get(name))
        if value is None:
            raise ValueError(f"no example value for the required parameter {name}")
        overrides.append(f"{name}={json.dumps(_text(value))}")
    quoted = json.dumps(" ".join(overrides))
    return "\n".join([
        "# SAM CLI configuration: `sam build` then `sam deploy` use these values.",
        "version = 0.1",
        "",
        "[default.global.parameters]",
        f'stack_name = "{stack}"',
        "",
        "[default.build.parameters]",
        "cached = true",
        "parallel = true",
        "",
        "[default.validate.parameters]",
        "lint = true",
        "",
        "[default.deploy.parameters]",
        f"capabilities = {json.dumps(' '.join(capabilities(template)))}",
        "confirm_changeset = true",
        "resolve_s3 = true",
        f"parameter_overrides = {quoted}",
        "",
        "[default.sync.parameters]",
        "watch = true",
        "",
    ])


def deploy_script(template, stack: str, pattern: str) -> str:
    lines = [
        "#!/usr/bin/env bash",
        f"# Deploys template.yaml as the stack $STACK_NAME (default {stack}) with",
        "# `aws cloudformation deploy`. Every parameter comes from the environment variable",
        "# named after it (VpcCidr <- VPC_CIDR); without one the template's default applies,",
        "# and the parameters without a default must be set. Region and profile: the usual",
        "# AWS_REGION / AWS_PROFILE.",
        "set -euo pipefail",
        'cd "$(dirname "$0")"',
        f'STACK_NAME="${{STACK_NAME:-{stack}}}"',
        "",
        "aws cloudformation deploy \\",
        "  --template-file template.yaml \\",
        '  --stack-name "$STACK_NAME" \\',
    ]
    caps = capabilities(template)
    if caps:
        lines.append(f"  --capabilities {' '.join(caps)} \\")
    lines.append("  --no-fail-on-empty-changeset" + (" \\" if parameters(template) else ""))
    if parameters(template):
        lines.append("  --parameter-overrides \\")
        items = parameters(template)
        for index, (name, spec) in enumerate(items):
            variable = env_name(name)
            if "Default" in spec:
                value = f"${{{variable}:-{_text(spec['Default'])}}}"
            else:
                value = f"${{{variable}:?set {variable} ({name}: see README.md)}}"
            lines.append(f'    "{name}={value}"' + (" \\" if index < len(items) - 1 else ""))
    lines.append("")
    lines.append('aws cloudformation describe-stacks --stack-name "$STACK_NAME" --query "Stacks[0].Outputs" --output table')
    return "\n".join(lines) + "\n"


def requirements() -> str:
    """What the tests, the lint and the hook need on a developer's machine."""
    return "\n".join(["# python -m pip install -r requirements-dev.txt",
                      "pytest>=8", "boto3", "pre-commit",
                      f"tmpllint @ git+{REPOSITORY}@v{__version__}", ""])


def pre_commit() -> str:
    return "\n".join([
        "# pre-commit install   (then every commit lints the staged templates)",
        "repos:",
        f"  - repo: {REPOSITORY}",
        f"    rev: v{__version__}",
        "    hooks:",
        "      - id: tmpllint",
        "        args: [--fail-on, info]",
        "",
    ])


def workflow(template, python: str) -> str:
    return "\n".join([
        "name: ci",
        "on: [push, pull_request]",
        "permissions:",
        "  contents: read",
        "jobs:",
        "  lint-and-test:",
        "    runs-on: ubuntu-latest",
        "    steps:",
        "      - uses: actions/checkout@v4",
        "      - uses: actions/setup-python@v5",
        f'        with: {{python-version: "{python}"}}',
        f"      - uses: {ACTION}@v{__version__}",
        "        with:",
        "          paths: .",
        "          fail-on: info",
        "      - run: python -m pip install pytest boto3",
        "      - run: python -m pytest",
        "",
    ])


def _describe(spec: dict) -> str:
    text = str(spec.get("Description", "")).replace("|", "\\|")
    if "AllowedValues" in spec:
        text += " Allowed: " + ", ".join(f"`{_text(v)}`" for v in spec["AllowedValues"]) + "."
    return text


def readme(template, *, pattern: str, stack: str, command: str, functions: list[dict]) -> str:
    sam = is_sam(template)
    out = [f"# {stack}", "", str(template.get("Description", "")), "",
           f"Written by `{command}` (tmpllint {__version__}).", "",
           "## Architecture", "", "```mermaid", diagram(pattern).rstrip("\n"), "```", "",
           "## Layout", "", "| Path | What it is |", "| --- | --- |",
           "| `template.yaml` | The " + ("SAM " if sam else "CloudFormation ") + "template |"]
    for function in functions:
        reads = (", reads " + ", ".join(f"`{v}`" for v in function["environment"])) \
            if function["environment"] else ""
        if function["folder"]:
            out.append(f"| `{function['folder']}/` | `{function['name']}`: handler "
                       f"`{function['handler']}` ({function['runtime']}){reads} |")
        else:
            out.append(f"| (inline) | `{function['name']}`: its code is in `template.yaml` "
                       f"({function['runtime']}){reads}; tested there too |")
    out += ["| `tests/` | Unit tests of every handler (pytest; AWS calls stubbed, no account needed) |",
            "| " + ("`samconfig.toml` | `sam build` / `sam deploy` settings and parameter values |"
                    if sam else "`deploy.sh` | Deploys the stack with `aws cloudformation deploy` |"),
            "| `requirements-dev.txt` | What the tests, the lint and the hook need locally |",
            "| `.pre-commit-config.yaml` | Runs tmpllint on every commit |",
            "| `.github/workflows/ci.yml` | Runs tmpllint and the tests on every push |", ""]
    out += ["## Parameters", ""]
    if parameters(template):
        out += ["| Parameter | Default | What it does |", "| --- | --- | --- |"]
        for name, spec in parameters(template):
            default = f"`{_text(spec['Default'])}`" if "Default" in spec else "(required)"
            default = "(empty)" if default == "``" else default
            out.append(f"| `{name}` | {default} | {_describe(spec)} |")
        out.append("")
        if sam:
            out += ["Values come from `parameter_overrides` in `samconfig.toml`"
                    + (": replace the placeholder " + ", ".join(f"`{n}`" for n, s in parameters(template)
                                                                if "Default" not in s)
                       + " before the first deploy." if any("Default" not in s for _, s in parameters(template))
                       else "."), ""]
        else:
            out += ["`deploy.sh` reads each from the environment variable named after it ("
                    + ", ".join(f"`{n}` <- `{env_name(n)}`" for n, _ in parameters(template))
                    + "); unset, the default applies.", ""]
    else:
        out += ["None.", ""]
    out += ["## Test and lint", "", "```sh", "python -m pip install -r requirements-dev.txt",
            "python -m pytest", "tmpllint lint . --fail-on info",
            "pre-commit install   # lint on every commit", "```", ""]
    required = [(n, s) for n, s in parameters(template) if "Default" not in s]
    out += ["## Deploy", "", "```sh"]
    if sam:
        out += ["sam build", "sam deploy"]
    else:
        settings = " ".join(f"{env_name(n)}=..." for n, _ in required)
        out += [f"{settings} ./deploy.sh".strip()]
    out += ["```", ""]
    if sam:
        out += ["`sam deploy` shows the change set and asks before applying it "
                "(`confirm_changeset`); `sam deploy --guided` asks for every value.", ""]
    else:
        out += [f"The stack is `{stack}`; set `STACK_NAME` to deploy another copy.", ""]
    if pattern in AFTER_DEPLOY:
        out += [AFTER_DEPLOY[pattern], ""]
    retained = [name for name, r in template["Resources"].items()
                if r.get("DeletionPolicy") in ("Retain", "RetainExceptOnCreate", "Snapshot")]
    out += ["## Delete", "", "```sh"]
    out += [f"sam delete --stack-name {stack}"] if sam else [
        f"aws cloudformation delete-stack --stack-name {stack}",
        f"aws cloudformation wait stack-delete-complete --stack-name {stack}"]
    out += ["```", ""]
    if retained:
        out += ["Kept on delete (`DeletionPolicy`), to remove by hand once their data is no "
                "longer needed: " + ", ".join(f"`{n}`" for n in retained) + ".", ""]
    return "\n".join(out)
