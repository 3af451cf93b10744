"""`--project DIR` for a pattern made of two templates deployed in two regions (`dr`):
`primary/template.yaml` and `recovery/template.yaml`, one `deploy.sh` that deploys them
in the pattern's order into PRIMARY_REGION and RECOVERY_REGION and hands the first
stack's outputs to the second as parameters, a README covering both, the tests of the
inline functions (run against the primary template; a test holds the recovery template
to the same code), pre-commit and CI.

The pattern module provides `SITES`, `ORDER` (strategy -> (first site, second site)),
`HANDOFF` (strategy -> {second's parameter: first's output}), `REGION_PARAMETERS`
(strategy -> {site: {parameter: region variable}}), `RTO_RPO` and `FAILOVER`.
"""

from __future__ import annotations

import dataclasses
import os

from tmpllint import __version__
from tmpllint.generators.project import docs, handlers

#: Parameters whose value is the same in both regions: one unprefixed variable.
SHARED = ("DomainName", "HostedZoneId")
TEST_FILE = "test_dr_pair.py"


def variable(site: str, parameter: str) -> str:
    """The environment variable deploy.sh reads `parameter` of `site`'s stack from."""
    name = docs.env_name(parameter)
    return name if parameter in SHARED else f"{site.upper()}_{name}"


def command_line(pattern: str, options, folder: str) -> str:
    parts = ["tmpllint", "new", pattern]
    for field in dataclasses.fields(options):
        if field.name != "site":
            parts += ["--" + field.name.replace("_", "-"), str(getattr(options, field.name))]
    return " ".join(parts + ["--project", os.path.basename(os.path.abspath(folder)) or folder])


def templates(module, options) -> dict:
    return {site: module.build(dataclasses.replace(options, site=site)) for site in module.SITES}


def _value(module, strategy: str, site: str, name: str, spec: dict, first: str) -> str | None:
    """How deploy.sh fills parameter `name` of `site` (None: from the first stack's outputs)."""
    region = module.REGION_PARAMETERS.get(strategy, {}).get(site, {}).get(name)
    if region:
        return f"${region}"
    if site != first and name in module.HANDOFF[strategy]:
        return None
    var = variable(site, name)
    if name in SHARED:
        return f"${{{var}}}"  # required once at the top of deploy.sh
    if "Default" in spec:
        return f"${{{var}:-{docs._text(spec['Default'])}}}"
    return f"${{{var}:?set {var} ({name} of the {site} stack: see README.md)}}"


def _shared(module, pair: dict) -> list[str]:
    """The parameters of SHARED either template declares, in declaration order."""
    names = []
    for site in module.SITES:
        names += [n for n, _ in docs.parameters(pair[site]) if n in SHARED and n not in names]
    return names


