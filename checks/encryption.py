"""Family 1 (`91xx`): encryption at rest (RULES.md §1).

Accuracy with today's AWS defaults is the point of this family: a resource that AWS
always encrypts is never called "unencrypted". Each rule's `explain` text states the
default of every resource it checks. All rules here are schema rules (`checks/schemas/`),
judged per condition scenario and per parameter value by `ResourceSchemaRule`.
"""

from __future__ import annotations

import json
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from tmpllint.checks.base import (
    Documented,
    ResourceSchemaRule,
    failing_scenarios,
    properties,
    references_in,
    resources_of,
    when_any,
)

#: cfn-lint's word for info; a match may carry it to report below its rule's severity
#: (read by tmpllint's engine; plain cfn-lint shows the rule's severity).
INFORMATIONAL = "informational"


class RdsStorageEncrypted(Documented, ResourceSchemaRule):
    id = "W9101"
    shortdesc = "RDS, DocumentDB and Neptune storage is encrypted"
    description = (
        "Flags an `AWS::RDS::DBInstance` outside a cluster, and an `AWS::RDS::DBCluster`, "
        "`AWS::DocDB::DBCluster` or `AWS::Neptune::DBCluster`, whose `StorageEncrypted` is "
        "missing or false. Default: not encrypted (the console turns it on, the API and "
        "CloudFormation do not). Not flagged: instances in a cluster (Aurora encryption "
        "belongs on the DBCluster, and cfn-lint forbids the property on its instances), "
        "read replicas and restores from a snapshot or source (they inherit its "
        "encryption), instances given a `KmsKeyId` without `StorageEncrypted: false` (a "
        "cross-region replica is encrypted by that key, also once failover promotes it by "
        "removing its source), Aurora Serverless v1 (always encrypted)."
    )
    why = (
        "Encryption at rest can only be chosen when the database is created; turning it on "
        "later means a snapshot, an encrypted copy and a restore. The notes list "
        "encryption with KMS among the RDS security practices."
    )
    seeds = ("000:70-71", "001:569")
    source_url = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html"
    tags = ["encryption", "rds"]
    resource_types = ("AWS::RDS::DBInstance", "AWS::RDS::DBCluster", "AWS::DocDB::DBCluster",
                      "AWS::Neptune::DBCluster")
    schema_file = "rds_storage_encrypted.json"
    example_fail = "Db:\n  Type: AWS::RDS::DBInstance\n  Properties:\n    Engine: postgres\n    StorageEncrypted: false\n"
    example_pass = "Db:\n  Type: AWS::RDS::DBInstance\n  Properties:\n    Engine: postgres\n    StorageEncrypted: true\n"

    def message(self, instance: Any, err) -> str:
        return (f"{instance['Type']} storage is not encrypted{self.scenario}; set "
                "StorageEncrypted: true (it cannot be changed after creation).")


class EbsEncrypted(Documented, ResourceSchemaRule):
    id = "W9102"
    shortdesc = "EBS volumes are encrypted"
    description = (
        "Flags an `AWS::EC2::Volume`, and every EBS block device mapping of an "
        "`AWS::EC2::Instance`, `AWS::EC2::LaunchTemplate` (`LaunchTemplateData."
        "BlockDeviceMappings`) or `AWS::AutoScaling::LaunchConfiguration`, whose "
        "`Encrypted` is missing or false. Default: not encrypted unless the account turned "
        "on EBS encryption by default, which a template cannot see. Not flagged: volumes "
        "made from a snapshot (they take its encryption) and instances without block "
        "device mappings (the AMI decides)."
    )
    why = (
        "An EBS volume holds the instance's data and its snapshots copy it; unencrypted, "
        "anyone who gets a snapshot shared or copied reads it. The notes: EBS encryption "
        "with KMS covers the volume, its snapshots and the data in flight to the instance."
    )
    seeds = ("001:317-324",)
    source_url = "https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption.html"
    tags = ["encryption", "ec2", "ebs"]
    resource_types = ("AWS::EC2::Volume", "AWS::EC2::Instance", "AWS::EC2::LaunchTemplate",
                      "AWS::AutoScaling::LaunchConfiguration")
    schema_file = "ebs_encrypted.json"
    example_fail = (
        "LaunchTemplateData:\n  BlockDeviceMappings:\n    - DeviceName: /dev/xvda\n"
        "      Ebs: {VolumeSize: 20, VolumeType: gp3}\n"
    )
    example_pass = (
        "LaunchTemplateData:\n  BlockDeviceMappings:\n    - DeviceName: /dev/xvda\n"
        "      Ebs: {VolumeSize: 20, VolumeType: gp3, Encrypted: true}\n"
    )

    def message(self, instance: Any, err) -> str:
        return f"EBS volume is not encrypted{self.scenario}; set Encrypted: true."


