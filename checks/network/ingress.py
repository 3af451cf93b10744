"""Network exposure (`96xx`): world-open security group ingress (E9601, W9602)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterator

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from tmpllint.checks.base import (
    Documented,
    condition_variants,
    literal_values,
    parameter,
    properties,
    referenced_resource,
    resources_of,
    scenario_matches,
)
from tmpllint.checks.model import security_group_users

#: Admin and database ports (RULES.md E9601), with the service for the message.
SENSITIVE_PORTS = {
    22: "SSH", 3389: "RDP", 3306: "MySQL", 5432: "PostgreSQL", 1433: "SQL Server",
    1521: "Oracle", 6379: "Redis", 11211: "Memcached", 27017: "MongoDB",
    9200: "Elasticsearch", 5601: "Kibana", 2049: "NFS",
}
WORLD = {"0.0.0.0/0", "::/0"}
ALL_PROTOCOLS = {"-1", "all"}
PORT_PROTOCOLS = {"tcp", "udp", "6", "17"}


def _world_rules(cfn) -> Iterator[tuple[list, str | None, dict, dict | None]]:
    """(path, group, ingress rule resolved for a scenario, scenario) for every ingress
    rule, inline (`SecurityGroupIngress`) or a separate `AWS::EC2::SecurityGroupIngress`;
    `group` is the logical id of the template's security group it belongs to, or None."""
    for name, resource in resources_of(cfn, "AWS::EC2::SecurityGroup"):
        ingress = properties(resource).get("SecurityGroupIngress")
        base = ["Resources", name, "Properties", "SecurityGroupIngress"]
        items = ([(base + [index], item) for index, item in enumerate(ingress)]
                 if isinstance(ingress, list) else [(base, ingress)] if ingress is not None else [])
        for path, item in items:
            for scenario, resolved in condition_variants(cfn, item):
                for rule in resolved if isinstance(resolved, list) else [resolved]:
                    if isinstance(rule, dict):
                        yield path, name, rule, scenario
    for name, resource in resources_of(cfn, "AWS::EC2::SecurityGroupIngress"):
        for scenario, rule in condition_variants(cfn, properties(resource)):
            if isinstance(rule, dict):
                group = referenced_resource(rule.get("GroupId")) or referenced_resource(rule.get("GroupName"))
                yield ["Resources", name, "Properties"], group, rule, scenario


def _cidr_text(cfn, value: Any, cidr: str) -> str:
    """How a message names the world CIDR: the literal, or the parameter it comes from
    with its default ("parameter 'SSHLocation' (default 0.0.0.0/0)")."""
    if isinstance(value, dict) and set(value) == {"Ref"}:
        declared = parameter(cfn, value["Ref"])
        if declared is not None:
            default = declared.get("Default")
            if isinstance(default, str) and default.strip() == cidr:
                return f"parameter '{value['Ref']}' (default {cidr})"
            return f"parameter '{value['Ref']}' (allowed value {cidr})"
    return cidr


def _exposure(cfn, rule: dict) -> tuple[str, int, int] | None:
    """(cidr text, from, to) when `rule` admits the whole internet, else None (also when
    anything about it is unknown). -1 for `from` means every protocol."""
    cidr = None
    for key in ("CidrIp", "CidrIpv6"):
        values = literal_values(cfn, rule.get(key)) if key in rule else None
        world = [v.strip() for v in values or [] if isinstance(v, str) and v.strip() in WORLD]
        if world:
            cidr = _cidr_text(cfn, rule[key], world[0])
            break
    if cidr is None:
        return None
    protocols = literal_values(cfn, rule.get("IpProtocol"))
    if not protocols or len(protocols) != 1 or isinstance(protocols[0], (dict, list)):
        return None
    protocol = str(protocols[0]).strip().lower()
    if protocol in ALL_PROTOCOLS:
        return cidr, -1, 65535
    if protocol not in PORT_PROTOCOLS:
        return None  # icmp and other protocols have no ports
    ports = []
    for key in ("FromPort", "ToPort"):
        values = literal_values(cfn, rule.get(key))
        try:
            ports.append(int(values[0]) if values and len(values) == 1
                         and isinstance(values[0], (int, str)) else None)
        except (TypeError, ValueError):
            ports.append(None)
    if None in ports:
        return None
    low, high = ports
    if low == -1 or high == -1:
        return cidr, 0, 65535
    return cidr, low, high


def _exposed_sensitive(low: int, high: int) -> list[int]:
    return [port for port in SENSITIVE_PORTS if max(low, 0) <= port <= high]


def _ports_text(low: int, high: int) -> str:
    if low < 0:
        return "all traffic (every protocol and port)"
    if low <= 1 and high >= 65535:
        return "all ports"
    return f"ports {low}-{high}"


#: What a group's users mean for a world-open rule: "reach" (instances, databases,
#: containers, or use unknown), else only "edge" (load balancers) or "internal".
def _group_role(cfn, group: str | None) -> tuple[str, list]:
    users = security_group_users(cfn).get(group, []) if group else []
    roles = {user.role for user in users}
    if not users or "reach" in roles:
        return "reach", users
    return ("edge" if "edge" in roles else "internal"), users


_ROLE_TEXT = {
    "edge": ("a group used only by load balancers", "open only the listener ports (e.g. 443)"),
    "internal": ("a group used only by VPC-internal resources",
                 "allow the VPC's CIDR or the clients' security group instead"),
}


