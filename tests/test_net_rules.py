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
                      "policy, so API Gateway refuses every deployment of it and nothing can invoke "
                      "it; add a Policy (SAM: Auth.ResourcePolicy) that allows execute-api:Invoke "
                      "from your VPC endpoint."]