class EfsEncrypted(Documented, ResourceSchemaRule):
    id = "W9103"
    shortdesc = "EFS file systems are encrypted"
    description = (
        "Flags an `AWS::EFS::FileSystem` whose `Encrypted` is missing or false. Default: "
        "not encrypted through the API and CloudFormation (the console turns it on)."
    )
    why = (
        "EFS encryption at rest is chosen when the file system is created and cannot be "
        "added later; the data then has to be copied to a new file system."
    )
    seeds = ("001:333", "002:111")
    source_url = "https://docs.aws.amazon.com/efs/latest/ug/encryption-at-rest.html"
    tags = ["encryption", "efs"]
    resource_types = ("AWS::EFS::FileSystem",)
    schema_file = "efs_encrypted.json"
    example_fail = "Files:\n  Type: AWS::EFS::FileSystem\n"
    example_pass = "Files:\n  Type: AWS::EFS::FileSystem\n  Properties:\n    Encrypted: true\n"

    def message(self, instance: Any, err) -> str:
        return f"EFS file system is not encrypted{self.scenario}; set Encrypted: true."


class SnsEncrypted(Documented, CloudFormationLintRule):
    id = "W9104"
    shortdesc = "SNS topics are encrypted with a KMS key"
    description = (
        "Flags an `AWS::SNS::Topic` without `KmsMasterKeyId`, reported at info (per "
        "finding: the id keeps its meaning). Default: SNS already stores messages on "
        "encrypted disks; `KmsMasterKeyId` adds server-side encryption of each message "
        "under a KMS key whose use is logged (AWS Security Hub dropped its SNS KMS control "
        "from the foundational standard in 2024). For a topic that S3 "
        "event notifications, EventBridge rules or CloudWatch alarms of the template "
        "publish to, the fix names a customer managed key whose policy lets that "
        "service use it and warns off `alias/aws/sns`: those service principals cannot "
        "use the AWS managed key, so publishing to the topic would silently stop."
    )
    why = (
        "Messages wait in SNS until every subscriber has them; with server-side "
        "encryption they are stored encrypted under a KMS key whose use is logged and "
        "whose key policy decides who may publish and read."
    )
    seeds = ("001:1344",)
    source_url = "https://docs.aws.amazon.com/sns/latest/dg/sns-server-side-encryption.html"
    tags = ["encryption", "sns"]
    example_fail = "Alerts:\n  Type: AWS::SNS::Topic\n"
    example_pass = "Alerts:\n  Type: AWS::SNS::Topic\n  Properties:\n    KmsMasterKeyId: !Ref TopicKey\n"

    def match(self, cfn) -> list[RuleMatch]:
        publishers = _service_publishers(cfn)
        matches = []
        for name, resource in resources_of(cfn, "AWS::SNS::Topic"):
            props = properties(resource)
            failing = failing_scenarios(cfn, props, ["KmsMasterKeyId"],
                                        lambda chosen: not chosen.get("KmsMasterKeyId"))
            path = ["Resources", name] + (["Properties", "KmsMasterKeyId"] if "KmsMasterKeyId" in props
                                          else ["Properties"] if "Properties" in resource else [])
            services = sorted(publishers.get(name, ()))
            if services:
                fix = (f"set KmsMasterKeyId to a customer managed key whose key policy lets "
                       f"{_and(services)} use it (not alias/aws/sns, the AWS managed key, "
                       f"which {_and(services)} cannot use: publishing would stop)")
            else:
                fix = ("set KmsMasterKeyId (a customer managed key, or alias/aws/sns) where "
                       "its messages are sensitive")
            if failing:
                matches.append(RuleMatch(
                    path, f"SNS topic '{name}' keeps messages under SNS's disk encryption only"
                          f"{when_any(failing)}; {fix}.", tmpllint_severity=INFORMATIONAL))
        return matches


#: AWS services whose publishing to an encrypted topic needs a customer managed key.
_PUBLISHER_PRINCIPALS = {"s3.amazonaws.com": "S3", "events.amazonaws.com": "EventBridge",
                         "cloudwatch.amazonaws.com": "CloudWatch alarms"}


