"""Network exposure, availability and W9207: messages and severities the fixtures'
`# expect:` lines cannot state, and no crash on schema-invalid values."""

from __future__ import annotations

from conftest import FIXTURES

CHECKS = FIXTURES / "checks"


def _messages(engine, fixture: str, rule: str) -> dict[int, str]:
    result = engine.lint_path(str(CHECKS / fixture))
    assert result.status == "ok", result.error
    return {f.line: f.message for f in result.findings if f.rule == rule}


def test_world_ingress_names_the_parameter_and_its_default(engine):
    messages = _messages(engine, "E9601/fail_group_use.yaml", "E9601")
    assert messages[25].startswith("Ingress from parameter 'SSHLocation' (default 0.0.0.0/0) opens 22 (SSH);")
    assert messages[39].startswith("Ingress from parameter 'DbCidr' (allowed value 0.0.0.0/0) opens 3306 (MySQL);")


def test_all_ports_are_called_all_ports_not_a_list_of_services(engine):
    messages = _messages(engine, "E9601/fail_group_use.yaml", "E9601")
    assert messages[24].startswith("Ingress from 0.0.0.0/0 opens all traffic (every protocol and port), "
                                   "SSH and RDP included;")
    assert messages[32].startswith("Ingress from 0.0.0.0/0 opens all ports, SSH and RDP included;")
    assert not any("more" in message for message in messages.values())


def test_load_balancer_and_internal_groups_get_w9602_naming_their_users(engine):
    messages = _messages(engine, "W9602/fail_edge_internal.yaml", "W9602")
    assert messages[14] == ("Ingress from 0.0.0.0/0 opens all traffic (every protocol and port) of a "
                            "group used only by load balancers (Alb); open only the listener ports "
                            "(e.g. 443).")
    assert messages[22] == ("Ingress from 0.0.0.0/0 opens all ports of a group used only by VPC-internal "
                            "resources (Function); allow the VPC's CIDR or the clients' security "
                            "group instead.")


def test_database_tls_opt_outs_warn_and_engine_defaults_inform(engine):
    result = engine.lint_path(str(CHECKS / "W9207/fail_parameter_groups.yaml"))
    severities = {f.line: f.severity for f in result.findings if f.rule == "W9207"}
    assert severities == {17: "warning", 25: "warning", 33: "info", 46: "info", 47: "info",
                          54: "info", 60: "info"}
    message = next(f.message for f in result.findings if f.rule == "W9207" and f.line == 47)
    assert message == ("RDS for PostgreSQL allows plain connections by default (rds.force_ssl 0 "
                       "below PostgreSQL 15) and 'OldPostgres' uses the default parameter group; "
                       "attach a parameter group that sets rds.force_ssl: 1.")


def test_private_api_chosen_by_a_parameter_names_it(engine):
    messages = _messages(engine, "E9608/fail_private_apis.yaml", "E9608")
    chosen = [m for m in messages.values() if "Choosable" in m]
    assert chosen == ["REST API 'Choosable' (private when parameter 'ApiType' is PRIVATE) has no resource "
                      "policy, so its deployment fails and nothing can invoke it; add a Policy (SAM: "
                      "Auth.ResourcePolicy) that allows execute-api:Invoke from your VPC endpoint."]


# -- no crash on schema-invalid values (issue 13) --------------------------------------
import json  # noqa: E402
import os  # noqa: E402

#: The fixtures of the rules in checks/network, checks/availability and W9207.
_FUZZ_RULES = ("E9601", "W9602", "E9603", "E9604", "W9605", "W9606", "W9607", "E9608",
               "W9501", "W9502", "W9503", "W9504", "W9505", "W9506", "W9507", "W9508",
               "I9509", "I9510", "W9511", "W9512", "W9207")
#: Every Nth mutation in CI; TMPLLINT_NET_FUZZ=1 runs all of them.
_STRIDE = 1 if os.environ.get("TMPLLINT_NET_FUZZ") else 15


def _type_mutations(document):
    """(path, replacement) for each value under Resources/Globals/Parameters: a string
    becomes a list, a mapping or a list a string, a number or boolean a mapping, and
    anything null."""
    from tmpllint.checks.base import walk

    for path, node in walk(document):
        if not path or path[0] not in ("Resources", "Globals", "Parameters") or len(path) < 3:
            continue
        if isinstance(node, str):
            yield path, [node]
        elif isinstance(node, (dict, list)):
            yield path, "not-a-" + type(node).__name__
        elif isinstance(node, (int, float, bool)):
            yield path, {"Value": node}
        yield path, None


def _replaced(document, path, value):
    copied = json.loads(json.dumps(document))
    node = copied
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return copied


def _match_rules():
    from cfnlint.rules import CloudFormationLintRule

    import tmpllint.checks as pack

    rules = []
    for name in pack.__all__:
        rule = getattr(pack, name)
        if rule.id in _FUZZ_RULES and "match" in vars(rule) and issubclass(rule, CloudFormationLintRule):
            rules.append(rule())
    return rules


def test_rules_survive_type_mutations_of_their_fixtures():
    from cfnlint.decode.decode import decode_str
    from cfnlint.template import Template

    rules = _match_rules()
    assert {rule.id for rule in rules} >= {"E9601", "W9602", "W9606", "W9607", "E9608", "W9207",
                                           "W9508", "W9511", "W9512"}
    fixtures = sorted(path for rule in _FUZZ_RULES for path in (CHECKS / rule).glob("*.yaml"))
    tried, crashed = 0, []
    for fixture in fixtures:
        template, _ = decode_str(fixture.read_text(encoding="utf-8"))
        document = json.loads(json.dumps(template, default=str))
        for index, (path, value) in enumerate(_type_mutations(document)):
            if index % _STRIDE:
                continue
            try:
                cfn = Template(str(fixture), _replaced(document, path, value), ["us-east-1"])
            except Exception:  # cfn-lint's own template model refused it: not ours
                continue
            tried += 1
            for rule in rules:
                try:
                    rule.match(cfn)
                except Exception as error:  # the assertion below lists them
                    crashed.append(f"{rule.id} on {fixture.name} with {path} = {value!r}: {error!r}")
    assert tried >= (2000 if _STRIDE == 1 else 100), tried
    assert crashed == []
