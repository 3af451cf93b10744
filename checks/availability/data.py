"""High availability (`95xx`) of data stores: RDS, Aurora-style clusters, caches, search
domains, DAX and one-zone storage."""

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
    one_finding,
    resources_of,
    scenario_matches,
    when,
)
from tmpllint.checks.model import model_of
from tmpllint.checks.availability.common import resource_active, flag_per_scenario, as_number, resource_scenarios


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
        scenarios = resource_scenarios(cfn, conditions)
        hits: dict[str, list] = defaultdict(list)
        for scenario in scenarios:
            for name, members in clusters.items():
                if sum(1 for _, c in members if resource_active(c, scenario)) < 2:
                    hits[name].append(scenario)

        def make(name, scenario):
            count = sum(1 for _, c in clusters[name] if resource_active(c, scenario))
            return RuleMatch(["Resources", name],
                             f"Cluster '{name}' has {count} DB instance{'s' * (count != 1)}"
                             f"{when(scenario)}; add a reader in another AZ so a failure fails "
                             "over instead of waiting for a new instance.")
        return flag_per_scenario(hits, len(scenarios), make)


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


class SearchZoneAwareness(Documented, CloudFormationLintRule):
    id = "W9508"
    shortdesc = "OpenSearch survives a node or AZ"
    description = (
        "Flags an OpenSearch or Elasticsearch domain with one data node (`InstanceCount` "
        "missing or 1: the default), and a domain with more than one data node whose "
        "`ZoneAwarenessEnabled` is not true (default: off, so all nodes may share one AZ). "
        "A count or flag that cannot be resolved is not judged."
    )
    why = (
        "A one-node domain is down, and its unreplicated shards at risk, whenever that node "
        "or its AZ fails; with several nodes, zone awareness places replica shards in "
        "another AZ, without it one AZ failure can lose both copies of a shard. The notes: "
        "at least three nodes distributed across AZs for high availability."
    )
    seeds = ("000:261", "004:8607")
    source_url = "https://docs.aws.amazon.com/opensearch-service/latest/developerguide/managedomains-multiaz.html"
    tags = ["availability", "opensearch"]
    example_fail = "ClusterConfig: {InstanceCount: 4}\n"
    example_pass = "ClusterConfig:\n  InstanceCount: 4\n  ZoneAwarenessEnabled: true\n  ZoneAwarenessConfig: {AvailabilityZoneCount: 2}\n"

    _CONFIG = {"AWS::OpenSearchService::Domain": "ClusterConfig",
               "AWS::Elasticsearch::Domain": "ElasticsearchClusterConfig"}

    def match(self, cfn) -> list[RuleMatch]:
        matches = []
        for name, resource in resources_of(cfn, *self._CONFIG):
            key = self._CONFIG[resource.get("Type")]
            props = properties(resource)
            variants = condition_variants(cfn, props)
            hits: dict[tuple, list] = defaultdict(list)
            for scenario, resolved in variants:
                verdict = self._judge(cfn, resolved.get(key) if isinstance(resolved, dict) else None)
                if verdict:
                    path = ["Resources", name] + existing_prefix(resource, ["Properties", key, verdict[0]])
                    hits[(tuple(path), verdict[1])].append(scenario)
            matches += scenario_matches(hits, len(variants))
        return matches

    @staticmethod
    def _judge(cfn, config: Any) -> tuple[str, str] | None:
        if config is None:
            config = {}
        if not isinstance(config, dict):
            return None
        counts = literal_values(cfn, config.get("InstanceCount")) if "InstanceCount" in config else [1]
        numbers = [as_number(value) for value in counts or []]
        if not numbers or None in numbers:
            return None
        if 1 in numbers:
            return "InstanceCount", ("Search domain has one data node{when}; use two or more (three "
                                     "for a production domain) spread over AZs with "
                                     "ZoneAwarenessEnabled: true.")
        zone = literal_values(cfn, config.get("ZoneAwarenessEnabled")) \
            if "ZoneAwarenessEnabled" in config else [False]
        if zone is None or all(str(value).lower() == "true" for value in zone):
            return None
        return "ZoneAwarenessEnabled", ("Search domain with several nodes is not zone-aware{when}; "
                                        "set ZoneAwarenessEnabled: true.")


class DaxReplication(Documented, CloudFormationLintRule):
    id = "W9511"
    shortdesc = "DAX survives a node or AZ"
    description = (
        "Flags an `AWS::DAX::Cluster` whose `ReplicationFactor` (the number of nodes: one "
        "primary and its read replicas) is below 3. A factor from a parameter is judged by "
        "its default and allowed values; one that cannot be resolved is not judged."
    )
    why = (
        "DAX places a cluster's nodes across AZs; with fewer than three, one node or AZ "
        "failure leaves the cluster without its primary or without a replica to fail over "
        "to. The notes: at least three nodes distributed across AZs for high availability."
    )
    seeds = ("004:8607",)
    source_url = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/DAX.concepts.cluster.html"
    tags = ["availability", "dax"]
    example_fail = "Cache:\n  Type: AWS::DAX::Cluster\n  Properties: {ReplicationFactor: 1, ...}\n"
    example_pass = "Cache:\n  Type: AWS::DAX::Cluster\n  Properties: {ReplicationFactor: 3, ...}\n"

    def match(self, cfn) -> list[RuleMatch]:
        matches = []
        for name, resource in resources_of(cfn, "AWS::DAX::Cluster"):
            props = properties(resource)
            variants = condition_variants(cfn, props)
            failing = []
            for scenario, resolved in variants:
                value = resolved.get("ReplicationFactor") if isinstance(resolved, dict) else None
                numbers = [as_number(v) for v in literal_values(cfn, value) or []] if value is not None else []
                if numbers and None not in numbers and min(numbers) < 3:
                    failing.append((scenario, min(numbers)))
            path = ["Resources", name] + existing_prefix(resource, ["Properties", "ReplicationFactor"])
            for scenario in one_finding([s for s, _ in failing], len(variants)):
                count = min(n for _, n in failing)
                matches.append(RuleMatch(path, (
                    f"DAX cluster '{name}' has {count} node{'s' * (count != 1)}{when(scenario)}; set "
                    "ReplicationFactor: 3 or more so the nodes span three AZs.")))
        return matches


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