def _service_publishers(cfn) -> dict[str, set[str]]:
    """Topic logical id -> the AWS services of the template that publish to it."""
    found: dict[str, set[str]] = {}

    def add(value: Any, service: str) -> None:
        for topic in references_in(value):
            found.setdefault(topic, set()).add(service)

    for _, bucket in resources_of(cfn, "AWS::S3::Bucket"):
        notifications = properties(bucket).get("NotificationConfiguration")
        if isinstance(notifications, dict):
            for item in notifications.get("TopicConfigurations") or []:
                if isinstance(item, dict):
                    add(item.get("Topic"), "S3")
    for _, rule in resources_of(cfn, "AWS::Events::Rule"):
        for target in properties(rule).get("Targets") or []:
            if isinstance(target, dict):
                add(target.get("Arn"), "EventBridge")
    for _, alarm in resources_of(cfn, "AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm"):
        props = properties(alarm)
        for key in ("AlarmActions", "OKActions", "InsufficientDataActions"):
            add(props.get(key), "CloudWatch alarms")
    for _, policy in resources_of(cfn, "AWS::SNS::TopicPolicy"):
        props = properties(policy)
        document = json.dumps(props.get("PolicyDocument"), default=str)
        for principal, service in _PUBLISHER_PRINCIPALS.items():
            if principal in document:
                add(props.get("Topics"), service)
    return found


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


class SqsEncryptionNotOff(Documented, ResourceSchemaRule):
    id = "W9105"
    shortdesc = "SQS encryption is not switched off"
    description = (
        "Flags an `AWS::SQS::Queue` with `SqsManagedSseEnabled: false` and no "
        "`KmsMasterKeyId`. Default: new queues are encrypted with SSE-SQS, so a queue "
        "that says nothing about encryption is encrypted and passes; only the explicit "
        "opt-out is flagged."
    )
    why = (
        "Since 2022 SQS encrypts new queues by default; turning that off stores messages "
        "in plain text for no gain."
    )
    seeds = ("001:1296",)
    source_url = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-server-side-encryption.html"
    tags = ["encryption", "sqs"]
    resource_types = ("AWS::SQS::Queue",)
    schema_file = "sqs_encryption_not_off.json"
    example_fail = "Jobs:\n  Type: AWS::SQS::Queue\n  Properties:\n    SqsManagedSseEnabled: false\n"
    example_pass = "Jobs:\n  Type: AWS::SQS::Queue   # SSE-SQS by default\n"

    def message(self, instance: Any, err) -> str:
        return (f"SQS queue turns encryption off{self.scenario}; remove "
                "SqsManagedSseEnabled: false or set KmsMasterKeyId.")


class KinesisEncrypted(Documented, ResourceSchemaRule):
    id = "W9106"
    shortdesc = "Kinesis streams and Firehose delivery streams are encrypted"
    description = (
        "Flags an `AWS::Kinesis::Stream` without `StreamEncryption` and an "
        "`AWS::KinesisFirehose::DeliveryStream` fed directly (`DirectPut`, the default) "
        "without `DeliveryStreamEncryptionConfigurationInput`. Default: neither is "
        "encrypted. Not flagged: delivery streams reading a Kinesis stream or MSK (they "
        "use the source's encryption and cannot set their own)."
    )
    why = (
        "Records stay in a stream for its retention period (24 hours and up); server-side "
        "encryption with KMS keeps them encrypted there."
    )
    seeds = ("001:1385",)
    source_url = "https://docs.aws.amazon.com/streams/latest/dev/server-side-encryption.html"
    tags = ["encryption", "kinesis"]
    resource_types = ("AWS::Kinesis::Stream", "AWS::KinesisFirehose::DeliveryStream")
    schema_file = "kinesis_encrypted.json"
    example_fail = "Clicks:\n  Type: AWS::Kinesis::Stream\n  Properties:\n    ShardCount: 1\n"
    example_pass = (
        "Clicks:\n  Type: AWS::Kinesis::Stream\n  Properties:\n    ShardCount: 1\n"
        "    StreamEncryption: {EncryptionType: KMS, KeyId: alias/aws/kinesis}\n"
    )

    def message(self, instance: Any, err) -> str:
        fix = ("StreamEncryption" if instance["Type"] == "AWS::Kinesis::Stream"
               else "DeliveryStreamEncryptionConfigurationInput")
        return f"{instance['Type']} is not encrypted{self.scenario}; set {fix}."


