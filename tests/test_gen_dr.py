"""Issue 17 item 2, `tmpllint new dr`: the pairs of templates deploy in their order and fail
over as the README says. Read structurally: what the second stack takes from the first,
the read replica's promotion switch (no create-only property may depend on it), capacity
per strategy, Route 53 routing and health checks, the backup copy target and its keys."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys

import pytest

from conftest import FIXTURES, ROOT
from generated import parsed_template, resources_of_type
from tmpllint.generators import dr

PAIRS = [(strategy, site) for strategy, site in itertools.product(dr.STRATEGIES, dr.SITES)]
REPLICA_STRATEGIES = ("pilot-light", "warm-standby")


def _load(strategy: str, site: str) -> dict:
    return parsed_template("dr", dr.Options(strategy=strategy, site=site))


def _refs(node) -> set:
    """Every name a Ref, GetAtt or ${} of a Sub names inside `node`."""
    found = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref":
                found.add(value)
            elif key == "Fn::GetAtt":
                found.add(value[0] if isinstance(value, list) else value.split(".")[0])
            elif key == "Fn::Sub":
                text = value if isinstance(value, str) else value[0]
                found |= {name.split(".")[0] for name in re.findall(r"\$\{([^}!]+)\}", text)}
            found |= _refs(value)
    elif isinstance(node, list):
        for item in node:
            found |= _refs(item)
    return found


@pytest.mark.parametrize("strategy", dr.STRATEGIES)
def test_the_second_stack_takes_exactly_the_first_stacks_outputs_it_needs(strategy):
    first, second = dr.ORDER[strategy]
    given, taking = _load(strategy, first), _load(strategy, second)
    handoff = dr.HANDOFF[strategy]
    assert set(handoff.values()) <= set(given["Outputs"])
    # every parameter without a default in the second stack is handed over, or is a
    # deployer's own value (certificate, DNS), never something the first stack knows
    required = {name for name, spec in taking.get("Parameters", {}).items() if "Default" not in spec}
    assert set(handoff) <= required
    assert required - set(handoff) <= {"CertificateArn", "DomainName", "HostedZoneId"}
    # and the first stack needs nothing from the second (it deploys before it exists)
    first_required = {n for n, s in given.get("Parameters", {}).items() if "Default" not in s}
    assert first_required <= {"CertificateArn", "DomainName", "HostedZoneId", "RecoveryRegion"}


def test_backup_restore_deploys_the_copy_target_first():
    assert dr.ORDER["backup-restore"] == ("recovery", "primary")
    assert all(dr.ORDER[s] == ("primary", "recovery") for s in dr.STRATEGIES if s != "backup-restore")
    for site in dr.SITES:
        assert "deploy the recovery stack first" in _load("backup-restore", site)["Description"]


def test_the_backup_plan_copies_every_recovery_point_to_the_recovery_vault():
    primary = _load("backup-restore", "primary")
    (plan,) = resources_of_type(primary, "AWS::Backup::BackupPlan").values()
    (rule,) = plan["Properties"]["BackupPlan"]["BackupPlanRule"]
    assert rule["TargetBackupVault"] == {"Ref": "BackupVault"}
    (copy,) = rule["CopyActions"]
    assert copy["DestinationBackupVaultArn"] == {"Ref": "RecoveryVaultArn"}
    assert copy["Lifecycle"]["DeleteAfterDays"] == {"Ref": "CopyRetentionDays"}
    (selection,) = resources_of_type(primary, "AWS::Backup::BackupSelection").values()
    chosen = selection["Properties"]["BackupSelection"]
    assert chosen["IamRoleArn"] == {"Fn::GetAtt": ["BackupRole", "Arn"]}
    assert chosen["ListOfTags"] == [{"ConditionType": "STRINGEQUALS", "ConditionKey": {"Ref": "BackupTagKey"},
                                     "ConditionValue": {"Ref": "BackupTagValue"}}]
    recovery = _load("backup-restore", "recovery")
    assert recovery["Outputs"]["RecoveryVaultArn"]["Value"] == {"Fn::GetAtt": ["BackupVault", "BackupVaultArn"]}
    assert recovery["Outputs"]["RecoveryKeyArn"]["Value"] == {"Fn::GetAtt": ["BackupKey", "Arn"]}
    # the recovery vault's lock refuses young deletions; no copy is kept for less than it demands
    lock = recovery["Resources"]["BackupVault"]["Properties"]["LockConfiguration"]
    assert lock == {"MinRetentionDays": dr.MIN_COPY_DAYS}
    assert primary["Parameters"]["CopyRetentionDays"]["MinValue"] == dr.MIN_COPY_DAYS
    assert "LockConfiguration" not in primary["Resources"]["BackupVault"]["Properties"]


def test_failed_backups_and_copies_reach_an_encrypted_topic_backup_may_publish_to():
    primary = _load("backup-restore", "primary")
    vault = primary["Resources"]["BackupVault"]
    assert vault["Properties"]["Notifications"] == {
        "BackupVaultEvents": ["BACKUP_JOB_COMPLETED", "COPY_JOB_FAILED"], "SNSTopicArn": {"Ref": "JobEventsTopic"}}
    assert vault["DependsOn"] == "JobEventsTopicPolicy"
    topic = primary["Resources"]["JobEventsTopic"]["Properties"]
    assert topic["KmsMasterKeyId"] == {"Ref": "BackupKey"}
    (publish,) = primary["Resources"]["JobEventsTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert publish["Principal"] == {"Service": "backup.amazonaws.com"} and publish["Action"] == "sns:Publish"
    assert publish["Resource"] == {"Ref": "JobEventsTopic"}
    statements = primary["Resources"]["BackupKey"]["Properties"]["KeyPolicy"]["Statement"]
    (service,) = [s for s in statements if s["Principal"] == {"Service": "backup.amazonaws.com"}]
    assert set(service["Action"]) == {"kms:GenerateDataKey*", "kms:Decrypt"}
    assert primary["Outputs"]["JobEventsTopicArn"]["Value"] == {"Ref": "JobEventsTopic"}


@pytest.mark.parametrize(("site", "role", "managed", "keys"), [
    ("primary", "BackupRole", "AWSBackupServiceRolePolicyForBackup",
     [{"Fn::GetAtt": ["BackupKey", "Arn"]}, {"Ref": "RecoveryKeyArn"}]),
    ("recovery", "RestoreRole", "AWSBackupServiceRolePolicyForRestores", [{"Fn::GetAtt": ["BackupKey", "Arn"]}]),
])
def test_backup_roles_are_trusted_by_backup_and_may_use_the_vault_keys(site, role, managed, keys):
    template = _load("backup-restore", site)
    properties = template["Resources"][role]["Properties"]
    (trust,) = properties["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "backup.amazonaws.com"} and trust["Action"] == "sts:AssumeRole"
    assert properties["ManagedPolicyArns"] == [
        {"Fn::Sub": f"arn:${{AWS::Partition}}:iam::aws:policy/service-role/{managed}"}]
    (policy,) = properties["Policies"]
    use, grant = policy["PolicyDocument"]["Statement"]
    assert {"kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"} <= set(use["Action"])
    assert use["Resource"] == keys and grant["Resource"] == keys
    assert grant["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": "true"}}
    (vault,) = resources_of_type(template, "AWS::Backup::BackupVault").values()
    assert vault["Properties"]["EncryptionKeyArn"] == {"Fn::GetAtt": ["BackupKey", "Arn"]}
    assert vault["DeletionPolicy"] == "Retain"


@pytest.mark.parametrize(("strategy", "site"), PAIRS)
def test_every_key_lets_the_account_grant_its_use_through_iam(strategy, site):
    for name, key in resources_of_type(_load(strategy, site), "AWS::KMS::Key").items():
        statements = key["Properties"]["KeyPolicy"]["Statement"]
        assert statements[0]["Principal"] == {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}
        assert statements[0]["Action"] == "kms:*" and key["Properties"]["EnableKeyRotation"] is True, name


@pytest.mark.parametrize("strategy", REPLICA_STRATEGIES)
def test_the_replica_is_a_cross_region_encrypted_copy_that_one_update_promotes(strategy):
    primary, recovery = _load(strategy, "primary"), _load(strategy, "recovery")
    source = primary["Resources"]["Database"]["Properties"]
    assert source["StorageEncrypted"] is True and source["MultiAZ"] is True
    assert source["BackupRetentionPeriod"] > 0  # a source needs automated backups
    assert primary["Outputs"]["DatabaseArn"]["Value"] == {"Fn::GetAtt": ["Database", "DBInstanceArn"]}
    replica = recovery["Resources"]["Database"]
    properties = replica["Properties"]
    assert properties["SourceDBInstanceIdentifier"] == {
        "Fn::If": ["Promote", {"Ref": "AWS::NoValue"}, {"Ref": "PrimaryDatabaseArn"}]}
    assert recovery["Conditions"]["Promote"] == {"Fn::Equals": [{"Ref": "PromoteReplica"}, "true"]}
    assert recovery["Parameters"]["PromoteReplica"]["Default"] == "false"
    # a cross-region replica of an encrypted database needs a key of its own region
    assert properties["KmsKeyId"] == {"Fn::GetAtt": ["ReplicaKey", "Arn"]}
    # properties a replica must not carry (it inherits them; E3020 for StorageEncrypted)
    assert not {"StorageEncrypted", "MasterUsername", "ManageMasterUserPassword", "DBName",
                "Engine", "AllocatedStorage"} & set(properties)
    # promotion must not replace the database: no create-only property depends on Promote
    create_only = {"DBInstanceIdentifier", "DBName", "DBSubnetGroupName", "KmsKeyId", "MasterUsername",
                   "SourceRegion", "StorageEncrypted"}
    for name in create_only & set(properties):
        assert "Fn::If" not in str(properties[name]), name
    assert properties["SourceRegion"] == {"Fn::Select": [3, {"Fn::Split": [":", {"Ref": "PrimaryDatabaseArn"}]}]}
    assert properties["BackupRetentionPeriod"] == {"Fn::If": ["Promote", 7, {"Ref": "AWS::NoValue"}]}
    assert replica["DeletionPolicy"] == replica["UpdateReplacePolicy"] == "Retain"
    assert properties["VPCSecurityGroups"] == [{"Ref": "DatabaseSecurityGroup"}]
    assert re.match(recovery["Parameters"]["PrimaryDatabaseArn"]["AllowedPattern"],
                    "arn:aws:rds:us-east-1:123456789012:db:primary-database-abc")


@pytest.mark.parametrize("strategy", REPLICA_STRATEGIES)
def test_the_recovery_app_reads_the_replica_and_the_primarys_secret(strategy):
    recovery = _load(strategy, "recovery")
    user_data = recovery["Resources"]["AppLaunchTemplate"]["Properties"]["LaunchTemplateData"]["UserData"]
    text = user_data["Fn::Base64"]["Fn::Sub"]
    assert "DB_HOST=${Database.Endpoint.Address}" in text
    assert "DB_SECRET_ARN=${PrimaryDatabaseSecretArn}" in text
    (policy,) = recovery["Resources"]["AppRole"]["Properties"]["Policies"]
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Resource"] == {"Ref": "PrimaryDatabaseSecretArn"}
    assert set(statement["Action"]) == {"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}


@pytest.mark.parametrize(("strategy", "minimum", "allowed", "signals"), [
    ("pilot-light", 0, [0, 1, 2, 3], None),
    ("warm-standby", 1, [1, 2, 3], 1),
])
def test_recovery_capacity_is_the_strategys(strategy, minimum, allowed, signals):
    recovery = _load(strategy, "recovery")
    parameter = recovery["Parameters"]["AppMinSize"]
    assert parameter["Default"] == minimum and parameter["AllowedValues"] == allowed
    group = recovery["Resources"]["AppAutoScalingGroup"]
    assert group["Properties"]["MinSize"] == {"Ref": "AppMinSize"}
    assert int(group["Properties"]["MaxSize"]) == 6
    policy = group.get("CreationPolicy")
    if signals is None:
        assert policy is None  # an empty group sends no signal: creation must not wait for one
    else:
        # creation waits for no more signals than the smallest group launches
        assert policy["ResourceSignal"]["Count"] == signals <= min(allowed)
    assert group["UpdatePolicy"]["AutoScalingRollingUpdate"]["MinInstancesInService"] == minimum
    # the primary of both runs the three-tier app at full size
    primary = _load(strategy, "primary")["Resources"]["AppAutoScalingGroup"]
    assert primary["Properties"]["MinSize"] == "2" and primary["CreationPolicy"]["ResourceSignal"]["Count"] == 2


@pytest.mark.parametrize("site", dr.SITES)
def test_multi_site_serves_full_size_from_the_local_table_replica(site):
    template = _load("multi-site", site)
    group = template["Resources"]["AppAutoScalingGroup"]
    assert group["Properties"]["MinSize"] == "2"
    table = "Table" if site == "primary" else "TableName"
    text = template["Resources"]["AppLaunchTemplate"]["Properties"]["LaunchTemplateData"]["UserData"]["Fn::Base64"]["Fn::Sub"]
    assert f"TABLE_NAME=${{{table}}}" in text and "TABLE_REGION=${AWS::Region}" in text
    (policy,) = template["Resources"]["AppRole"]["Properties"]["Policies"]
    (statement,) = policy["PolicyDocument"]["Statement"]
    arn = f"arn:${{AWS::Partition}}:dynamodb:${{AWS::Region}}:${{AWS::AccountId}}:table/${{{table}}}"
    assert statement["Resource"] == [{"Fn::Sub": arn}, {"Fn::Sub": arn + "/index/*"}]
    assert not any(a.endswith("*") for a in statement["Action"])
    assert not resources_of_type(template, "AWS::RDS::DBInstance")
    assert "DatabaseSecurityGroup" not in template["Resources"]


def test_the_global_table_replicates_into_both_regions():
    primary = _load("multi-site", "primary")
    table = primary["Resources"]["Table"]
    assert table["Type"] == "AWS::DynamoDB::GlobalTable" and table["DeletionPolicy"] == "Retain"
    replicas = table["Properties"]["Replicas"]
    assert [r["Region"] for r in replicas] == [{"Ref": "AWS::Region"}, {"Ref": "RecoveryRegion"}]
    for replica in replicas:
        assert replica["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert replica["DeletionProtectionEnabled"] is True
    # more than one replica needs a stream of new and old images
    assert table["Properties"]["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    (assertion,) = primary["Rules"]["TwoRegions"]["Assertions"]
    assert assertion["Assert"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "RecoveryRegion"}, {"Ref": "AWS::Region"}]}]}
    assert primary["Outputs"]["TableName"]["Value"] == {"Ref": "Table"}


@pytest.mark.parametrize(("strategy", "site"), [p for p in PAIRS if p[0] != "backup-restore"])
def test_route53_routes_to_a_health_checked_load_balancer(strategy, site):
    template = _load(strategy, site)
    record = template["Resources"]["DnsRecord"]["Properties"]
    assert record["Name"] == {"Ref": "DomainName"} and record["HostedZoneId"] == {"Ref": "HostedZoneId"}
    assert record["HealthCheckId"] == {"Ref": "HealthCheck"}
    assert record["AliasTarget"] == {"DNSName": {"Fn::GetAtt": ["LoadBalancer", "DNSName"]},
                                     "HostedZoneId": {"Fn::GetAtt": ["LoadBalancer", "CanonicalHostedZoneID"]},
                                     "EvaluateTargetHealth": True}
    assert record["SetIdentifier"] == {"Fn::Sub": f"${{AWS::StackName}}-{site}"}
    if strategy == "multi-site":
        assert record["Region"] == {"Ref": "AWS::Region"} and "Failover" not in record
    else:
        assert record["Failover"] == {"primary": "PRIMARY", "recovery": "SECONDARY"}[site]
    check = template["Resources"]["HealthCheck"]["Properties"]["HealthCheckConfig"]
    assert check["Type"] == "HTTPS" and check["Port"] == 443 and check["EnableSNI"] is True
    assert check["FullyQualifiedDomainName"] == {"Fn::GetAtt": ["LoadBalancer", "DNSName"]}
    assert check["ResourcePath"] == {"Ref": "HealthCheckPath"}
    # the path probed is the one the target group checks and the placeholder app serves
    group = template["Resources"]["AppTargetGroup"]["Properties"]
    assert group["HealthCheckPath"] == {"Ref": "HealthCheckPath"}


@pytest.mark.parametrize(("strategy", "site"), PAIRS)
def test_every_reference_names_something_the_template_declares(strategy, site):
    template = _load(strategy, site)
    declared = set(template.get("Parameters", {})) | set(template["Resources"]) | {
        "AWS::Region", "AWS::AccountId", "AWS::Partition", "AWS::StackName", "AWS::NoValue", "AWS::URLSuffix"}
    assert _refs(template["Resources"]) | _refs(template["Outputs"]) <= declared
    assert "RTO" in template["Description"] or "RPO" in template["Description"]


@pytest.mark.parametrize(("strategy", "site"), PAIRS)
def test_new_dr_prints_the_golden_template(strategy, site):
    printed = subprocess.run([sys.executable, "-m", "tmpllint", "new", "dr", "--strategy", strategy,
                              "--site", site], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout == (FIXTURES / "generators" / f"dr-{strategy}-{site}.yaml").read_text()


def test_bad_choices_are_refused():
    with pytest.raises(ValueError, match="--strategy"):
        dr.Options(strategy="hot").validate()
    with pytest.raises(ValueError, match="--site"):
        dr.Options(site="both").validate()
    bad = subprocess.run([sys.executable, "-m", "tmpllint", "new", "dr", "--strategy", "hot"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "--strategy" in bad.stderr