def _verdict(cfn, group: str | None, cidr: str, low: int, high: int) -> tuple[str, str] | None:
    """(rule id, message) for one world-open rule: E9601 when an admin or database port
    reaches instances, databases or containers (or the group's use is unknown); W9602
    for a wide range otherwise; None when neither applies."""
    sensitive = _exposed_sensitive(low, high)
    wide = low < 0 or low != high
    role, users = _group_role(cfn, group)
    if sensitive and (role == "reach" or (role == "edge" and not wide)):
        if wide:
            what = (f"{_ports_text(low, high)}, SSH and RDP included" if 22 in sensitive
                    and 3389 in sensitive else f"{_ports_text(low, high)}, including "
                    + ", ".join(f"{p} ({SENSITIVE_PORTS[p]})" for p in sensitive[:3])
                    + (f" and {len(sensitive) - 3} more" if len(sensitive) > 3 else ""))
        else:
            what = ", ".join(f"{p} ({SENSITIVE_PORTS[p]})" for p in sensitive)
        return "E9601", (f"Ingress from {cidr} opens {what}{{when}}; allow only the address "
                         "ranges or security groups that need it (or use SSM Session Manager).")
    if not wide:
        return None
    if role in _ROLE_TEXT:
        used_by, fix = _ROLE_TEXT[role]
        names = ", ".join(sorted({user.logical_id for user in users})[:3])
        return "W9602", (f"Ingress from {cidr} opens {_ports_text(low, high)} of {used_by} "
                         f"({names}){{when}}; {fix}.")
    return "W9602", (f"Ingress from {cidr} opens {_ports_text(low, high)}{{when}}; open only the "
                     "port of the service (e.g. 443).")


def _report(cfn, rule_id: str) -> list[RuleMatch]:
    """Matches of `rule_id` for each world-open ingress rule, naming the condition only
    when the exposure depends on one."""
    hits: dict[tuple, list] = defaultdict(list)
    counts: dict[tuple, int] = defaultdict(int)
    for path, group, rule, scenario in _world_rules(cfn):
        counts[tuple(path)] += 1
        exposure = _exposure(cfn, rule)
        verdict = _verdict(cfn, group, *exposure) if exposure else None
        if verdict and verdict[0] == rule_id:
            hits[(tuple(path), verdict[1])].append(scenario)
    return scenario_matches(hits, {key: counts[key[0]] for key in hits})


class AdminPortsClosed(Documented, CloudFormationLintRule):
    id = "E9601"
    shortdesc = "Admin and database ports are not open to the world"
    description = (
        "Flags a security group ingress rule (inline or an `AWS::EC2::SecurityGroupIngress`) "
        "from `0.0.0.0/0` or `::/0` whose port range includes an admin or database port ("
        + ", ".join(f"{port} {name}" for port, name in SENSITIVE_PORTS.items())
        + ") on a group that reaches instances, databases or containers. A group reaches "
        "them unless every resource of the template that uses it is a load balancer or a "
        "VPC-internal endpoint (EFS mount target, interface VPC endpoint, Resolver endpoint, "
        "VPC link, Lambda function in a VPC: Lambda accepts no inbound connection); a group "
        "used by nothing in the template, or from a parameter or an import, is unknown and "
        "judged as reaching them, since that is what admin ports are for. A wide range "
        "(`IpProtocol: -1`, all TCP) on a group used only by load balancers or internal "
        "endpoints is W9602's instead; a single admin port on a load balancer's group stays "
        "here (a network load balancer forwards it). A CIDR or port from a parameter is "
        "judged by its default and allowed values, and the message names the parameter."
    )
    why = (
        "Internet-wide scanners find an open SSH, RDP or database port within minutes and "
        "start guessing passwords or exploiting the service. The notes: security groups "
        "open only what the tier needs, from the tier in front of it."
    )
    seeds = ("001:146-152", "001:2875-2879")
    source_url = "https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html"
    tags = ["network", "ec2"]
    example_fail = "SecurityGroupIngress:\n  - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 0.0.0.0/0}\n"
    example_pass = "SecurityGroupIngress:\n  - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 10.0.0.0/16}\n"

    def match(self, cfn) -> list[RuleMatch]:
        return _report(cfn, self.id)


class NoAllPortsIngress(Documented, CloudFormationLintRule):
    id = "W9602"
    shortdesc = "No all-ports world ingress"
    description = (
        "Flags a world ingress rule (`0.0.0.0/0`, `::/0`) with `IpProtocol: -1` or a port "
        "range wider than one port that E9601 does not report: a range with no admin or "
        "database port, or any wide range on a group used only by load balancers or "
        "VPC-internal endpoints (EFS mount targets, VPC endpoints, Lambda functions). The "
        "message says \"all ports\" for `-1` and 0-65535, and names the group's users. "
        "Each ingress rule gets one finding, E9601's or this one."
    )
    why = (
        "A port range open to the internet exposes every service that ever listens in it, "
        "including ones started later for debugging. On a load balancer's group it is "
        "harmless today (only listeners answer) but stops being so the day the group is "
        "reused for instances."
    )
    seeds = ("001:146",)
    source_url = "https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html"
    tags = ["network", "ec2"]
    example_fail = "SecurityGroupIngress:\n  - {IpProtocol: tcp, FromPort: 8000, ToPort: 9000, CidrIp: 0.0.0.0/0}\n"
    example_pass = "SecurityGroupIngress:\n  - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0}\n"

    def match(self, cfn) -> list[RuleMatch]:
        return _report(cfn, self.id)
