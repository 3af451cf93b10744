"""Family 8 (`98xx`): backup, retention and recovery (RULES.md §8)."""

from __future__ import annotations

from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from tmpllint.checks.base import (
    Documented,
    ResourceSchemaRule,
    condition_variants,
    literal_values,
    properties,
    references_in,
    reported_scenarios,
    resources_of,
    scenarios,
    when,
    when_any,
)
from tmpllint.checks.model import model_of

#: cfn-lint's word for info; a match may carry it to report at a lower severity than
#: its rule's (read by tmpllint's engine; plain cfn-lint shows the rule's severity).
INFORMATIONAL = "informational"


#: Types W9801 judges -> (whether DeletionPolicy defaults to Snapshot, whether the type
#: supports Snapshot). S3 buckets are left out: CloudFormation cannot delete a bucket
#: that holds objects (the stack deletion fails and the bucket stays), so "deleted with
#: the stack" is not what happens to their data; cfn-lint's I3011 leaves S3 out too.
STATEFUL_TYPES = {
    "AWS::RDS::DBInstance": (True, True), "AWS::RDS::DBCluster": (True, True),
    "AWS::DynamoDB::Table": (False, False), "AWS::DynamoDB::GlobalTable": (False, False),
    "AWS::Serverless::SimpleTable": (False, False), "AWS::EFS::FileSystem": (False, False),
    "AWS::EC2::Volume": (False, True), "AWS::ElastiCache::ReplicationGroup": (False, True),
    "AWS::Kinesis::Stream": (False, False), "AWS::Cognito::UserPool": (False, False),
    "AWS::KMS::Key": (False, False),
}
_KEEP = {"Retain", "RetainExceptOnCreate", "Snapshot"}


class StatefulRetained(Documented, CloudFormationLintRule):
    id = "W9801"
    shortdesc = "Stateful resources survive stack deletion and replacement"
    description = (
        "Flags, once per resource, an RDS instance (outside a cluster, not a read replica) "
        "or cluster, DynamoDB table or global table, SAM SimpleTable, EFS file system, EBS "
        "volume, ElastiCache replication group, Kinesis stream, Cognito user pool or KMS "
        "key whose data is lost when the stack is deleted or when an update replaces it: "
        "`DeletionPolicy` missing (default `Delete`; RDS instances outside a cluster and "
        "RDS clusters default to `Snapshot`, so for them only replacement is at risk) or "
        "`UpdateReplacePolicy` missing (default `Delete` for every type). The message "
        "names the case that applies. Not flagged: an explicit `DeletionPolicy: Delete` "
        "(the author decided the data is disposable, which covers replacement too) or an "
        "explicit `UpdateReplacePolicy: Delete` (decided for replacement); a policy from a "
        "parameter (the deployer chooses); and resources protected from deletion "
        "(DynamoDB `DeletionProtectionEnabled: true`, on every replica of a global table; "
        "RDS `DeletionProtection: true`; Cognito `DeletionProtection: ACTIVE`): the API "
        "refuses the delete, so a stack deletion fails with the resource kept and the "
        "clean-up after a replacement fails with the old resource kept. S3 buckets are "
        "not judged: CloudFormation cannot delete a bucket that holds objects. Reported at "
        "info instead of warning: a Kinesis stream keeping records for 24 hours or less "
        "(a buffer), and a KMS key that encrypts nothing kept beyond the stack (no S3 "
        "bucket or retained resource refers to it): KMS waits 7 to 30 days before it "
        "deletes a key, and the deletion can be cancelled. cfn-lint's I3011 says the same "
        "as info for a subset of these types."
    )
    why = (
        "A renamed logical id, a replaced property or a deleted stack deletes the data "
        "with the resource. Retain or Snapshot keeps it; the notes' disaster recovery "
        "starts from data that still exists."
    )
    seeds = ("000:819-870",)
    source_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html"
    tags = ["backup", "cloudformation"]
    example_fail = "Table:\n  Type: AWS::DynamoDB::Table\n  Properties: {...}\n"
    example_pass = (
        "Table:\n  Type: AWS::DynamoDB::Table\n  DeletionPolicy: Retain\n"
        "  UpdateReplacePolicy: Retain\n  Properties: {...}\n"
    )

    def match(self, cfn) -> list[RuleMatch]:
        matches = []
        outliving = _keys_of_outliving_data(cfn)
        for name, resource in resources_of(cfn, *STATEFUL_TYPES):
            kind = resource["Type"]
            props = properties(resource)
            if kind == "AWS::RDS::DBInstance" and (props.get("DBClusterIdentifier")
                                                  or props.get("SourceDBInstanceIdentifier")):
                continue  # kept through its cluster / a replica holds no data of its own
            judged = {key: resource[key] for key in ("DeletionPolicy", "UpdateReplacePolicy")
                      if key in resource}
            judged["Properties"] = props
            variants = condition_variants(cfn, judged)
            hits: dict[str, list] = {}
            for scenario, resolved in variants:
                risk = _at_risk(cfn, kind, resolved)
                if risk:
                    hits.setdefault(risk, []).append(scenario)
            possible = [scenario for scenario, _ in variants]
            total = possible if None not in possible else len(possible)
            minor = _minor_loss(cfn, kind, name, props, outliving)
            extra = {"tmpllint_severity": INFORMATIONAL} if minor else {}
            for risk, failing in hits.items():
                terms = reported_scenarios(failing, total)
                matches.append(RuleMatch(["Resources", name],
                                         _retain_message(name, kind, risk, when_any(terms)),
                                         **extra))
        return matches


