"""Family 8 (`98xx`): backup, retention and recovery (RULES.md §8)."""

from __future__ import annotations

from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from tmpllint.checks.base import (
    Documented,
    ResourceSchemaRule,
    literal_values,
    resources_of,
    scenarios,
    when,
)
from tmpllint.checks.model import model_of

#: cfn-lint's word for info; a match may carry it to report at a lower severity than
#: its rule's (read by tmpllint's engine; plain cfn-lint shows the rule's severity).
INFORMATIONAL = "informational"


class StatefulRetained(Documented, ResourceSchemaRule):
    id = "W9801"
    shortdesc = "Stateful resources survive stack deletion and replacement"
    description = (
        "Flags an RDS instance (outside a cluster) or cluster, DynamoDB table or global "
        "table, SAM SimpleTable, S3 bucket, EFS file system, EBS volume, ElastiCache "
        "replication group, Kinesis stream, Cognito user pool or KMS key without "
        "`DeletionPolicy` and `UpdateReplacePolicy` of `Retain`, `RetainExceptOnCreate` "
        "or `Snapshot` (where the type supports snapshots; cfn-lint reports the others). "
        "Default: `Delete`. cfn-lint's I3011 hints at the same for some types as info; "
        "W9801 is the gate-level rule, so `--ignore I3011` avoids the duplicate."
    )
    why = (
        "A renamed logical id, a replaced property or a deleted stack deletes the data "
        "with the resource. Retain or Snapshot keeps it; the notes' disaster recovery "
        "starts from data that still exists."
    )
    seeds = ("000:819-870",)
    source_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html"
    tags = ["backup", "cloudformation"]
    resource_types = (
        "AWS::RDS::DBInstance", "AWS::RDS::DBCluster", "AWS::DynamoDB::Table",
        "AWS::DynamoDB::GlobalTable", "AWS::Serverless::SimpleTable", "AWS::S3::Bucket",
        "AWS::EFS::FileSystem", "AWS::EC2::Volume", "AWS::ElastiCache::ReplicationGroup",
        "AWS::Kinesis::Stream", "AWS::Cognito::UserPool", "AWS::KMS::Key",
    )
    schema_file = "stateful_retained.json"
    example_fail = "Table:\n  Type: AWS::DynamoDB::Table\n  Properties: {...}\n"
    example_pass = "Table:\n  Type: AWS::DynamoDB::Table\n  DeletionPolicy: Retain\n  UpdateReplacePolicy: Retain\n  Properties: {...}\n"

    def message(self, instance: Any, err) -> str:
        return (f"{instance['Type']} is deleted with the stack or on replacement{self.scenario}; "
                "set DeletionPolicy and UpdateReplacePolicy to Retain (or Snapshot).")


class RdsBackupsOn(Documented, ResourceSchemaRule):
    id = "W9802"
    shortdesc = "Automated backups are on"
    description = (
        "Flags an RDS DB instance (outside a cluster, not a replica) or DB cluster with "
        "`BackupRetentionPeriod: 0`, which turns automated backups and point-in-time "
        "recovery off. Default: 1 day (see I9805)."
    )
    why = (
        "Automated backups are what point-in-time restore is made of; with 0 days the only "
        "way back is a manual snapshot, if someone took one."
    )
    seeds = ("001:515", "000:66-69")
    source_url = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_WorkingWithAutomatedBackups.html"
    tags = ["backup", "rds"]
    resource_types = ("AWS::RDS::DBInstance", "AWS::RDS::DBCluster")
    schema_file = "rds_backups_on.json"
    example_fail = "BackupRetentionPeriod: 0\n"
    example_pass = "BackupRetentionPeriod: 7\n"

    def message(self, instance: Any, err) -> str:
        return (f"Automated backups are off{self.scenario}; set BackupRetentionPeriod to 7 "
                "days or more.")


class RdsBackupsWeek(Documented, ResourceSchemaRule):
    id = "I9805"
    shortdesc = "Backups are kept a week"
    description = (
        "Flags (as info) an RDS DB instance (outside a cluster, not a replica) or DB "
        "cluster whose `BackupRetentionPeriod` is between 1 and 6 days, or missing (the "
        "default is 1 day)."
    )
    why = (
        "A problem found on Monday that started on Friday needs Friday's backup; a week "
        "of retention covers a weekend and a slow discovery."
    )
    seeds = ("001:515",)
    source_url = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_WorkingWithAutomatedBackups.html#USER_WorkingWithAutomatedBackups.BackupRetention"
    tags = ["backup", "rds"]
    resource_types = ("AWS::RDS::DBInstance", "AWS::RDS::DBCluster")
    schema_file = "rds_backups_week.json"
    example_fail = "BackupRetentionPeriod: 1\n"
    example_pass = "BackupRetentionPeriod: 7\n"

    def message(self, instance: Any, err) -> str:
        return f"Backups are kept less than a week{self.scenario}; set BackupRetentionPeriod: 7 or more."


