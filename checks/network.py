"""Family 6 (`96xx`): network exposure (RULES.md §6)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterator

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from tmpllint.checks.base import (
    Documented,
    ResourceSchemaRule,
    condition_variants,
    literal_values,
    properties,
    referenced_resource,
    reported_scenarios,
    resources_of,
    when,
)
from tmpllint.checks.model import model_of

#: Admin and database ports (RULES.md E9601), with the service for the message.
SENSITIVE_PORTS = {
    22: "SSH", 3389: "RDP", 3306: "MySQL", 5432: "PostgreSQL", 1433: "SQL Server",
    1521: "Oracle", 6379: "Redis", 11211: "Memcached", 27017: "MongoDB",
    9200: "Elasticsearch", 5601: "Kibana", 2049: "NFS",
}
WORLD = {"0.0.0.0/0", "::/0"}
ALL_PROTOCOLS = {"-1", "all"}
PORT_PROTOCOLS = {"tcp", "udp", "6", "17"}


def _world_rules(cfn) -> Iterator[tuple[list, dict, dict | None]]:
    """(path, ingress rule resolved for a scenario, scenario) for every ingress rule,
    inline (`SecurityGroupIngress`) or a separate `AWS::EC2::SecurityGroupIngress`."""
    for name, resource in resources_of(cfn, "AWS::EC2::SecurityGroup"):
        ingress = properties(resource).get("SecurityGroupIngress")
        base = ["Resources", name, "Properties", "SecurityGroupIngress"]
        items = ([(base + [index], item) for index, item in enumerate(ingress)]
                 if isinstance(ingress, list) else [(base, ingress)] if ingress is not None else [])
        for path, item in items:
            for scenario, resolved in condition_variants(cfn, item):
                for rule in resolved if isinstance(resolved, list) else [resolved]:
                    if isinstance(rule, dict):
                        yield path, rule, scenario
    for name, resource in resources_of(cfn, "AWS::EC2::SecurityGroupIngress"):
        for scenario, rule in condition_variants(cfn, properties(resource)):
            yield ["Resources", name, "Properties"], rule, scenario


def _exposure(cfn, rule: dict) -> tuple[str, int, int] | None:
    """(cidr, from, to) when `rule` admits the whole internet, else None (also when
    anything about it is unknown)."""
    cidrs = []
    for key in ("CidrIp", "CidrIpv6"):
        if key in rule:
            cidrs += [c for c in literal_values(cfn, rule[key]) or [] if c in WORLD]
    if not cidrs:
        return None
    protocol = str(rule.get("IpProtocol", "")).lower()
    if protocol in ALL_PROTOCOLS:
        return cidrs[0], 0, 65535
    if protocol not in PORT_PROTOCOLS:
        return None  # icmp and other protocols have no ports
    ports = []
    for key in ("FromPort", "ToPort"):
        values = literal_values(cfn, rule.get(key))
        try:
            ports.append(int(values[0]) if values and len(values) == 1 else None)
        except (TypeError, ValueError):
            ports.append(None)
    if None in ports:
        return None
    low, high = ports
    if low == -1 or high == -1:
        return cidrs[0], 0, 65535
    return cidrs[0], low, high


def _exposed_sensitive(low: int, high: int) -> list[int]:
    return [port for port in SENSITIVE_PORTS if low <= port <= high]


def _report(cfn, rule_filter) -> list[RuleMatch]:
    """Matches for each ingress rule that `rule_filter(cidr, low, high)` turns into a
    message, naming the condition only when the exposure depends on one."""
    hits: dict[tuple, list] = defaultdict(list)
    counts: dict[tuple, int] = defaultdict(int)
    for path, rule, scenario in _world_rules(cfn):
        counts[tuple(path)] += 1
        exposure = _exposure(cfn, rule)
        message = rule_filter(*exposure) if exposure else None
        if message:
            hits[(tuple(path), message)].append(scenario)
    matches = []
    for (path, message), scenarios in hits.items():
        for scenario in reported_scenarios(scenarios, counts[path]):
            matches.append(RuleMatch(list(path), message.replace("{when}", when(scenario))))
    return matches


class AdminPortsClosed(Documented, CloudFormationLintRule):
    id = "E9601"
    shortdesc = "Admin and database ports are not open to the world"
    description = (
        "Flags a security group ingress rule (inline or an `AWS::EC2::SecurityGroupIngress`) "
        "from `0.0.0.0/0` or `::/0` whose port range includes an admin or database port: "
        + ", ".join(f"{port} ({name})" for port, name in SENSITIVE_PORTS.items())
        + ". `IpProtocol: -1` (all traffic) includes them all. A CIDR or port from a "
        "parameter is judged by its default and allowed values."
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
        def message(cidr, low, high):
            ports = _exposed_sensitive(low, high)
            if not ports:
                return None
            names = ", ".join(f"{p} ({SENSITIVE_PORTS[p]})" for p in ports[:3])
            more = f" and {len(ports) - 3} more" if len(ports) > 3 else ""
            return (f"Ingress from {cidr} opens {names}{more}{{when}}; allow only the "
                    "address ranges or security groups that need it (or use SSM Session Manager).")
        return _report(cfn, message)


class NoAllPortsIngress(Documented, CloudFormationLintRule):
    id = "W9602"
    shortdesc = "No all-ports world ingress"
    description = (
        "Flags a world ingress rule whose port range spans more than one port and "
        "includes no admin or database port (a range that includes one, and `IpProtocol: "
        "-1`, are E9601's, so each rule gets one finding)."
    )
    why = (
        "A port range open to the internet exposes every service that ever listens in it, "
        "including ones started later for debugging."
    )
    seeds = ("001:146",)
    source_url = "https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html"
    tags = ["network", "ec2"]
    example_fail = "SecurityGroupIngress:\n  - {IpProtocol: tcp, FromPort: 8000, ToPort: 9000, CidrIp: 0.0.0.0/0}\n"
    example_pass = "SecurityGroupIngress:\n  - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0}\n"

    def match(self, cfn) -> list[RuleMatch]:
        def message(cidr, low, high):
            if low == high or _exposed_sensitive(low, high):
                return None
            return (f"Ingress from {cidr} opens ports {low}-{high}{{when}}; open only the "
                    "port of the service (e.g. 443).")
        return _report(cfn, message)


class DatabaseNotPublic(Documented, ResourceSchemaRule):
    id = "E9603"
    shortdesc = "Databases are not publicly accessible"
    description = (
        "Flags an RDS DB instance (outside a cluster, not a replica) with "
        "`PubliclyAccessible: true`, or with neither `PubliclyAccessible` nor "
        "`DBSubnetGroupName` (RDS then places it in the default VPC and makes it public); "
        "a Redshift cluster with `PubliclyAccessible: true` (off by default since 2025); "
        "and an `AWS::DMS::ReplicationInstance` unless `PubliclyAccessible: false` (its "
        "default is true)."
    )
    why = (
        "A public endpoint puts the database login on the internet; databases belong in "
        "private or isolated subnets, reached only from the application tier."
    )
    seeds = ("001:572", "002:419-421")
    source_url = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html"
    tags = ["network", "rds", "redshift", "dms"]
    resource_types = ("AWS::RDS::DBInstance", "AWS::Redshift::Cluster", "AWS::DMS::ReplicationInstance")
    schema_file = "database_not_public.json"
    example_fail = "Db:\n  Type: AWS::RDS::DBInstance\n  Properties: {PubliclyAccessible: true, ...}\n"
    example_pass = "Db:\n  Type: AWS::RDS::DBInstance\n  Properties: {DBSubnetGroupName: !Ref DataSubnets, PubliclyAccessible: false}\n"

    def message(self, instance: Any, err) -> str:
        return (f"{instance['Type']} is reachable from the internet{self.scenario}; set "
                "PubliclyAccessible: false and place it in private subnets.")


class BucketNotPublic(Documented, ResourceSchemaRule):
    id = "E9604"
    shortdesc = "S3 buckets are not public"
    description = (
        "Flags an `AWS::S3::Bucket` whose `PublicAccessBlockConfiguration` turns any of "
        "its four flags off (a flag left out of a given configuration is off), or whose "
        "`AccessControl` is `PublicRead`, `PublicReadWrite` or `AuthenticatedRead`. "
        "Default: all four blocks on since April 2023, so a bucket without the "
        "configuration passes. A deliberate public website bucket says so with "
        "`Metadata: cfn-lint: config: ignore_checks: [E9604]` (better: serve it through "
        "CloudFront with Origin Access Control)."
    )
    why = (
        "Public buckets are the classic data leak. The notes: S3 Block Public Access "
        "exists to stop exactly this, and public access is granted only on purpose."
    )
    seeds = ("001:740-750",)
    source_url = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html"
    tags = ["network", "s3", "public"]
    resource_types = ("AWS::S3::Bucket",)
    schema_file = "bucket_not_public.json"
    example_fail = "PublicAccessBlockConfiguration:\n  BlockPublicAcls: false\n"
    example_pass = (
        "PublicAccessBlockConfiguration:\n  BlockPublicAcls: true\n  BlockPublicPolicy: true\n"
        "  IgnorePublicAcls: true\n  RestrictPublicBuckets: true\n"
    )

    def message(self, instance: Any, err) -> str:
        return (f"S3 bucket can be made public{self.scenario}; keep all four "
                "PublicAccessBlockConfiguration flags true and use no public AccessControl.")


class PrivateSubnetNoPublicIp(Documented, CloudFormationLintRule):
    id = "W9605"
    shortdesc = "Instances in private subnets get no public IP"
    description = (
        "Flags an `AWS::EC2::Subnet` with `MapPublicIpOnLaunch: true` whose route table "
        "(from the template's associations) has no default route to an internet gateway, "
        "and an `AWS::EC2::Instance` or `AWS::EC2::LaunchTemplate` network interface with "
        "`AssociatePublicIpAddress: true` in such a private subnet. Subnets whose route "
        "table is not in the template are unknown and not flagged."
    )
    why = (
        "A public IP on an instance in a private subnet is either useless (no internet "
        "gateway route) or a sign the subnet is not private after all; the notes' layout "
        "keeps application instances in private subnets behind NAT."
    )
    seeds = ("001:2875-2899",)
    source_url = "https://docs.aws.amazon.com/vpc/latest/userguide/vpc-ip-addressing.html"
    tags = ["network", "ec2", "vpc"]
    example_fail = "PrivateA:\n  Type: AWS::EC2::Subnet\n  Properties: {MapPublicIpOnLaunch: true, ...}  # routed to a NAT\n"
    example_pass = "PrivateA:\n  Type: AWS::EC2::Subnet\n  Properties: {MapPublicIpOnLaunch: false, ...}\n"

    def match(self, cfn) -> list[RuleMatch]:
        model = model_of(cfn)
        public_tables = model.public_route_tables()
        private = {subnet for subnet, table in model.subnet_route_table.items()
                   if subnet in model.subnets and table not in public_tables}
        found = []
        for name, resource in resources_of(cfn, "AWS::EC2::Subnet"):
            if name in private and _true(cfn, properties(resource).get("MapPublicIpOnLaunch")):
                found.append(RuleMatch(["Resources", name, "Properties", "MapPublicIpOnLaunch"],
                                       f"Private subnet '{name}' gives instances public IPs; set "
                                       "MapPublicIpOnLaunch: false (or route it to an internet gateway)."))
        for name, resource in resources_of(cfn, "AWS::EC2::Instance", "AWS::EC2::LaunchTemplate"):
            props = properties(resource)
            data = props.get("LaunchTemplateData") if resource.get("Type") == "AWS::EC2::LaunchTemplate" else props
            base = ["Resources", name, "Properties"] + (
                ["LaunchTemplateData"] if resource.get("Type") == "AWS::EC2::LaunchTemplate" else [])
            interfaces = data.get("NetworkInterfaces") if isinstance(data, dict) else None
            for index, interface in enumerate(interfaces if isinstance(interfaces, list) else []):
                if not isinstance(interface, dict):
                    continue
                subnet = referenced_resource(interface.get("SubnetId"))
                if subnet in private and _true(cfn, interface.get("AssociatePublicIpAddress")):
                    found.append(RuleMatch(base + ["NetworkInterfaces", index, "AssociatePublicIpAddress"],
                                           f"'{name}' gets a public IP in private subnet '{subnet}'; "
                                           "set AssociatePublicIpAddress: false."))
        return found


def _true(cfn, value: Any) -> bool:
    values = literal_values(cfn, value)
    return bool(values) and any(str(v).lower() == "true" for v in values)