class ElastiCacheAtRest(Documented, ResourceSchemaRule):
    id = "W9107"
    shortdesc = "ElastiCache replication groups are encrypted at rest"
    description = (
        "Flags an `AWS::ElastiCache::ReplicationGroup` whose `AtRestEncryptionEnabled` is "
        "not true. Default: off for node-based replication groups created through the "
        "API and CloudFormation (ElastiCache Serverless always encrypts)."
    )
    why = (
        "Encryption at rest covers the disk during sync and swap and the backups in S3; "
        "it can only be chosen when the replication group is created."
    )
    seeds = ("001:569",)
    source_url = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/at-rest-encryption.html"
    tags = ["encryption", "elasticache"]
    resource_types = ("AWS::ElastiCache::ReplicationGroup",)
    schema_file = "elasticache_at_rest.json"
    example_fail = "Cache:\n  Type: AWS::ElastiCache::ReplicationGroup\n  Properties: {ReplicationGroupDescription: cache}\n"
    example_pass = (
        "Cache:\n  Type: AWS::ElastiCache::ReplicationGroup\n  Properties:\n"
        "    ReplicationGroupDescription: cache\n    AtRestEncryptionEnabled: true\n"
    )

    def message(self, instance: Any, err) -> str:
        return (f"ElastiCache replication group is not encrypted at rest{self.scenario}; "
                "set AtRestEncryptionEnabled: true.")


class AnalyticsEncrypted(Documented, ResourceSchemaRule):
    id = "W9108"
    shortdesc = "Analytics stores are encrypted"
    description = (
        "Flags an `AWS::OpenSearchService::Domain` or `AWS::Elasticsearch::Domain` whose "
        "`EncryptionAtRestOptions.Enabled` is not true (default: off), and an "
        "`AWS::Redshift::Cluster` with `Encrypted: false`. Redshift encrypts new "
        "provisioned clusters by default since January 2025, so only the explicit opt-out "
        "is flagged. Amazon MSK always encrypts at rest and is not checked."
    )
    why = (
        "Warehouses and search indexes hold copies of the business's data in bulk; the "
        "notes name encryption at rest for Redshift and OpenSearch."
    )
    seeds = ("000:261-274",)
    source_url = "https://docs.aws.amazon.com/opensearch-service/latest/developerguide/encryption-at-rest.html"
    tags = ["encryption", "opensearch", "redshift"]
    resource_types = ("AWS::Redshift::Cluster", "AWS::OpenSearchService::Domain",
                      "AWS::Elasticsearch::Domain")
    schema_file = "analytics_encrypted.json"
    example_fail = "Search:\n  Type: AWS::OpenSearchService::Domain\n  Properties: {EngineVersion: OpenSearch_2.13}\n"
    example_pass = (
        "Search:\n  Type: AWS::OpenSearchService::Domain\n  Properties:\n"
        "    EncryptionAtRestOptions: {Enabled: true}\n"
    )

    def message(self, instance: Any, err) -> str:
        if instance["Type"] == "AWS::Redshift::Cluster":
            return f"Redshift cluster turns encryption off{self.scenario}; remove Encrypted: false."
        return (f"{instance['Type']} is not encrypted at rest{self.scenario}; set "
                "EncryptionAtRestOptions.Enabled: true.")


class S3CustomerKey(Documented, ResourceSchemaRule):
    id = "I9110"
    shortdesc = "S3 buckets use a KMS key you control"
    description = (
        "Flags (as info) an `AWS::S3::Bucket` without `BucketEncryption` using `aws:kms` or "
        "`aws:kms:dsse`. Default: since January 2023 every new object is encrypted with "
        "SSE-S3, so a bucket is never unencrypted; a KMS key adds control over who may "
        "decrypt and a CloudTrail record of each use."
    )
    why = (
        "With SSE-KMS the key policy is a second gate on the data: reading an object needs "
        "both S3 and KMS permissions, and every decryption is logged."
    )
    seeds = ("001:888",)
    source_url = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html"
    tags = ["encryption", "s3"]
    resource_types = ("AWS::S3::Bucket",)
    schema_file = "s3_kms.json"
    example_fail = "Data:\n  Type: AWS::S3::Bucket   # SSE-S3 only\n"
    example_pass = (
        "Data:\n  Type: AWS::S3::Bucket\n  Properties:\n    BucketEncryption:\n"
        "      ServerSideEncryptionConfiguration:\n        - ServerSideEncryptionByDefault:\n"
        "            SSEAlgorithm: aws:kms\n            KMSMasterKeyID: !Ref DataKey\n"
    )

    def message(self, instance: Any, err) -> str:
        how = ("SSE-S3 (AES256)" if err.instance == "AES256" or "AES256" in _algorithms(instance)
               else "the default SSE-S3 encryption")
        return (f"S3 bucket uses {how}{self.scenario}; use SSEAlgorithm: aws:kms with a key "
                "you control where the data is sensitive.")


