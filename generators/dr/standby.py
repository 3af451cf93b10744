"""pilot-light and warm-standby: the three-tier stack as the primary; in the recovery
region the same tiers at zero or one instance and a cross-region read replica that one
stack update promotes (000:873-883)."""

from __future__ import annotations

from tmpllint.generators import three_tier, vpc
from tmpllint.generators.blocks import ignore
from tmpllint.generators.dr.common import APP, arn_parameter, dns, key
from tmpllint.yamlio import comment_before, equals, get_att, if_, mapping, no_value, ref, select, split


def three_tier_primary(strategy: str) -> tuple[dict, dict, dict, dict]:
    """The three-tier stack as it is, plus the replica's source ARN and the failover record."""
    template = three_tier.build(APP)
    params, res, outs = template["Parameters"], template["Resources"], template["Outputs"]
    outs["DatabaseArn"] = mapping(Description="Source of the recovery site's read replica "
                                  "(its PrimaryDatabaseArn)", Value=get_att("Database.DBInstanceArn"))
    dns(params, res, outs, strategy, "primary")
    return params, res, outs, template["Conditions"]


def replica_site(strategy: str) -> tuple[dict, dict, dict, dict]:
    network = vpc.Options(azs=APP.azs, data_subnets=True)
    params = three_tier.parameters(APP, network)
    warm = strategy == "warm-standby"
    params["PrimaryDatabaseArn"] = arn_parameter(
        "The primary database (output DatabaseArn of the primary stack); its region is read "
        "from the ARN.", r"rds:[a-z0-9-]+:\d{12}:db:[a-z][a-z0-9-]*",
        "the ARN of an RDS DB instance, such as arn:aws:rds:us-east-1:123456789012:db:name")
    params["PrimaryDatabaseSecretArn"] = arn_parameter(
        "The primary database's master user secret (output DatabaseSecretArn of the primary stack).",
        r"secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@!-]+",
        "the ARN of a Secrets Manager secret")
    params["PromoteReplica"] = mapping(
        Type="String", Default="false", AllowedValues=["true", "false"],
        Description="true: promote the read replica to a standalone, writable database (the "
                    "failover; it cannot be undone).")
    params["AppMinSize"] = mapping(
        Type="Number", Default=1 if warm else 0, AllowedValues=[1, 2, 3] if warm else [0, 1, 2, 3],
        Description="Application instances kept running; raise it to 2 or more on failover.")
    res = vpc.resources(network)
    three_tier.web_tier(res, APP, three_tier.ENGINES[APP.db_engine])
    secret = mapping(Effect="Allow", Action=["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                     Resource=ref("PrimaryDatabaseSecretArn"))
    three_tier.app_tier(
        res, APP, env=three_tier.DATABASE_ENV % "PrimaryDatabaseSecretArn", statements=[secret],
        min_size=ref("AppMinSize"), signals=1 if warm else None, in_service=1 if warm else 0,
        comment=("Warm standby: the full stack at reduced capacity, AppMinSize instances (one by "
                 "default) serving (000:881-883); creation waits for the first one's signal"
                 if warm else
                 "Pilot light: the app tier exists but runs AppMinSize instances, none by default "
                 "(000:873-875); on failover raise AppMinSize (no creation policy: the group "
                 "may start empty)"))
    res["ReplicaKey"] = key("Encrypts the read replica of ${AWS::StackName}")
    comment_before(res, "ReplicaKey", "A cross-region replica of an encrypted database needs a key "
                   "of its own region", 2)
    res["DatabaseSubnetGroup"] = mapping(Type="AWS::RDS::DBSubnetGroup", Properties=mapping(
        DBSubnetGroupDescription="Isolated data subnets",
        SubnetIds=[ref(f"DataSubnet{az + 1}") for az in range(APP.azs)]))
    res["Database"] = mapping(
        Type="AWS::RDS::DBInstance", DeletionPolicy="Retain", UpdateReplacePolicy="Retain",
        Metadata=ignore("W9806", "DeletionProtection follows DatabaseDeletionProtection (default true)"),
        Properties=mapping(
            SourceDBInstanceIdentifier=if_("Promote", no_value(), ref("PrimaryDatabaseArn")),
            SourceRegion=select(3, split(":", ref("PrimaryDatabaseArn"))),
            DBInstanceClass=ref("DbInstanceClass"), MultiAZ=True, KmsKeyId=get_att("ReplicaKey.Arn"),
            BackupRetentionPeriod=if_("Promote", 7, no_value()),
            DeletionProtection=ref("DatabaseDeletionProtection"), PubliclyAccessible=False,
            CopyTagsToSnapshot=True, DBSubnetGroupName=ref("DatabaseSubnetGroup"),
            VPCSecurityGroups=[ref("DatabaseSecurityGroup")]))
    comment_before(res, "Database", "The core kept running (000:874-875, \"often just the "
                   "database\"): a cross-region read replica of "
                   "the primary database (SourceDBInstanceIdentifier is its ARN, KmsKeyId a key of "
                   "this region). PromoteReplica=true removes SourceDBInstanceIdentifier, which "
                   "makes CloudFormation promote it, and turns on 7 days of backups. Retained on "
                   "delete: after a failover it holds the only copy of the data", 2)
    outs = three_tier.outputs(APP, network)
    conditions = mapping(*vpc.conditions().items())
    conditions["Promote"] = equals(ref("PromoteReplica"), "true")
    dns(params, res, outs, strategy, "recovery")
    return params, res, outs, conditions
