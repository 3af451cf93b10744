"""High availability (`95xx`) of placement: Auto Scaling groups, load balancers, NAT
gateways, subnets, ECS services and DNS failover."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from tmpllint.checks.base import (
    Documented,
    ResourceSchemaRule,
    condition_variants,
    existing_prefix,
    literal_values,
    properties,
    referenced_resource,
    reported_scenarios,
    resolve,
    resources_of,
    when,
)
from tmpllint.checks.model import model_of
from tmpllint.checks.availability.common import resource_active, flag_per_scenario, resource_scenarios


class AutoScalingMultiAz(Documented, ResourceSchemaRule):
    id = "W9504"
    shortdesc = "Auto Scaling groups span AZs"
    description = (
        "Flags an `AWS::AutoScaling::AutoScalingGroup` whose `VPCZoneIdentifier` lists one "
        "subnet or whose `AvailabilityZones` lists one zone. A list that comes from a "
        "parameter or a function is not judged."
    )
    why = (
        "An Auto Scaling group replaces instances within its subnets; with one subnet an "
        "AZ outage takes every instance down. The notes' three-tier layout puts the ASG "
        "in private subnets of several AZs."
    )
    seeds = ("002:419-421", "001:226")
    source_url = "https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-availability-zone-balanced.html"
    tags = ["availability", "autoscaling"]
    resource_types = ("AWS::AutoScaling::AutoScalingGroup",)
    schema_file = "asg_multi_az.json"
    example_fail = "VPCZoneIdentifier: [!Ref PrivateSubnetA]\n"
    example_pass = "VPCZoneIdentifier: [!Ref PrivateSubnetA, !Ref PrivateSubnetB]\n"

    def message(self, instance: Any, err) -> str:
        return (f"Auto Scaling group is in one AZ{self.scenario}; list subnets (or zones) "
                "in at least two AZs.")


class LoadBalancerMultiAz(Documented, ResourceSchemaRule):
    id = "W9505"
    shortdesc = "Load balancers span AZs"
    description = (
        "Flags an `AWS::ElasticLoadBalancingV2::LoadBalancer` with fewer than two "
        "`Subnets` or `SubnetMappings`."
    )
    why = (
        "A load balancer node runs in each subnet it is given; with one, the load "
        "balancer fails with that AZ (and an ALB requires two)."
    )
    seeds = ("002:160",)
    source_url = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#availability-zones"
    tags = ["availability", "elb"]
    resource_types = ("AWS::ElasticLoadBalancingV2::LoadBalancer",)
    schema_file = "lb_multi_az.json"
    example_fail = "Subnets: [!Ref PublicSubnetA]\n"
    example_pass = "Subnets: [!Ref PublicSubnetA, !Ref PublicSubnetB]\n"

    def message(self, instance: Any, err) -> str:
        return f"Load balancer is in one subnet{self.scenario}; give it subnets in at least two AZs."


class NatPerAz(Documented, CloudFormationLintRule):
    id = "W9506"
    shortdesc = "NAT gateways are per AZ"
    description = (
        "Flags an `AWS::EC2::NatGateway` that the default routes (`0.0.0.0/0`) of private "
        "subnets in two or more AZs lead to. Subnets, route-table associations, routes and "
        "NAT gateways are read from the template; AZs are compared when they are literal, "
        "`!Select [i, !GetAZs ...]` or a parameter's default, and unknown otherwise. A "
        "route whose `NatGatewayId` is an `!If` (a \"single NAT to save cost\" switch) is "
        "judged per branch, and only the branch that shares one NAT is flagged."
    )
    why = (
        "A NAT gateway lives in one AZ. When that AZ fails, the private subnets of the "
        "other AZs lose their internet route too: the saving of one NAT gateway is a "
        "trade-off against AZ failure. The notes: multiple NAT gateways in multiple AZs "
        "for fault tolerance."
    )
    seeds = ("001:2897",)
    source_url = "https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-basics.html"
    tags = ["availability", "vpc"]
    example_fail = "# PrivateRouteA and PrivateRouteB: NatGatewayId: !Ref NatA\n"
    example_pass = "# PrivateRouteA: NatGatewayId: !Ref NatA; PrivateRouteB: NatGatewayId: !Ref NatB\n"

    def match(self, cfn) -> list[RuleMatch]:
        model = model_of(cfn)
        routes = [route for route in model.default_routes if route.kind == "nat"]
        if not routes:
            return []
        conditions = [r.condition for r in routes] + list(model.nat_gateways.values()) + [
            s.condition for s in model.subnets.values()]
        scenarios = resource_scenarios(cfn, conditions, [r.target for r in routes])
        hits: dict[str, list] = defaultdict(list)
        served: dict[tuple, int] = {}
        for scenario in scenarios:
            zones: dict[str, set] = defaultdict(set)
            for route in routes:
                if not resource_active(route.condition, scenario):
                    continue
                nat = referenced_resource(resolve(route.target, scenario))
                if nat not in model.nat_gateways or not resource_active(model.nat_gateways[nat], scenario):
                    continue
                for subnet_id, table in model.subnet_route_table.items():
                    subnet = model.subnets.get(subnet_id)
                    if table == route.route_table and subnet and subnet.az \
                            and resource_active(subnet.condition, scenario):
                        zones[nat].add(subnet.az)
            for nat, azs in zones.items():
                if len(azs) >= 2:
                    hits[nat].append(scenario)
                    served[(nat, id(scenario))] = len(azs)

        def make(nat, scenario):
            count = max(v for (n, _), v in served.items() if n == nat)
            return RuleMatch(["Resources", nat],
                             f"NAT gateway '{nat}' serves private subnets in {count} AZs"
                             f"{when(scenario)}; if its AZ fails they all lose their internet "
                             "route. One NAT gateway per AZ avoids that (a single NAT saves "
                             "cost at the price of AZ failure).")
        return flag_per_scenario(hits, len(scenarios), make)


class SubnetsSpread(Documented, CloudFormationLintRule):
    id = "W9507"
    shortdesc = "Subnets are spread over AZs"
    description = (
        "Flags an `AWS::EC2::VPC` (or, for a VPC from elsewhere, its first subnet) whose "
        "two or more subnets in the template all sit in the same AZ: the same literal AZ, "
        "the same `!Select [i, !GetAZs ...]`, or the same parameter default. Subnets "
        "without `AvailabilityZone` get an AZ chosen by AWS and are not judged."
    )
    why = (
        "Everything placed in these subnets (instances, load balancer nodes, databases) "
        "shares one AZ and fails with it. The notes' architectures spread every tier "
        "over several AZs."
    )
    seeds = ("002:419-421",)
    source_url = "https://docs.aws.amazon.com/vpc/latest/userguide/configure-subnets.html"
    tags = ["availability", "vpc"]
    example_fail = "SubnetA: {AvailabilityZone: !Select [0, !GetAZs '']}\nSubnetB: {AvailabilityZone: !Select [0, !GetAZs '']}\n"
    example_pass = "SubnetA: {AvailabilityZone: !Select [0, !GetAZs '']}\nSubnetB: {AvailabilityZone: !Select [1, !GetAZs '']}\n"

    def match(self, cfn) -> list[RuleMatch]:
        by_vpc: dict[str, list] = defaultdict(list)
        for subnet_id, subnet in model_of(cfn).subnets.items():
            if subnet.vpc:
                by_vpc[subnet.vpc].append((subnet_id, subnet.az))
        matches = []
        resources = cfn.get_resources()
        for vpc, subnets in by_vpc.items():
            zones = {az for _, az in subnets}
            if len(subnets) < 2 or None in zones or len(zones) != 1:
                continue
            where = vpc if vpc in resources else subnets[0][0]
            matches.append(RuleMatch(["Resources", where],
                                     f"All {len(subnets)} subnets of '{vpc}' are in one AZ; "
                                     "put them in at least two (e.g. !Select [1, !GetAZs ''])."))
        return matches


class ServiceTaskCount(Documented, ResourceSchemaRule):
    id = "I9510"
    shortdesc = "ECS services keep more than one task"
    description = (
        "Flags (as info) a replica `AWS::ECS::Service` whose `DesiredCount` is below 2 or "
        "missing (the default is 1). Daemon services are not judged."
    )
    why = (
        "ECS spreads a service's tasks over AZs; one task is one AZ, and a deployment or "
        "a task failure is an outage until the replacement starts."
    )
    seeds = ("000:370",)
    source_url = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-rebalancing.html"
    tags = ["availability", "ecs"]
    resource_types = ("AWS::ECS::Service",)
    schema_file = "ecs_task_count.json"
    example_fail = "Web:\n  Type: AWS::ECS::Service\n  Properties: {DesiredCount: 1}\n"
    example_pass = "Web:\n  Type: AWS::ECS::Service\n  Properties: {DesiredCount: 2}\n"

    def message(self, instance: Any, err) -> str:
        return f"ECS service runs fewer than two tasks{self.scenario}; set DesiredCount: 2 or more."


class FailoverHealthChecked(Documented, CloudFormationLintRule):
    id = "W9512"
    shortdesc = "Failover records are health-checked"
    description = (
        "Flags an `AWS::Route53::RecordSet`, or a record of an `AWS::Route53::RecordSetGroup`, "
        "with `Failover: PRIMARY` and no `HealthCheckId`; an alias record passes with "
        "`AliasTarget.EvaluateTargetHealth: true` instead (default: false)."
    )
    why = (
        "Route 53 fails over only when it sees the primary as unhealthy: a primary record "
        "with no health check (or an alias that does not evaluate its target's health) is "
        "always healthy, so the secondary never answers. The notes list failover among "
        "Route 53's routing policies."
    )
    seeds = ("004:3607-3611",)
    source_url = "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-configuring.html"
    tags = ["availability", "route53"]
    example_fail = (
        "Primary:\n  Type: AWS::Route53::RecordSet\n  Properties:\n    Failover: PRIMARY\n"
        "    SetIdentifier: primary\n    Type: A\n    TTL: '60'\n    ResourceRecords: [192.0.2.10]\n"
    )
    example_pass = example_fail + "    HealthCheckId: !Ref PrimaryHealth\n"

    def match(self, cfn) -> list[RuleMatch]:
        records = []
        for name, resource in resources_of(cfn, "AWS::Route53::RecordSet", "AWS::Route53::RecordSetGroup"):
            props = properties(resource)
            if resource.get("Type") == "AWS::Route53::RecordSet":
                records.append((["Resources", name, "Properties"], props))
                continue
            items = props.get("RecordSets")
            for index, item in enumerate(items if isinstance(items, list) else []):
                records.append((["Resources", name, "Properties", "RecordSets", index], item))
        matches = []
        for base, record in records:
            if not isinstance(record, dict):
                continue
            variants = condition_variants(cfn, record)
            failing = [scenario for scenario, resolved in variants if self._unchecked(cfn, resolved)]
            alias = isinstance(record.get("AliasTarget"), dict)
            path = base + existing_prefix(record, ["Failover"])
            label = record.get("Name") if isinstance(record.get("Name"), str) else None
            what = f"Failover record '{label}'" if label else "Failover primary record"
            fix = ("set AliasTarget.EvaluateTargetHealth: true (or add a HealthCheckId)" if alias
                   else "add a HealthCheckId")
            for scenario in reported_scenarios(failing, len(variants)):
                matches.append(RuleMatch(path, f"{what} is never seen as unhealthy{when(scenario)}, so "
                                               f"it never fails over; {fix}."))
        return matches

    @staticmethod
    def _unchecked(cfn, record: Any) -> bool:
        if not isinstance(record, dict):
            return False
        failover = literal_values(cfn, record.get("Failover"))
        if not failover or not any(isinstance(v, str) and v.upper() == "PRIMARY" for v in failover):
            return False
        if record.get("HealthCheckId"):
            return False
        alias = record.get("AliasTarget")
        if isinstance(alias, dict):
            evaluate = literal_values(cfn, alias.get("EvaluateTargetHealth")) \
                if "EvaluateTargetHealth" in alias else [False]
            return evaluate is not None and any(str(v).lower() != "true" for v in evaluate)
        return alias is None