def _algorithms(bucket: dict) -> list:
    """The SSEAlgorithm values a (resolved) bucket names."""
    props = bucket.get("Properties") if isinstance(bucket.get("Properties"), dict) else {}
    encryption = props.get("BucketEncryption") if isinstance(props.get("BucketEncryption"), dict) else {}
    rules = encryption.get("ServerSideEncryptionConfiguration")
    found = []
    for rule in rules if isinstance(rules, list) else []:
        default = rule.get("ServerSideEncryptionByDefault") if isinstance(rule, dict) else None
        if isinstance(default, dict):
            found.append(default.get("SSEAlgorithm"))
    return found


class KmsKeyRotation(Documented, ResourceSchemaRule):
    id = "W9111"
    shortdesc = "KMS keys rotate"
    description = (
        "Flags a symmetric encryption `AWS::KMS::Key` (KeySpec `SYMMETRIC_DEFAULT`, the "
        "default) whose `EnableKeyRotation` is not true. Default: rotation off. Not "
        "flagged: asymmetric and HMAC keys and keys with imported material (`Origin: "
        "EXTERNAL`), which KMS cannot rotate automatically."
    )
    why = (
        "Automatic rotation replaces the key material every year (or the period you set) "
        "while old data stays readable, limiting how much data one key version protects."
    )
    seeds = ("001:2433-2435",)
    source_url = "https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html"
    tags = ["encryption", "kms"]
    resource_types = ("AWS::KMS::Key",)
    schema_file = "kms_rotation.json"
    example_fail = "DataKey:\n  Type: AWS::KMS::Key\n  Properties:\n    KeyPolicy: {...}\n"
    example_pass = "DataKey:\n  Type: AWS::KMS::Key\n  Properties:\n    EnableKeyRotation: true\n    KeyPolicy: {...}\n"

    def message(self, instance: Any, err) -> str:
        return f"KMS key does not rotate{self.scenario}; set EnableKeyRotation: true."


class CustomerKey(Documented, ResourceSchemaRule):
    id = "I9112"
    shortdesc = "Logs, secrets and tables use a customer key where data is sensitive"
    description = (
        "Flags (as info) an `AWS::Logs::LogGroup` or `AWS::SecretsManager::Secret` "
        "without `KmsKeyId`, and an `AWS::DynamoDB::Table` or SAM "
        "`AWS::Serverless::SimpleTable` without `SSESpecification.KMSMasterKeyId` (a "
        "`AWS::DynamoDB::GlobalTable`: on every replica). `SSEEnabled: true` alone is not "
        "enough: it switches DynamoDB to the AWS managed key `aws/dynamodb`, and a key "
        "named `alias/aws/...` is AWS managed too. Default: all three are always "
        "encrypted (CloudWatch Logs and DynamoDB with AWS owned keys, Secrets Manager with "
        "`aws/secretsmanager`), so this is info only: a customer managed key adds a key "
        "policy you write and an audit trail."
    )
    why = (
        "The data is encrypted either way; a customer managed key lets you decide who "
        "may decrypt it, revoke that, and see every use in CloudTrail."
    )
    seeds = ("001:2490",)
    source_url = "https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#customer-cmk"
    tags = ["encryption", "kms", "logs", "dynamodb", "secretsmanager"]
    resource_types = ("AWS::Logs::LogGroup", "AWS::SecretsManager::Secret", "AWS::DynamoDB::Table",
                      "AWS::DynamoDB::GlobalTable", "AWS::Serverless::SimpleTable")
    schema_file = "customer_key.json"
    example_fail = "Logs:\n  Type: AWS::Logs::LogGroup\n  Properties:\n    RetentionInDays: 30\n"
    example_pass = "Logs:\n  Type: AWS::Logs::LogGroup\n  Properties:\n    RetentionInDays: 30\n    KmsKeyId: !GetAtt LogKey.Arn\n"

    def message(self, instance: Any, err) -> str:
        kind = instance["Type"]
        if kind == "AWS::DynamoDB::GlobalTable":
            fix = ("SSESpecification.SSEEnabled: true, SSEType: KMS and each replica's "
                   "SSESpecification.KMSMasterKeyId")
        elif "DynamoDB" in kind or "SimpleTable" in kind:
            fix = "SSESpecification.SSEEnabled: true with KMSMasterKeyId"
        else:
            fix = "KmsKeyId"
        return (f"{kind} uses an AWS owned or managed key{self.scenario}; set {fix} to a "
                "customer managed key (an AWS::KMS::Key) where the data is sensitive.")
