"""cfn-guard suppressions in a template count as decisions for tmpllint's own rules.

A resource may carry `Metadata: guard: SuppressedRules: [S3_BUCKET_VERSIONING_ENABLED,
...]`, the way cfn-guard and the AWS Guard Rules Registry record that the author
consciously accepted a practice not being followed. `GUARD_RULES` maps those rule names
(the AWS Config managed rule identifiers the registry uses) to the tmpllint rule that
checks the same thing on the same resource; a finding of that rule on that resource is
not reported, and the file gets one note saying how many were suppressed this way.
Only names whose check is the same practice are listed: a guard rule that checks
something else or more broadly (`S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED` vs I9110's
customer key, `INCOMING_SSH_DISABLED` vs E9601's list of ports) suppresses nothing.
"""

from __future__ import annotations

from typing import Any

#: cfn-guard / AWS Config managed rule name -> the tmpllint rule for the same practice.
GUARD_RULES: dict[str, str] = {
    "S3_BUCKET_VERSIONING_ENABLED": "W9804",
    "S3_BUCKET_SSL_REQUESTS_ONLY": "W9204",
    "S3_BUCKET_LOGGING_ENABLED": "I9706",
    "DYNAMODB_PITR_ENABLED": "W9803",
    "DB_INSTANCE_BACKUP_ENABLED": "W9802",
    "RDS_STORAGE_ENCRYPTED": "W9101",
    "RDS_MULTI_AZ_SUPPORT": "W9501",
    "RDS_INSTANCE_DELETION_PROTECTION_ENABLED": "W9806",
    "ENCRYPTED_VOLUMES": "W9102",
    "EFS_ENCRYPTED_CHECK": "W9103",
    "KINESIS_STREAM_ENCRYPTED": "W9106",
    "CMK_BACKING_KEY_ROTATION_ENABLED": "W9111",
    "SUBNET_AUTO_ASSIGN_PUBLIC_IP_DISABLED": "W9605",
    "EC2_IMDSV2_CHECK": "W9606",
    "ELB_LOGGING_ENABLED": "W9702",
    "LAMBDA_DLQ_CHECK": "W9002",
}


def suppressed_rules(resource: Any) -> set[str]:
    """The tmpllint rules a resource's `Metadata.guard.SuppressedRules` suppresses."""
    metadata = resource.get("Metadata") if isinstance(resource, dict) else None
    guard = metadata.get("guard") if isinstance(metadata, dict) else None
    names = guard.get("SuppressedRules") if isinstance(guard, dict) else None
    if not isinstance(names, list):
        return set()
    return {GUARD_RULES[name] for name in names if isinstance(name, str) and name in GUARD_RULES}


def apply(result, template: Any) -> None:
    """Drop tmpllint findings that the finding's resource suppresses through cfn-guard,
    with a note saying how many."""
    resources = template.get("Resources") if isinstance(template, dict) else None
    if not isinstance(resources, dict):
        return
    kept, dropped = [], 0
    for finding in result.findings:
        if (finding.source == "tmpllint" and finding.resource
                and finding.rule in suppressed_rules(resources.get(finding.resource))):
            dropped += 1
        else:
            kept.append(finding)
    if dropped:
        result.findings = kept
        result.notes.append(f"{dropped} finding{'s' * (dropped != 1)} not reported: the "
                            "resources suppress them with cfn-guard Metadata (guard: "
                            "SuppressedRules)")
