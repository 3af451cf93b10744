"""backup-restore: AWS Backup vaults in both regions, the primary's plan copying every
recovery point into the recovery vault (001:3209-3235)."""

from __future__ import annotations

import copy

from tmpllint.generators.dr.common import arn_parameter, key
from tmpllint.yamlio import comment_before, get_att, mapping, ref, sub

#: The recovery vault's lock: copies younger than this many days cannot be deleted.
MIN_COPY_DAYS = 7


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


def backup_restore(site: str) -> tuple[dict, dict, dict]:
    params, res, outs = mapping(), mapping(), mapping()
    label = "primary" if site == "primary" else "recovery"
    publishes = [] if site == "recovery" else [mapping(
        Sid="BackupPublishesJobEvents", Effect="Allow", Principal=mapping(Service="backup.amazonaws.com"),
        Action=["kms:GenerateDataKey*", "kms:Decrypt"], Resource="*")]
    res["BackupKey"] = key(f"Encrypts the {label} backup vault of ${{AWS::StackName}}", publishes)
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
    params["RecoveryVaultArn"] = arn_parameter(
        "Backup vault in the recovery region that every recovery point is copied to (output "
        "RecoveryVaultArn of the recovery stack).",
        r"backup:[a-z0-9-]+:\d{12}:backup-vault:[A-Za-z0-9_.-]+",
        "the ARN of a backup vault, such as arn:aws:backup:us-west-2:123456789012:backup-vault:name")
    params["RecoveryKeyArn"] = arn_parameter(
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