def deploy_script(module, options, stack: str, pair: dict) -> str:
    strategy = options.strategy
    first, second = module.ORDER[strategy]
    lines = [
        "#!/usr/bin/env bash",
        f"# Deploys the {strategy} pair in its order: {first}/template.yaml as the stack",
        f"# $STACK_NAME-{first}, then {second}/template.yaml as $STACK_NAME-{second}, which takes",
        f"# outputs of the {first} stack as parameters. The primary stack goes to",
        "# $PRIMARY_REGION, the recovery stack to $RECOVERY_REGION. Every other parameter comes",
        "# from the environment variable named after the site and the parameter",
        "# (CertificateArn of the primary <- PRIMARY_CERTIFICATE_ARN; DomainName and HostedZoneId",
        "# are the same for both: DOMAIN_NAME, HOSTED_ZONE_ID); without one the default applies.",
        "set -euo pipefail",
        'cd "$(dirname "$0")"',
        f'STACK_NAME="${{STACK_NAME:-{stack}}}"',
        'PRIMARY_REGION="${PRIMARY_REGION:?set PRIMARY_REGION (the region that serves normally)}"',
        'RECOVERY_REGION="${RECOVERY_REGION:?set RECOVERY_REGION (the region to recover into)}"',
        'if [ "$PRIMARY_REGION" = "$RECOVERY_REGION" ]; then',
        '  echo "PRIMARY_REGION and RECOVERY_REGION must differ" >&2',
        "  exit 2",
        "fi",
    ]
    for name in _shared(module, pair):
        var = variable("", name)
        lines.append(f'{var}="${{{var}:?set {var} ({name} of both stacks: see README.md)}}"')
    lines += [
        "",
        "output() {  # output REGION STACK NAME: one output of a deployed stack",
        '  aws cloudformation describe-stacks --region "$1" --stack-name "$2" \\',
        '    --query "Stacks[0].Outputs[?OutputKey==\'$3\'].OutputValue" --output text',
        "}",
    ]
    for step, site in enumerate((first, second), 1):
        template = pair[site]
        region = f'"${site.upper()}_REGION"'
        lines += ["", f"# {step}. the {site} site"]
        if site == second:
            for name, source in module.HANDOFF[strategy].items():
                lines.append(f'{docs.env_name(name)}="$(output "${first.upper()}_REGION" '
                             f'"$STACK_NAME-{first}" {source})"')
        lines += ["aws cloudformation deploy \\", f"  --region {region} \\",
                  f"  --template-file {site}/template.yaml \\", f'  --stack-name "$STACK_NAME-{site}" \\']
        caps = docs.capabilities(template)
        if caps:
            lines.append(f"  --capabilities {' '.join(caps)} \\")
        items = docs.parameters(template)
        lines.append("  --no-fail-on-empty-changeset" + (" \\" if items else ""))
        if items:
            lines.append("  --parameter-overrides \\")
            for index, (name, spec) in enumerate(items):
                value = _value(module, strategy, site, name, spec, first)
                if value is None:
                    value = f"${docs.env_name(name)}"
                lines.append(f'    "{name}={value}"' + (" \\" if index < len(items) - 1 else ""))
    lines += ["", "for site in primary recovery; do",
              '  region="PRIMARY_REGION"; [ "$site" = recovery ] && region="RECOVERY_REGION"',
              '  aws cloudformation describe-stacks --region "${!region}" --stack-name "$STACK_NAME-$site" \\',
              '    --query "Stacks[0].Outputs" --output table',
              "done"]
    return "\n".join(lines) + "\n"