class DynamoDbPitr(Documented, ResourceSchemaRule):
    id = "W9803"
    shortdesc = "DynamoDB has point-in-time recovery"
    description = (
        "Flags an `AWS::DynamoDB::Table`, and each replica of an "
        "`AWS::DynamoDB::GlobalTable`, whose "
        "`PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled` is not true. "
        "Default: off."
    )
    why = (
        "Point-in-time recovery restores a table to any second of the last 35 days: the "
        "way back from a bad deployment or a mistaken delete. Export to S3 needs it too."
    )
    seeds = ("001:1694-1697", "001:1809")
    source_url = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Point-in-time-recovery.html"
    tags = ["backup", "dynamodb"]
    resource_types = ("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable")
    schema_file = "dynamodb_pitr.json"
    example_fail = "Table:\n  Type: AWS::DynamoDB::Table\n  Properties: {...}\n"
    example_pass = "PointInTimeRecoverySpecification:\n  PointInTimeRecoveryEnabled: true\n"

    def message(self, instance: Any, err) -> str:
        return (f"DynamoDB table has no point-in-time recovery{self.scenario}; set "
                "PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled: true.")


class BucketVersioning(Documented, CloudFormationLintRule):
    id = "W9804"
    shortdesc = "Buckets are versioned"
    description = (
        "Flags an `AWS::S3::Bucket` whose `VersioningConfiguration.Status` is not "
        "`Enabled`. Buckets that receive logs (another bucket's access logs, load "
        "balancer, CloudFront, CloudTrail or flow logs) are reported as info instead of "
        "a warning: their objects are written once and rarely need versions. (Plain "
        "cfn-lint shows those at the rule's warning level.)"
    )
    why = (
        "Versioning keeps every overwritten and deleted object recoverable, and it is "
        "required for replication; the notes list it first among S3 best practices."
    )
    seeds = ("001:755-808",)
    source_url = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html"
    tags = ["backup", "s3"]
    example_fail = "Data:\n  Type: AWS::S3::Bucket\n"
    example_pass = "Data:\n  Type: AWS::S3::Bucket\n  Properties:\n    VersioningConfiguration: {Status: Enabled}\n"

    def match(self, cfn) -> list[RuleMatch]:
        log_targets = model_of(cfn).log_target_buckets
        matches = []
        for name, bucket in resources_of(cfn, "AWS::S3::Bucket"):
            props = bucket.get("Properties") if isinstance(bucket.get("Properties"), dict) else {}
            for scenario, chosen in scenarios(cfn, props, ["VersioningConfiguration"]):
                versioning = chosen.get("VersioningConfiguration")
                status = versioning.get("Status") if isinstance(versioning, dict) else None
                values = [None] if status is None else literal_values(cfn, status)
                if values is None or all(value == "Enabled" for value in values):
                    continue
                path = ["Resources", name] + (["Properties", "VersioningConfiguration"]
                                              if "VersioningConfiguration" in props else [])
                extra = {"tmpllint_severity": INFORMATIONAL} if name in log_targets else {}
                matches.append(RuleMatch(path, f"Bucket '{name}' is not versioned{when(scenario)}; "
                                               "set VersioningConfiguration.Status: Enabled.", **extra))
        return matches


class RdsDeletionProtection(Documented, ResourceSchemaRule):
    id = "W9806"
    shortdesc = "Databases are protected from deletion"
    description = (
        "Flags an RDS DB instance (outside a cluster) or DB cluster whose "
        "`DeletionProtection` is not true. Default: off. Read replicas "
        "(`SourceDBInstanceIdentifier`, `SourceDBClusterIdentifier`) and restored instances "
        "are judged like any instance: they accept the setting, a cross-region replica is "
        "often the disaster-recovery copy, and a point-in-time restore is a database of its "
        "own. Aurora instances (`DBClusterIdentifier`) are judged through their cluster."
    )
    why = (
        "Deletion protection makes deleting the database a two-step decision: a stack "
        "update or a console click cannot remove it by accident."
    )
    seeds = ("000:815-870",)
    source_url = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_DeleteInstance.html#USER_DeletionProtection"
    tags = ["backup", "rds"]
    resource_types = ("AWS::RDS::DBInstance", "AWS::RDS::DBCluster")
    schema_file = "rds_deletion_protection.json"
    example_fail = "Db:\n  Type: AWS::RDS::DBInstance\n  Properties: {Engine: postgres}\n"
    example_pass = "Db:\n  Type: AWS::RDS::DBInstance\n  Properties: {Engine: postgres, DeletionProtection: true}\n"

    def message(self, instance: Any, err) -> str:
        return f"Database can be deleted by accident{self.scenario}; set DeletionProtection: true."


class RedisSnapshots(Documented, ResourceSchemaRule):
    id = "W9807"
    shortdesc = "Redis keeps snapshots"
    description = (
        "Flags a Redis or Valkey `AWS::ElastiCache::ReplicationGroup` or "
        "`AWS::ElastiCache::CacheCluster` whose `SnapshotRetentionLimit` is 0 or missing "
        "(the default, 0, takes no automatic snapshots). Memcached has no snapshots and "
        "is not judged."
    )
    why = (
        "An automatic daily snapshot is the only way to restore a Redis dataset after a "
        "failure or a bad write; with 0 there is none."
    )
    seeds = ("001:1797",)
    source_url = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/backups-automatic.html"
    tags = ["backup", "elasticache"]
    resource_types = ("AWS::ElastiCache::ReplicationGroup", "AWS::ElastiCache::CacheCluster")
    schema_file = "redis_snapshots.json"
    example_fail = "SnapshotRetentionLimit: 0\n"
    example_pass = "SnapshotRetentionLimit: 7\n"

    def message(self, instance: Any, err) -> str:
        return f"Redis takes no automatic snapshots{self.scenario}; set SnapshotRetentionLimit: 1 or more."
