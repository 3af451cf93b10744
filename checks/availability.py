"""Family 5 (`95xx`): high availability and Multi-AZ (RULES.md §5).

Property rules are schema rules; the rules about the template as a whole (instances per
cluster, NAT gateways per AZ, subnets per VPC) read the shared model in `model.py`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from tmpllint.checks.base import (
    Documented,
    ResourceSchemaRule,
    condition_names,
    properties,
    referenced_resource,
    reported_scenarios,
    resolve,
    resources_of,
    when,
)
from tmpllint.checks.model import model_of


def _active(condition: str | None, scenario: dict | None) -> bool:
    """Whether a resource with `Condition: condition` exists in `scenario`."""
    return condition is None or scenario is None or scenario.get(condition, True)


def _scenarios(cfn, conditions, values=()) -> list[dict | None]:
    """Every possible scenario of resource conditions plus `Fn::If`s inside `values`."""
    names = {c for c in conditions if c}
    for value in values:
        names |= condition_names(value)
    if not names:
        return [None]
    return list(cfn.conditions.build_scenarios(dict.fromkeys(sorted(names)))) or [None]


def _flag_per_scenario(hits: dict, total: int, make) -> list[RuleMatch]:
    """One match per flagged thing: unconditional when it fails in every scenario,
    else one per failing scenario with the condition named."""
    matches = []
    for key, failing in hits.items():
        matches.extend(make(key, scenario) for scenario in reported_scenarios(failing, total))
    return matches


class RdsMultiAz(Documented, ResourceSchemaRule):
    id = "W9501"
    shortdesc = "RDS instances are Multi-AZ"
    description = (
        "Flags an `AWS::RDS::DBInstance` whose `MultiAZ` is missing or false. Default: "
        "single-AZ. Not flagged: instances in a cluster (Aurora, DocumentDB and Neptune "
        "get their standby from the cluster's instances, W9502) and read replicas."
    )
    why = (
        "A Multi-AZ instance keeps a synchronous standby in another AZ and fails over to "
        "it automatically; a single-AZ instance is down until AWS replaces it or you "
        "restore a backup."
    )
    seeds = ("000:46-51", "001:501-508")
    source_url = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZ.html"
    tags = ["availability", "rds"]
    resource_types = ("AWS::RDS::DBInstance",)
    schema_file = "rds_multi_az.json"
    example_fail = "Db:\n  Type: AWS::RDS::DBInstance\n  Properties: {Engine: postgres, MultiAZ: false}\n"
    example_pass = "Db:\n  Type: AWS::RDS::DBInstance\n  Properties: {Engine: postgres, MultiAZ: true}\n"

    def message(self, instance: Any, err) -> str:
        return f"RDS instance is single-AZ{self.scenario}; set MultiAZ: true."


class ClusterStandby(Documented, CloudFormationLintRule):
    id = "W9502"
    shortdesc = "Aurora, DocumentDB and Neptune clusters have a standby"
    description = (
        "Flags an `AWS::RDS::DBCluster` (provisioned Aurora), `AWS::DocDB::DBCluster` or "
        "`AWS::Neptune::DBCluster` that fewer than two DB instances of the template "
        "belong to (through `DBClusterIdentifier: !Ref Cluster` or the cluster's literal "
        "identifier). Instances with a `Condition` are counted per scenario. Not flagged: "
        "Aurora Serverless v1 (`EngineMode: serverless`), RDS Multi-AZ DB clusters "
        "(`DBClusterInstanceClass`, which bring their own instances), and every cluster "
        "when some instance's cluster cannot be resolved."
    )
    why = (
        "A cluster's storage spans AZs, but its compute is its instances: with one "
        "instance a failure means waiting for a new one; with a reader in another AZ "
        "the cluster fails over in about a minute."
    )
    seeds = ("001:1782", "001:1835")
    source_url = "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.AuroraHighAvailability.html"
    tags = ["availability", "rds", "aurora"]
    example_fail = "Cluster:\n  Type: AWS::RDS::DBCluster\nWriter:\n  Type: AWS::RDS::DBInstance\n  Properties: {DBClusterIdentifier: !Ref Cluster}\n"
    example_pass = example_fail + "Reader:\n  Type: AWS::RDS::DBInstance\n  Properties: {DBClusterIdentifier: !Ref Cluster}\n"

    _CLUSTERS = ("AWS::RDS::DBCluster", "AWS::DocDB::DBCluster", "AWS::Neptune::DBCluster")

    def match(self, cfn) -> list[RuleMatch]:
        model = model_of(cfn)
        if model.unplaced_cluster_instances:
            return []
        clusters = {}
        for name, resource in resources_of(cfn, *self._CLUSTERS):
            props = properties(resource)
            if props.get("EngineMode") == "serverless" or props.get("DBClusterInstanceClass"):
                continue
            clusters[name] = model.cluster_instances.get(name, [])
        conditions = [c for members in clusters.values() for _, c in members]
        scenarios = _scenarios(cfn, conditions)
        hits: dict[str, list] = defaultdict(list)
        for scenario in scenarios:
            for name, members in clusters.items():
                if sum(1 for _, c in members if _active(c, scenario)) < 2:
                    hits[name].append(scenario)

        def make(name, scenario):
            count = sum(1 for _, c in clusters[name] if _active(c, scenario))
            return RuleMatch(["Resources", name],
                             f"Cluster '{name}' has {count} DB instance{'s' * (count != 1)}"
                             f"{when(scenario)}; add a reader in another AZ so a failure fails "
                             "over instead of waiting for a new instance.")
        return _flag_per_scenario(hits, len(scenarios), make)


class CacheFailover(Documented, ResourceSchemaRule):
    id = "W9503"
    shortdesc = "ElastiCache fails over"
    description = (
        "Flags an `AWS::ElastiCache::ReplicationGroup` without `AutomaticFailoverEnabled: "
        "true` and `MultiAZEnabled: true`, or with `NumCacheClusters` below 2 or "
        "`ReplicasPerNodeGroup` below 1; and an `AWS::ElastiCache::CacheCluster` running "
        "Redis or Valkey, which is a single node. Defaults: failover and Multi-AZ off."
    )
    why = (
        "With a replica in another AZ and automatic failover, ElastiCache promotes the "
        "replica when the primary fails; without them the cache is gone until the node "
        "is replaced, and every request falls through to the database."
    )
    seeds = ("001:1795", "000:150")
    source_url = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/AutoFailover.html"
    tags = ["availability", "elasticache"]
    resource_types = ("AWS::ElastiCache::ReplicationGroup", "AWS::ElastiCache::CacheCluster")
    schema_file = "elasticache_failover.json"
    example_fail = "Cache:\n  Type: AWS::ElastiCache::ReplicationGroup\n  Properties: {NumCacheClusters: 1}\n"
    example_pass = (
        "Cache:\n  Type: AWS::ElastiCache::ReplicationGroup\n  Properties:\n    NumCacheClusters: 2\n"
        "    AutomaticFailoverEnabled: true\n    MultiAZEnabled: true\n"
    )

    def message(self, instance: Any, err) -> str:
        if instance["Type"] == "AWS::ElastiCache::CacheCluster":
            return (f"Redis cache cluster is a single node{self.scenario}; use a replication "
                    "group with a replica and automatic failover.")
        return (f"Replication group does not fail over across AZs{self.scenario}; set "
                "AutomaticFailoverEnabled and MultiAZEnabled to true with at least one replica.")


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
        scenarios = _scenarios(cfn, conditions, [r.target for r in routes])
        hits: dict[str, list] = defaultdict(list)
        served: dict[tuple, int] = {}
        for scenario in scenarios:
            zones: dict[str, set] = defaultdict(set)
            for route in routes:
                if not _active(route.condition, scenario):
                    continue
                nat = referenced_resource(resolve(route.target, scenario))
                if nat not in model.nat_gateways or not _active(model.nat_gateways[nat], scenario):
                    continue
                for subnet_id, table in model.subnet_route_table.items():
                    subnet = model.subnets.get(subnet_id)
                    if table == route.route_table and subnet and subnet.az \
                            and _active(subnet.condition, scenario):
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
        return _flag_per_scenario(hits, len(scenarios), make)


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


class SearchZoneAwareness(Documented, ResourceSchemaRule):
    id = "W9508"
    shortdesc = "OpenSearch is zone-aware"
    description = (
        "Flags an OpenSearch or Elasticsearch domain with more than one data node "
        "(`InstanceCount` 2 or more) whose `ZoneAwarenessEnabled` is not true. Default: "
        "off, so all nodes may share one AZ."
    )
    why = (
        "Zone awareness places replica shards in another AZ; without it, one AZ failure "
        "can lose both copies of a shard."
    )
    seeds = ("000:261",)
    source_url = "https://docs.aws.amazon.com/opensearch-service/latest/developerguide/managedomains-multiaz.html"
    tags = ["availability", "opensearch"]
    resource_types = ("AWS::OpenSearchService::Domain", "AWS::Elasticsearch::Domain")
    schema_file = "search_zone_awareness.json"
    example_fail = "ClusterConfig: {InstanceCount: 4}\n"
    example_pass = "ClusterConfig:\n  InstanceCount: 4\n  ZoneAwarenessEnabled: true\n  ZoneAwarenessConfig: {AvailabilityZoneCount: 2}\n"

    def message(self, instance: Any, err) -> str:
        return (f"Search domain with several nodes is not zone-aware{self.scenario}; set "
                "ZoneAwarenessEnabled: true.")


class OneZoneStorage(Documented, ResourceSchemaRule):
    id = "I9509"
    shortdesc = "One Zone storage is deliberate"
    description = (
        "Flags (as info) an `AWS::EFS::FileSystem` with `AvailabilityZoneName` (EFS One "
        "Zone) and an S3 lifecycle rule that moves objects to `ONEZONE_IA`."
    )
    why = (
        "One Zone classes cost less and keep a single copy per AZ: data that cannot be "
        "recreated is lost if that AZ is. The notes: Standard is Multi-AZ, great for "
        "production; One Zone is for development or re-creatable data."
    )
    seeds = ("002:128-135",)
    source_url = "https://docs.aws.amazon.com/efs/latest/ug/availability-durability.html"
    tags = ["availability", "efs", "s3"]
    resource_types = ("AWS::EFS::FileSystem", "AWS::S3::Bucket")
    schema_file = "one_zone_storage.json"
    example_fail = "Files:\n  Type: AWS::EFS::FileSystem\n  Properties: {AvailabilityZoneName: us-east-1a}\n"
    example_pass = "Files:\n  Type: AWS::EFS::FileSystem\n  Properties: {Encrypted: true}\n"

    def message(self, instance: Any, err) -> str:
        return (f"{instance['Type']} keeps data in one AZ{self.scenario}; make sure it can be "
                "recreated, or use a Multi-AZ storage class.")


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