def _at_risk(cfn, kind: str, resolved: dict) -> str | None:
    """'both', 'delete' or 'replace': what loses the data in one scenario, or None."""
    props = resolved.get("Properties") if isinstance(resolved.get("Properties"), dict) else {}
    if _deletion_protected(cfn, kind, props):
        return None
    deletion = resolved.get("DeletionPolicy")
    if deletion is not None and "Delete" in (literal_values(cfn, deletion) or []):
        return None  # an explicit Delete (or a deployer's choice of it) is a decision
    snapshot_default = STATEFUL_TYPES[kind][0]
    on_delete = deletion is None and not snapshot_default
    on_replace = resolved.get("UpdateReplacePolicy") is None
    if on_delete and on_replace:
        return "both"
    return "delete" if on_delete else "replace" if on_replace else None


def _minor_loss(cfn, kind: str, name: str, props: dict, outliving: set[str]) -> bool:
    """Whether losing the resource costs little, so the finding is info: a Kinesis
    stream keeping records for the default 24 hours (a buffer, not a store), or a KMS key
    whose deletion waits 7-30 days (and can be cancelled) and that encrypts nothing the
    template keeps beyond the stack."""
    if kind == "AWS::Kinesis::Stream":
        hours = literal_values(cfn, props.get("RetentionPeriodHours", 24)) or [24]
        return all(isinstance(h, (int, float, str)) and str(h).isdigit() and int(h) <= 24
                   for h in hours)
    if kind == "AWS::KMS::Key":
        return name not in outliving
    return False


def _keys_of_outliving_data(cfn) -> set[str]:
    """KMS keys (logical ids) that encrypt data outliving the stack: referenced by an S3
    bucket (CloudFormation cannot delete one with objects) or by a resource whose
    DeletionPolicy keeps it."""
    keys = {name for name, _ in resources_of(cfn, "AWS::KMS::Key")}
    found: set[str] = set()
    for _, resource in cfn.get_resources().items():
        if not isinstance(resource, dict):
            continue
        kept = (resource.get("Type") == "AWS::S3::Bucket"
                or (isinstance(resource.get("DeletionPolicy"), str)
                    and resource["DeletionPolicy"] in _KEEP))
        if kept:
            found |= references_in(properties(resource)) & keys
    return found


def _deletion_protected(cfn, kind: str, props: dict) -> bool:
    def is_on(value, on=(True, "true", "True")) -> bool:
        values = literal_values(cfn, value) if value is not None else None
        return bool(values) and all(v in on for v in values)

    if kind == "AWS::DynamoDB::Table":
        return is_on(props.get("DeletionProtectionEnabled"))
    if kind == "AWS::DynamoDB::GlobalTable":
        replicas = props.get("Replicas")
        return isinstance(replicas, list) and bool(replicas) and all(
            isinstance(r, dict) and is_on(r.get("DeletionProtectionEnabled")) for r in replicas)
    if kind in ("AWS::RDS::DBInstance", "AWS::RDS::DBCluster"):
        return is_on(props.get("DeletionProtection"))
    if kind == "AWS::Cognito::UserPool":
        return is_on(props.get("DeletionProtection"), ("ACTIVE",))
    return False


def _retain_message(name: str, kind: str, risk: str, condition: str) -> str:
    keep = "Retain or Snapshot" if STATEFUL_TYPES[kind][1] else "Retain"
    lost = ("is scheduled for deletion" if kind == "AWS::KMS::Key" else "is deleted")
    if risk == "replace":
        kept = ("is snapshotted when the stack is deleted (the RDS default)"
                if STATEFUL_TYPES[kind][0] else "is kept when the stack is deleted")
        return (f"{kind} '{name}' {kept} but {lost} when an update replaces it{condition}; "
                f"set UpdateReplacePolicy: {keep.replace(' or ', ' (or ')}"
                f"{')' if ' or ' in keep else ''}.")
    if risk == "delete":
        return (f"{kind} '{name}' {lost} with the stack{condition}; set DeletionPolicy: "
                f"{keep.replace(' or ', ' (or ')}{')' if ' or ' in keep else ''}.")
    protect = {"AWS::DynamoDB::Table": " (or DeletionProtectionEnabled: true)",
               "AWS::Cognito::UserPool": " (or DeletionProtection: ACTIVE)"}.get(kind, "")
    return (f"{kind} '{name}' {lost} with the stack and when an update replaces it"
            f"{condition}; set DeletionPolicy and UpdateReplacePolicy to {keep}{protect}, "
            "or DeletionPolicy: Delete if the data is disposable.")


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