def readme(module, options, *, stack: str, command: str, pair: dict, pattern: str) -> str:
    strategy = options.strategy
    first, second = module.ORDER[strategy]
    out = [f"# {stack}", "",
           f"Disaster recovery over two regions, **{strategy}**: {module.RTO_RPO[strategy]}.", "",
           f"Written by `{command}` (tmpllint {__version__}).", "",
           "## Architecture", "", "```mermaid", docs.diagram(pattern).rstrip("\n"), "```", "",
           "## Layout", "", "| Path | What it is |", "| --- | --- |"]
    for site in module.SITES:
        out.append(f"| `{site}/template.yaml` | {pair[site]['Description']} |")
    out += ["| `deploy.sh` | Deploys both stacks in order with `aws cloudformation deploy` |",
            "| `tests/` | Checks that deploy.sh passes each stack only its parameters and the "
            "first stack's outputs; tests of the inline functions |",
            "| `requirements-dev.txt` | What the tests, the lint and the hook need locally |",
            "| `.pre-commit-config.yaml` | Runs tmpllint on every commit |",
            "| `.github/workflows/ci.yml` | Runs tmpllint and the tests on every push |", ""]
    out += ["## Parameters", ""]
    for site in module.SITES:
        items = docs.parameters(pair[site])
        out += [f"### {site}", ""]
        if not items:
            out += ["None.", ""]
            continue
        out += ["| Parameter | Default | Set by | What it does |", "| --- | --- | --- | --- |"]
        for name, spec in items:
            default = f"`{docs._text(spec['Default'])}`" if "Default" in spec else "(required)"
            value = _value(module, strategy, site, name, spec, first)
            if value is None:
                source = f"output `{module.HANDOFF[strategy][name]}` of the {first} stack"
            else:
                source = f"`{value.split(':')[0].strip('${}')}`"
            out.append(f"| `{name}` | {default} | {source} | {docs._describe(spec)} |")
        out.append("")
    required = [variable("", name) for name in _shared(module, pair)]
    for site in (first, second):
        for name, spec in docs.parameters(pair[site]):
            value = _value(module, strategy, site, name, spec, first)
            if value and ":?" in value:
                var = value[2:].split(":")[0]
                if var not in required:
                    required.append(var)
    out += ["## Test and lint", "", "```sh", "python -m pip install -r requirements-dev.txt",
            "python -m pytest", "tmpllint lint . --fail-on info",
            "pre-commit install   # lint on every commit", "```", ""]
    settings = " ".join(f"{v}=..." for v in ["PRIMARY_REGION", "RECOVERY_REGION"] + required)
    out += ["## Deploy", "", "```sh", f"{settings} ./deploy.sh", "```", "",
            f"`deploy.sh` deploys the **{first}** stack (`{stack}-{first}`) first, then the "
            f"**{second}** stack (`{stack}-{second}`) with "
            + ", ".join(f"`{p}` = output `{o}`" for p, o in module.HANDOFF[strategy].items())
            + f" of the {first} stack. {module.ORDER_WHY[strategy]} Set `STACK_NAME` to deploy "
            "another pair.", ""]
    out += ["## Failover", "", module.FAILOVER[strategy], ""]
    update = module.FAILOVER_UPDATE.get(strategy)
    if update:
        caps = " ".join(docs.capabilities(pair["recovery"]))
        out += ["```sh", f'aws cloudformation deploy --region "$RECOVERY_REGION" --template-file '
                f"recovery/template.yaml --stack-name {stack}-recovery --capabilities {caps} "
                "--parameter-overrides " + " ".join(f"{k}={v}" for k, v in update.items()), "```", ""]
    out += ["## Delete", "", "```sh"]
    for site in (second, first):
        out += [f'aws cloudformation delete-stack --region "${site.upper()}_REGION" --stack-name {stack}-{site}',
                f'aws cloudformation wait stack-delete-complete --region "${site.upper()}_REGION" '
                f"--stack-name {stack}-{site}"]
    out += ["```", ""]
    retained = sorted({f"`{name}` ({site})" for site in module.SITES for name, r in pair[site]["Resources"].items()
                       if r.get("DeletionPolicy") in ("Retain", "RetainExceptOnCreate", "Snapshot")})
    if retained:
        out += ["The stacks are deleted in the reverse order. Kept on delete (`DeletionPolicy`), to "
                "remove by hand once their data is no longer needed: " + ", ".join(retained) + ".", ""]
    return "\n".join(out)


def project_files(pattern: str, options, folder: str) -> dict[str, str]:
    from tmpllint.generators import PATTERNS
    from tmpllint.generators.project import stack_name
    from tmpllint.yamlio import dump

    module = PATTERNS[pattern]
    options.validate()
    pair = templates(module, options)
    stack = stack_name(folder)
    out = {f"{site}/template.yaml": dump(pair[site]) for site in module.SITES}
    out["tests/conftest.py"] = handlers.data("conftest.py")
    out[f"tests/{TEST_FILE}"] = handlers.data(TEST_FILE)
    for function in handlers.functions(pair["primary"]):
        test = handlers.INLINE_TESTS.get(function["name"])
        if function["folder"] is not None or test is None:
            raise handlers.ProjectError(f"no test is known for the function {function['name']}")
        # the primary's copy of the inline code is tested; test_dr_pair holds the recovery's equal
        out[f"tests/{test}"] = handlers.data(test).replace(
            f'load_inline("{function["name"]}")', f'load_inline("{function["name"]}", "primary/template.yaml")')
    out["deploy.sh"] = deploy_script(module, options, stack, pair)
    out["README.md"] = readme(module, options, stack=stack, pattern=pattern, pair=pair,
                              command=command_line(pattern, options, folder))
    out["requirements-dev.txt"] = docs.requirements()
    out[".pre-commit-config.yaml"] = docs.pre_commit()
    out[".github/workflows/ci.yml"] = docs.workflow(pair["primary"], "3.12")
    out[".gitignore"] = "__pycache__/\n.pytest_cache/\n.tmpllint_cache/\n"
    return out
