"""Building blocks the patterns share: private buckets, TLS-only bucket policies,
customer managed keys for logs, log groups, one-rule suppressions with their reason."""

from __future__ import annotations

from tmpllint.yamlio import get_att, mapping, ref, sub

#: Lambda runtimes the SAM patterns offer (`--runtime`). Not nodejs20.x: deprecated on
#: 2026-04-30, cfn-lint W2531 fails the template that uses it.
LAMBDA_RUNTIMES = ("python3.13", "python3.12", "nodejs22.x", "java21")


def ignore(rule: str, why: str) -> dict:
    """`Metadata` that suppresses one rule on one resource, with the reason as a comment."""
    metadata = mapping(("cfn-lint", mapping(config=mapping(ignore_checks=[rule]))))
    metadata.yaml_set_start_comment(why, indent=6)
    return metadata


def tls_only(bucket: str) -> dict:
    """The bucket policy statement that refuses plain HTTP (W9204)."""
    return mapping(
        Sid="DenyPlainHttp", Effect="Deny", Principal="*", Action="s3:*",
        Resource=[get_att(f"{bucket}.Arn"), sub(f"${{{bucket}.Arn}}/*")],
        Condition=mapping(Bool=mapping(("aws:SecureTransport", "false"))))


def server_access_logs(log_bucket: str, source_bucket: str | None = None) -> dict:
    """The log bucket policy statement that lets S3 server access logging write under
    `s3/` (the S3 documentation's statement: this account, and `source_bucket` only when
    given)."""
    condition = mapping(StringEquals=mapping(("aws:SourceAccount", ref("AWS::AccountId"))))
    if source_bucket is not None:
        condition["ArnLike"] = mapping(("aws:SourceArn", get_att(f"{source_bucket}.Arn")))
    return mapping(Sid="S3ServerAccessLogs", Effect="Allow",
                   Principal=mapping(Service="logging.s3.amazonaws.com"), Action="s3:PutObject",
                   Resource=sub(f"${{{log_bucket}.Arn}}/s3/*"), Condition=condition)


def private_bucket(**extra) -> dict:
    """Properties of a bucket that blocks public access and keeps versions."""
    properties = mapping(
        PublicAccessBlockConfiguration=mapping(BlockPublicAcls=True, BlockPublicPolicy=True,
                                               IgnorePublicAcls=True, RestrictPublicBuckets=True),
        VersioningConfiguration=mapping(Status="Enabled"))
    for key, value in extra.items():
        properties[key] = value
    return properties


def log_bucket(why_sse_s3: str, retention_parameter: str, ownership: str = "BucketOwnerEnforced") -> dict:
    """A retained private bucket that receives access logs and expires them after
    `retention_parameter` days. It keeps the default SSE-S3 encryption: the log delivery
    services cannot write to SSE-KMS buckets (`why_sse_s3` says which one, as the reason
    I9110 is suppressed)."""
    return mapping(
        Type="AWS::S3::Bucket", DeletionPolicy="Retain", UpdateReplacePolicy="Retain",
        Metadata=ignore("I9110", why_sse_s3),
        Properties=private_bucket(
            OwnershipControls=mapping(Rules=[mapping(ObjectOwnership=ownership)]),
            LifecycleConfiguration=mapping(Rules=[mapping(
                Id="expire-logs", Status="Enabled", ExpirationInDays=ref(retention_parameter),
                NoncurrentVersionExpiration=mapping(NoncurrentDays=30))])))


def customer_key(description: str, extra_statements: list | None = None) -> dict:
    """A rotated, retained KMS key administered by the account, usable by CloudWatch Logs."""
    account = mapping(AWS=sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root"))
    statements = [
        mapping(Sid="AccountAdministersTheKey", Effect="Allow", Principal=account,
                Action="kms:*", Resource="*"),
        mapping(Sid="CloudWatchLogsEncrypts", Effect="Allow",
                Principal=mapping(Service=sub("logs.${AWS::Region}.amazonaws.com")),
                Action=["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo",
                        "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"],
                Resource="*",
                Condition=mapping(ArnLike=mapping((
                    "kms:EncryptionContext:aws:logs:arn",
                    sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*"))))),
    ] + (extra_statements or [])
    return mapping(
        Type="AWS::KMS::Key", DeletionPolicy="Retain", UpdateReplacePolicy="Retain",
        Properties=mapping(Description=sub(description), EnableKeyRotation=True,
                           KeyPolicy=mapping(Version="2012-10-17", Statement=statements)))


def log_group(key: str, retention_parameter: str, name=None) -> dict:
    """A retained log group encrypted with `key`, kept `retention_parameter` days."""
    properties = mapping(RetentionInDays=ref(retention_parameter), KmsKeyId=get_att(f"{key}.Arn"))
    if name is not None:
        properties.insert(0, "LogGroupName", name)
    return mapping(Type="AWS::Logs::LogGroup", DeletionPolicy="Retain", UpdateReplacePolicy="Retain",
                   Properties=properties)


def interface(*groups: tuple[str, list]) -> dict:
    """`Metadata` with the console's parameter groups: (label, [parameter names])."""
    return mapping(("AWS::CloudFormation::Interface", mapping(ParameterGroups=[
        mapping(Label=mapping(default=label), Parameters=list(names)) for label, names in groups])))


def retention_parameter(description: str, default: int = 90,
                        allowed: tuple[int, ...] = (30, 90, 180, 365)) -> dict:
    """A `Number` parameter of days to keep logs, limited to CloudWatch Logs' values."""
    return mapping(Type="Number", Default=default, AllowedValues=list(allowed), Description=description)
