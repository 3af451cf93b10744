"""`tmpllint new dr`: disaster recovery across two regions, as a PAIR of templates (a
primary site and a recovery site) for one of the four strategies of the notes:

- backup-restore: AWS Backup vaults with customer managed keys in both regions; the
  primary's plan backs up every resource tagged for it and copies each recovery point to
  the recovery region's vault (the recovery stack deploys FIRST: the copy needs its vault);
- pilot-light: the primary three-tier stack; in the recovery region a cross-region,
  encrypted read replica of its database and the web and app tiers kept at zero instances;
- warm-standby: the same recovery stack running at reduced capacity (one instance);
- multi-site: both regions serve at full capacity from a DynamoDB global table, behind
  Route 53 latency records with health checks.

Pilot light and warm standby fail over with Route 53 failover records (health-checked
primary, recovery as secondary); failing over the data is one stack update of the recovery
site (PromoteReplica=true, AppMinSize up), since CloudFormation promotes a read replica
when SourceDBInstanceIdentifier is removed.

Notes: 000:866-899 (the four strategies; RTO/RPO classes at 000:889-898), 001:3100-3130
(backup and restore is the high-RPO strategy), 001:3209-3229 (AWS Backup: plans,
cross-region copies, tag-based selection), 000:856 (Route 53 failover and ELB).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from tmpllint.generators import three_tier, vpc
from tmpllint.generators.blocks import ignore, interface
from tmpllint.yamlio import (
    comment_before,
    equals,
    get_att,
    if_,
    mapping,
    no_value,
    not_,
    ref,
    select,
    split,
    sub,
)

NAME = "dr"
SUMMARY = ("Disaster recovery over two regions (backup-restore, pilot-light, warm-standby, "
           "multi-site): a primary and a recovery template")
SEEDS = ("000:866-899", "001:3100-3130", "001:3209-3229")
STRATEGIES = ("backup-restore", "pilot-light", "warm-standby", "multi-site")
SITES = ("primary", "recovery")
#: The RTO/RPO class of each strategy, as the notes give it.
RTO_RPO = {
    "backup-restore": "RPO and RTO in hours: data since the last copied backup is lost, and "
                      "recovery restores the backups and rebuilds the stack (001:3117 \"High RPO\")",
    "pilot-light": "RTO and RPO in 10s of minutes (000:890-891)",
    "warm-standby": "RTO and RPO in minutes (000:894-895)",
    "multi-site": "RTO and RPO near real-time, automatic failover to a running duplicate (000:897-899)",
}
#: Which site deploys first; the second takes outputs of the first as parameters.
ORDER = {strategy: ("primary", "recovery") for strategy in STRATEGIES}
ORDER["backup-restore"] = ("recovery", "primary")
#: parameter of the second stack <- output of the first, per strategy.
HANDOFF = {
    "backup-restore": {"RecoveryVaultArn": "RecoveryVaultArn", "RecoveryKeyArn": "RecoveryKeyArn"},
    "pilot-light": {"PrimaryDatabaseArn": "DatabaseArn", "PrimaryDatabaseSecretArn": "DatabaseSecretArn"},
    "warm-standby": {"PrimaryDatabaseArn": "DatabaseArn", "PrimaryDatabaseSecretArn": "DatabaseSecretArn"},
    "multi-site": {"TableName": "TableName"},
}
#: Why the pair deploys in that order (the README says it).
ORDER_WHY = {
    "backup-restore": "The recovery stack goes first although it is the second region: the "
                      "primary's backup plan copies into the recovery vault, whose ARN and key it "
                      "needs when it is created.",
    "pilot-light": "The recovery stack's read replica needs the primary database to exist.",
    "warm-standby": "The recovery stack's read replica needs the primary database to exist.",
    "multi-site": "The primary stack creates the global table with its replica in "
                  "RECOVERY_REGION, which the recovery stack's application then uses.",
}
#: What an operator does when the primary region fails (the README's runbook).
FAILOVER = {
    "backup-restore": "Restore the latest copies from the recovery vault (output `RecoveryVaultName`) "
                      "with `aws backup start-restore-job --region $RECOVERY_REGION "
                      "--iam-role-arn <output RestoreRoleArn> ...` (or the console), then deploy "
                      "the application stack into RECOVERY_REGION pointing at the restored "
                      "resources. Test a restore regularly: an untested backup is not a recovery "
                      "plan (000:871 \"Restore Strategies\").",
    "pilot-light": "Route 53 already answers with the recovery site once the primary's health "
                   "check fails, but nothing serves there yet: update the recovery stack alone "
                   "(the command below; parameters it does not name keep their values), which "
                   "promotes the replica to a writable database (CloudFormation promotes a read "
                   "replica when SourceDBInstanceIdentifier goes away) and starts two instances. "
                   "Promotion cannot be undone: once the primary region is back, rebuild the "
                   "primary from the promoted database. The application reads the primary "
                   "region's secret; after promotion give the database a secret of this region "
                   "(`aws rds modify-db-instance --manage-master-user-password`) and set "
                   "`PrimaryDatabaseSecretArn` to it. From then on deploy with "
                   "`RECOVERY_PROMOTE_REPLICA=true`: false would ask CloudFormation to make the "
                   "promoted database a replica again, which it cannot.",
    "warm-standby": "Route 53 fails over to the recovery site, already serving from one "
                    "instance, when the primary's health check fails. Then update the recovery "
                    "stack alone (the command below): the replica becomes a writable database "
                    "and the Auto Scaling group grows to the primary's two instances. Promotion cannot be "
                    "undone; set a secret of this region (`aws rds modify-db-instance "
                    "--manage-master-user-password`, then `PrimaryDatabaseSecretArn`) and keep "
                    "`RECOVERY_PROMOTE_REPLICA=true` in later deploys.",
    "multi-site": "Nothing to do: both regions serve, and Route 53's latency records stop "
                  "answering with a region whose health check fails. Writes made in the failed "
                  "region in the last second may arrive late (global tables replicate "
                  "asynchronously); design for last-writer-wins.",
}
#: The recovery stack's parameters on failover (one `aws cloudformation deploy` of it alone).
FAILOVER_UPDATE = {"pilot-light": {"PromoteReplica": "true", "AppMinSize": "2"},
                   "warm-standby": {"PromoteReplica": "true", "AppMinSize": "2"}}
#: The primary site's region, told to the multi-site template (its global table's replica list).
REGION_PARAMETERS = {"multi-site": {"primary": {"RecoveryRegion": "RECOVERY_REGION"}}}
APP = three_tier.Options(azs=2, db_engine="postgres")
#: The recovery vault's lock: copies younger than this many days cannot be deleted.
MIN_COPY_DAYS = 7
ARN = r"arn:aws[a-z-]*"


@dataclass(frozen=True)
class Options:
    strategy: str = "pilot-light"
    site: str = "primary"

    def validate(self) -> None:
        if self.strategy not in STRATEGIES:
            raise ValueError(f"--strategy must be one of {', '.join(STRATEGIES)}")
        if self.site not in SITES:
            raise ValueError(f"--site must be one of {', '.join(SITES)}")


def _arn_parameter(description: str, service_pattern: str, example: str) -> dict:
    return mapping(Type="String", AllowedPattern=f"^{ARN}:{service_pattern}$",
                   ConstraintDescription=example, Description=description)


def _key(description: str, statements: list | None = None) -> dict:
    """A rotated, retained KMS key administered by the account (IAM policies grant its use)."""
    account = mapping(AWS=sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root"))
    return mapping(
        Type="AWS::KMS::Key", DeletionPolicy="Retain", UpdateReplacePolicy="Retain",
        Properties=mapping(Description=sub(description), EnableKeyRotation=True, KeyPolicy=mapping(
            Version="2012-10-17", Statement=[mapping(
                Sid="AccountAdministersTheKey", Effect="Allow", Principal=account,
                Action="kms:*", Resource="*")] + (statements or []))))


def _key_use(*keys) -> dict:
    """The IAM statement letting AWS Backup (on a role's behalf) encrypt with `keys`."""
    keys = [_copy(key) for key in keys]
    return mapping(Effect="Allow", Action=["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom",
                                           "kms:ReEncryptTo", "kms:GenerateDataKey",
                                           "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"],
                   Resource=list(keys))


def _grant(*keys) -> dict:
    keys = [_copy(key) for key in keys]
    return mapping(Effect="Allow", Action="kms:CreateGrant", Resource=list(keys),
                   Condition=mapping(Bool=mapping(("kms:GrantIsForAWSResource", "true"))))


def _copy(node):
    """A fresh copy of a node (a node used twice would be dumped as a YAML alias)."""
    return copy.deepcopy(node)


def _backup_role(name: str, managed: str, keys: list, comment: str, res: dict) -> None:
    res[name] = mapping(Type="AWS::IAM::Role", Properties=mapping(
        AssumeRolePolicyDocument=mapping(Version="2012-10-17", Statement=[mapping(
            Effect="Allow", Principal=mapping(Service="backup.amazonaws.com"), Action="sts:AssumeRole")]),
        ManagedPolicyArns=[sub(f"arn:${{AWS::Partition}}:iam::aws:policy/service-role/{managed}")],
        Policies=[mapping(PolicyName="use-the-vault-keys", PolicyDocument=mapping(
            Version="2012-10-17", Statement=[_key_use(*keys), _grant(*keys)]))]))
    comment_before(res, name, comment + ". The trust policy is the one of AWS Backup's default "
                   "role (no source condition: AWS Backup does not send one when it assumes the role)", 2)


# -- backup-restore -------------------------------------------------------------------------


def _backup_restore(site: str) -> tuple[dict, dict, dict]:
    params, res, outs = mapping(), mapping(), mapping()
    label = "primary" if site == "primary" else "recovery"
    publishes = [] if site == "recovery" else [mapping(
        Sid="BackupPublishesJobEvents", Effect="Allow", Principal=mapping(Service="backup.amazonaws.com"),
        Action=["kms:GenerateDataKey*", "kms:Decrypt"], Resource="*")]
    res["BackupKey"] = _key(f"Encrypts the {label} backup vault of ${{AWS::StackName}}", publishes)
    comment_before(res, "BackupKey", "Backups are encrypted with a customer managed key of this "
                   "region (KMS keys never leave their region); its use is granted to the backup "
                   "roles by IAM" + ("" if site == "recovery" else
                                     ". AWS Backup also publishes job events to the encrypted topic"), 2)
    vault = mapping(BackupVaultName=sub(f"${{AWS::StackName}}-{label}"),
                    EncryptionKeyArn=get_att("BackupKey.Arn"))
    res["BackupVault"] = mapping(
        Type="AWS::Backup::BackupVault", DeletionPolicy="Retain", UpdateReplacePolicy="Retain",
        Properties=vault)
    if site == "recovery":
        vault["LockConfiguration"] = mapping(MinRetentionDays=MIN_COPY_DAYS)
    else:
        res["BackupVault"].insert(1, "DependsOn", "JobEventsTopicPolicy")
        vault["Notifications"] = mapping(BackupVaultEvents=["BACKUP_JOB_COMPLETED", "COPY_JOB_FAILED"],
                                         SNSTopicArn=ref("JobEventsTopic"))
    named = ("Named STACK-%s: vault names are 2 to 50 characters, so keep the stack name to "
             "%d characters" % (label, 50 - len(label) - 1))
    if site == "recovery":
        comment_before(res, "BackupVault", "The copy target of the primary's plan (001:3220 "
                       "\"Support cross-region backups\"): deploy this stack FIRST and pass its "
                       "outputs to the primary stack. " + named + ". A vault lock in governance "
                       f"mode (001:3230-3235) refuses to delete a copy younger than {MIN_COPY_DAYS} "
                       "days, so the primary's CopyRetentionDays starts there", 2)
        _backup_role("RestoreRole", "AWSBackupServiceRolePolicyForRestores", [get_att("BackupKey.Arn")],
                     "Restore jobs in this region (the restore half of backup and restore, "
                     "000:871) run as this role: pass it as --iam-role-arn", res)
        outs["RecoveryVaultArn"] = mapping(Description="Copy target: the primary stack's RecoveryVaultArn",
                                           Value=get_att("BackupVault.BackupVaultArn"))
        outs["RecoveryKeyArn"] = mapping(Description="The primary stack's RecoveryKeyArn",
                                         Value=get_att("BackupKey.Arn"))
        outs["RecoveryVaultName"] = mapping(Value=ref("BackupVault"))
        outs["RestoreRoleArn"] = mapping(Description="IAM role for restore jobs in this region",
                                         Value=get_att("RestoreRole.Arn"))
        return params, res, outs
    comment_before(res, "BackupVault", named + "; it reports every finished backup job and every "
                   "failed copy to JobEventsTopic", 2)
    res["JobEventsTopic"] = mapping(Type="AWS::SNS::Topic", Properties=mapping(
        KmsMasterKeyId=ref("BackupKey")))
    comment_before(res, "JobEventsTopic", "Backup job events: subscribe the on-call address, with "
                   "a filter policy on State if only failures should page (a copy that fails "
                   "silently widens the RPO)", 2)
    res["JobEventsTopicPolicy"] = mapping(Type="AWS::SNS::TopicPolicy", Properties=mapping(
        Topics=[ref("JobEventsTopic")], PolicyDocument=mapping(Version="2012-10-17", Statement=[mapping(
            Sid="BackupPublishes", Effect="Allow", Principal=mapping(Service="backup.amazonaws.com"),
            Action="sns:Publish", Resource=ref("JobEventsTopic"))])))
    params["RecoveryVaultArn"] = _arn_parameter(
        "Backup vault in the recovery region that every recovery point is copied to (output "
        "RecoveryVaultArn of the recovery stack).",
        r"backup:[a-z0-9-]+:\d{12}:backup-vault:[A-Za-z0-9_.-]+",
        "the ARN of a backup vault, such as arn:aws:backup:us-west-2:123456789012:backup-vault:name")
    params["RecoveryKeyArn"] = _arn_parameter(
        "KMS key of the recovery vault (output RecoveryKeyArn of the recovery stack).",
        r"kms:[a-z0-9-]+:\d{12}:key/[0-9a-f-]+",
        "the ARN of a KMS key, such as arn:aws:kms:us-west-2:123456789012:key/ID")
    params["BackupTagKey"] = mapping(
        Type="String", Default="backup", AllowedPattern=r"^[A-Za-z0-9_.:/=+@-]{1,128}$",
        Description="Tag key that selects the resources to back up.")
    params["BackupTagValue"] = mapping(
        Type="String", Default="daily", AllowedPattern=r"^[A-Za-z0-9_.:/=+@ -]{0,256}$",
        Description="Value of BackupTagKey that selects a resource.")
    params["BackupSchedule"] = mapping(
        Type="String", Default="cron(0 5 ? * * *)", AllowedPattern=r"^(cron|rate)\(.+\)$",
        Description="When backups start (a cron or rate expression, UTC); the RPO is this "
                    "interval plus the copy time.")
    params["RetentionDays"] = mapping(Type="Number", Default=35, MinValue=1, MaxValue=36500,
                                      Description="Days a recovery point is kept in the primary vault.")
    params["CopyRetentionDays"] = mapping(
        Type="Number", Default=35, MinValue=MIN_COPY_DAYS, MaxValue=36500,
        Description=f"Days a copy is kept in the recovery vault (at least {MIN_COPY_DAYS}: its vault lock).")
    _backup_role("BackupRole", "AWSBackupServiceRolePolicyForBackup",
                 [get_att("BackupKey.Arn"), ref("RecoveryKeyArn")],
                 "Backup and copy jobs run as this role: the managed backup policy plus the "
                 "two vault keys (the copy encrypts with the recovery vault's key)", res)
    res["BackupPlan"] = mapping(Type="AWS::Backup::BackupPlan", Properties=mapping(BackupPlan=mapping(
        BackupPlanName=sub("${AWS::StackName}"),
        BackupPlanRule=[mapping(
            RuleName="scheduled-with-cross-region-copy", TargetBackupVault=ref("BackupVault"),
            ScheduleExpression=ref("BackupSchedule"), StartWindowMinutes=60,
            CompletionWindowMinutes=480, Lifecycle=mapping(DeleteAfterDays=ref("RetentionDays")),
            CopyActions=[mapping(DestinationBackupVaultArn=ref("RecoveryVaultArn"),
                                 Lifecycle=mapping(DeleteAfterDays=ref("CopyRetentionDays")))])])))
    comment_before(res, "BackupPlan", "Regular backups (000:869) on BackupSchedule, kept "
                   "RetentionDays, each copied to the recovery region (001:3220, 001:3225-3229)", 2)
    res["BackupSelection"] = mapping(Type="AWS::Backup::BackupSelection", Properties=mapping(
        BackupPlanId=ref("BackupPlan"), BackupSelection=mapping(
            SelectionName="tagged-resources", IamRoleArn=get_att("BackupRole.Arn"),
            ListOfTags=[mapping(ConditionType="STRINGEQUALS", ConditionKey=ref("BackupTagKey"),
                                ConditionValue=ref("BackupTagValue"))])))
    comment_before(res, "BackupSelection", "Tag-based selection (001:3224): tag a resource "
                   "BackupTagKey=BackupTagValue and the next run backs it up", 2)
    outs["JobEventsTopicArn"] = mapping(Description="Subscribe the on-call address: backup job "
                                        "results and failed copies", Value=ref("JobEventsTopic"))
    outs["BackupVaultName"] = mapping(Value=ref("BackupVault"))
    outs["BackupPlanId"] = mapping(Value=ref("BackupPlan"))
    outs["BackupRoleArn"] = mapping(Value=get_att("BackupRole.Arn"))
    return params, res, outs


# -- DNS: failover (pilot light, warm standby) or latency (multi-site) records ---------------


def _dns(params: dict, res: dict, outs: dict, strategy: str, site: str) -> None:
    params["DomainName"] = mapping(
        Type="String", AllowedPattern=r"^([a-z0-9-]+\.)+[a-z]{2,}$",
        ConstraintDescription="a lower-case DNS name such as app.example.com",
        Description="Name clients use; the same in both regions (the certificates must cover it).")
    params["HostedZoneId"] = mapping(Type="AWS::Route53::HostedZone::Id",
                                     Description="Public hosted zone of DomainName.")
    res["HealthCheck"] = mapping(Type="AWS::Route53::HealthCheck", Properties=mapping(HealthCheckConfig=mapping(
        Type="HTTPS", FullyQualifiedDomainName=get_att("LoadBalancer.DNSName"), Port=443,
        ResourcePath=ref("HealthCheckPath"), EnableSNI=True, RequestInterval=30, FailureThreshold=3),
        HealthCheckTags=[mapping(Key="Name", Value=sub("${AWS::StackName} ${AWS::Region}"))]))
    record = mapping(
        Type="AWS::Route53::RecordSet", Properties=mapping(
            HostedZoneId=ref("HostedZoneId"), Name=ref("DomainName"), Type="A",
            SetIdentifier=sub(f"${{AWS::StackName}}-{site}"), HealthCheckId=ref("HealthCheck"),
            AliasTarget=mapping(DNSName=get_att("LoadBalancer.DNSName"),
                                HostedZoneId=get_att("LoadBalancer.CanonicalHostedZoneID"),
                                EvaluateTargetHealth=True)))
    if strategy == "multi-site":
        record["Properties"]["Region"] = ref("AWS::Region")
        why = ("Latency record with a health check: clients go to the nearest healthy region, "
               "both serve (000:886, 000:899 automatic failover)")
    else:
        record["Properties"]["Failover"] = "PRIMARY" if site == "primary" else "SECONDARY"
        why = ("Failover record (000:856 \"Route 53 failover\"): Route 53 answers with the "
               "primary while its health check passes, else with the recovery site")
    res["DnsRecord"] = record
    comment_before(res, "HealthCheck", why, 2)
    outs["HealthCheckId"] = mapping(Value=ref("HealthCheck"))


# -- pilot light and warm standby -------------------------------------------------------------


def _three_tier_primary(strategy: str) -> tuple[dict, dict, dict, dict]:
    """The three-tier stack as it is, plus the replica's source ARN and the failover record."""
    template = three_tier.build(APP)
    params, res, outs = template["Parameters"], template["Resources"], template["Outputs"]
    outs["DatabaseArn"] = mapping(Description="Source of the recovery site's read replica "
                                  "(its PrimaryDatabaseArn)", Value=get_att("Database.DBInstanceArn"))
    _dns(params, res, outs, strategy, "primary")
    return params, res, outs, template["Conditions"]


def _replica_site(strategy: str) -> tuple[dict, dict, dict, dict]:
    network = vpc.Options(azs=APP.azs, data_subnets=True)
    params = three_tier.parameters(APP, network)
    warm = strategy == "warm-standby"
    params["PrimaryDatabaseArn"] = _arn_parameter(
        "The primary database (output DatabaseArn of the primary stack); its region is read "
        "from the ARN.", r"rds:[a-z0-9-]+:\d{12}:db:[a-z][a-z0-9-]*",
        "the ARN of an RDS DB instance, such as arn:aws:rds:us-east-1:123456789012:db:name")
    params["PrimaryDatabaseSecretArn"] = _arn_parameter(
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
    res["ReplicaKey"] = _key("Encrypts the read replica of ${AWS::StackName}")
    comment_before(res, "ReplicaKey", "A cross-region replica of an encrypted database needs a key "
                   "of its own region", 2)
    res["DatabaseSubnetGroup"] = mapping(Type="AWS::RDS::DBSubnetGroup", Properties=mapping(
        DBSubnetGroupDescription="Isolated data subnets",
        SubnetIds=[ref(f"DataSubnet{az + 1}") for az in range(APP.azs)]))
    res["Database"] = mapping(
        Type="AWS::RDS::DBInstance", DeletionPolicy="Retain", UpdateReplacePolicy="Retain",
        Metadata=_ignore_both(),
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
    _dns(params, res, outs, strategy, "recovery")
    return params, res, outs, conditions


def _ignore_both() -> dict:
    metadata = ignore("W9806", "-")
    metadata["cfn-lint"]["config"]["ignore_checks"].append("W9101")
    metadata.ca.comment = None
    metadata.yaml_set_start_comment(
        "W9806: DeletionProtection follows DatabaseDeletionProtection (default true). W9101: the "
        "replica is encrypted with KmsKeyId and stays so once promoted; StorageEncrypted may not "
        "be set on a replica (E3020) and is create-only, so adding it at promotion would replace "
        "the database", indent=6)
    return metadata


# -- multi-site ----------------------------------------------------------------------------


def _multi_site(site: str) -> tuple[dict, dict, dict, dict]:
    network = vpc.Options(azs=APP.azs, data_subnets=False)
    params = three_tier.parameters(APP, network)
    for name in ("DbInstanceClass", "DatabaseDeletionProtection"):
        del params[name]
    res = vpc.resources(network)
    three_tier.web_tier(res, APP, None)
    if site == "primary":
        params["RecoveryRegion"] = mapping(
            Type="String", AllowedPattern=r"^[a-z]{2}(-[a-z]+)+-\d$",
            ConstraintDescription="a region name such as us-west-2",
            Description="The other region serving the application; the global table gets a replica there.")
    else:
        params["TableName"] = mapping(
            Type="String", AllowedPattern=r"^[A-Za-z0-9_.-]{3,255}$",
            Description="The global table (output TableName of the primary stack); its replica in "
                        "this region is the one the application uses.")
    table_arn = sub("arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${%s}"
                    % ("Table" if site == "primary" else "TableName"))
    three_tier.app_tier(
        res, APP, env="TABLE_NAME=${%s}\nTABLE_REGION=${AWS::Region}\n" % (
            "Table" if site == "primary" else "TableName"),
        statements=[mapping(Effect="Allow", Action=[
            "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
            "dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem"],
            Resource=[table_arn, sub(table_arn.value + "/index/*")])],
        comment="Full production capacity in both regions (000:886): each serves its clients "
                "and can take the other's")
    res["AppRole"]["Properties"]["Policies"][0]["PolicyName"] = "use-the-local-table-replica"
    if site == "primary":
        def replica(region):
            return mapping(Region=region, DeletionProtectionEnabled=True,
                           PointInTimeRecoverySpecification=mapping(PointInTimeRecoveryEnabled=True))

        res["Table"] = mapping(
            Type="AWS::DynamoDB::GlobalTable", DeletionPolicy="Retain", UpdateReplacePolicy="Retain",
            Metadata=ignore("I9112", "a customer managed key per replica would have to exist in "
                                     "RecoveryRegion before this stack; the table uses the AWS managed key"),
            Properties=mapping(
                BillingMode="PAY_PER_REQUEST",
                AttributeDefinitions=[mapping(AttributeName="pk", AttributeType="S")],
                KeySchema=[mapping(AttributeName="pk", KeyType="HASH")],
                StreamSpecification=mapping(StreamViewType="NEW_AND_OLD_IMAGES"),
                SSESpecification=mapping(SSEEnabled=True, SSEType="KMS"),
                Replicas=[replica(ref("AWS::Region")), replica(ref("RecoveryRegion"))]))
        comment_before(res, "Table", "DynamoDB global table (000:99, 002:1442): a writable replica "
                       "in each region, replicated both ways in about a second; point-in-time "
                       "recovery and deletion protection on both replicas", 2)
    outs = three_tier.outputs(APP, network)
    del outs["DatabaseEndpoint"], outs["DatabasePort"]
    if site == "primary":
        outs["TableName"] = mapping(Description="The recovery stack's TableName", Value=ref("Table"))
    _dns(params, res, outs, "multi-site", site)
    return params, res, outs, mapping(*vpc.conditions().items())


def build(options: Options):
    options.validate()
    strategy, site = options.strategy, options.site
    conditions, rules, groups = None, None, None
    if strategy == "backup-restore":
        params, res, outs = _backup_restore(site)
        if site == "primary":
            groups = interface(("Recovery vault", ["RecoveryVaultArn", "RecoveryKeyArn"]),
                               ("Backup plan", ["BackupTagKey", "BackupTagValue", "BackupSchedule",
                                                "RetentionDays", "CopyRetentionDays"]))
    else:
        if strategy == "multi-site":
            params, res, outs, conditions = _multi_site(site)
        elif site == "primary":
            params, res, outs, conditions = _three_tier_primary(strategy)
        else:
            params, res, outs, conditions = _replica_site(strategy)
        groups = _groups(params)
    if strategy == "multi-site" and site == "primary":
        rules = mapping(TwoRegions=mapping(Assertions=[mapping(
            Assert=not_(equals(ref("RecoveryRegion"), ref("AWS::Region"))),
            AssertDescription="RecoveryRegion must be another region than the one this stack deploys to")]))
    first, second = ORDER[strategy]
    template = mapping(
        AWSTemplateFormatVersion="2010-09-09",
        Description=f"Disaster recovery, {strategy}, {site} site ({RTO_RPO[strategy].split(':')[0].split(' (')[0]}); "
                    f"deploy the {first} stack first, then the {second} one "
                    f"(generated by tmpllint new dr)",
    )
    if groups:
        template["Metadata"] = groups
    if params:
        template["Parameters"] = params
    if rules:
        template["Rules"] = rules
    if conditions:
        template["Conditions"] = conditions
    template["Resources"] = res
    template["Outputs"] = outs
    return template


def _groups(params: dict) -> dict:
    named = set(params)
    network = [n for n in vpc.NETWORK_GROUP[1] if n in named]
    app = [n for n in ("CertificateArn", "AppPort", "HealthCheckPath", "ImageId", "InstanceType",
                       "AppMinSize", "AccessLogRetentionDays") if n in named]
    data = [n for n in ("DbInstanceClass", "DatabaseDeletionProtection", "PrimaryDatabaseArn",
                        "PrimaryDatabaseSecretArn", "PromoteReplica", "RecoveryRegion", "TableName")
            if n in named]
    dns = ["DomainName", "HostedZoneId"]
    return interface(("Network", network), ("Web and application", app), ("Data", data), ("DNS", dns))
