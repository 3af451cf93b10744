"""Fixes as data, keyed by rule id: which value to set where, or which block to add.

A fix is computed from the match its rule produced (the rule id, the resource, the
property path cfn-lint gives the match), so the finding and its fix never disagree.
`Target`s name a path below the resource (or parameter, or template) the match is in;
`planner`s (W9204, E9301) compute the block or value from the template itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
RETENTION_DAYS = 365
BACKUP_DAYS = 7
RETAINED = {"Retain", "RetainExceptOnCreate", "Snapshot"}
#: Types whose DeletionPolicy may be Snapshot (the W9801 fix keeps a final snapshot).
SNAPSHOT_TYPES = {"AWS::RDS::DBInstance", "AWS::RDS::DBCluster", "AWS::EC2::Volume",
                  "AWS::ElastiCache::ReplicationGroup"}
_MODERN_TLS = re.compile(r"ELBSecurityPolicy-(TLS13-1-[23]|FS-1-2|TLS-1-2)-")


def _true(value: Any) -> bool:
    return str(value).lower() == "true"


@dataclass(frozen=True)
class Target:
    """Set `keys` (below the match's resource, parameter or template root) to `value`;
    a value for which `ok` holds is left alone. With `parent_must_exist`, every key but
    the last must already be there (a fix never invents a block the user chose not to
    have, like a custom domain). `reason` makes this target unsafe."""

    keys: tuple
    value: Any
    ok: Callable[[Any], bool]
    parent_must_exist: bool = False
    reason: str = ""
    via_parameter: bool = True  # a value from a parameter may be fixed in its Default
    only_if_missing: bool = False  # a value the author wrote (any value) is their decision


@dataclass(frozen=True)
class FixSpec:
    rule: str
    summary: str  # what the fix does, for `explain`
    scope: str  # "resource", "parameter" or "template": what the match path's base is
    targets: Callable[[list, str | None], list[Target]] | None = None
    planner: str = ""  # name of a planner in apply.py for block fixes
    unsafe: str = ""  # when every instance of the fix is unsafe: why
    safety: str = "safe"  # "safe", "unsafe" or "depends" (for `rules` / `explain`)
    notes: dict = field(default_factory=dict)


def _set(*keys, value, ok=None, **options) -> Callable[[list, str | None], list[Target]]:
    check = ok or (lambda current: current == value)
    return lambda path, rtype: [Target(tuple(keys), value, check, **options)]


def _by_type(table: dict) -> Callable[[list, str | None], list[Target]]:
    return lambda path, rtype: table[rtype](path, rtype) if rtype in table else []


def _pitr(path: list, rtype: str | None) -> list[Target]:
    keys = ("PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled")
    reason = "point-in-time recovery is billed per GB of table data"
    if rtype == "AWS::DynamoDB::GlobalTable":
        if len(path) > 4 and path[3] == "Replicas" and isinstance(path[4], int):
            return [Target(("Properties", "Replicas", path[4], *keys), True, _true, reason=reason)]
        return []
    return [Target(("Properties", *keys), True, _true, reason=reason)]


def _retained(path: list, rtype: str | None) -> list[Target]:
    value = "Snapshot" if rtype in SNAPSHOT_TYPES else "Retain"
    return [Target((key,), value, lambda current: current in RETAINED, via_parameter=False,
                   only_if_missing=True)
            for key in ("DeletionPolicy", "UpdateReplacePolicy")]


def _backups(path: list, rtype: str | None) -> list[Target]:
    reason = ("turning automated backups on restarts the DB instance (a short outage)"
              if rtype == "AWS::RDS::DBInstance" else "")
    return [Target(("Properties", "BackupRetentionPeriod"), BACKUP_DAYS,
                   lambda current: str(current).isdigit() and int(current) >= 1, reason=reason)]


def _transform(path: list, rtype: str | None) -> list[Target]:
    return [Target(tuple(path), SAM_TRANSFORM, lambda current: current == SAM_TRANSFORM,
                   via_parameter=False)]


def _secret(path: list, rtype: str | None) -> list[Target]:
    if rtype == "AWS::SecretsManager::Secret" or len(path) < 4:
        return []  # a secret's own value: GenerateSecretString, by hand
    keys = tuple(path[2:])
    name = f"{path[1]}/{'.'.join(str(key) for key in keys[1:])}"
    key = str(keys[-1]).lower() if not isinstance(keys[-1], int) else "value"
    reference = "{{resolve:secretsmanager:%s:SecretString:%s}}" % (name, key)
    return [Target(keys, reference, lambda current: isinstance(current, str)
                   and current.startswith("{{resolve:"), via_parameter=False)]


FIXES: dict[str, FixSpec] = {spec.rule: spec for spec in (
    FixSpec("E9001", f"sets Transform to {SAM_TRANSFORM}", "template", _transform),
    FixSpec("W9303", "sets NoEcho: true on the parameter", "parameter",
            _set("NoEcho", value=True, ok=_true, via_parameter=False)),
    FixSpec("W9111", "sets EnableKeyRotation: true", "resource",
            _set("Properties", "EnableKeyRotation", value=True, ok=_true)),
    FixSpec("W9803", "sets PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled: true",
            "resource", _pitr, safety="unsafe",
            unsafe="point-in-time recovery is billed per GB of table data"),
    FixSpec("W9806", "sets DeletionProtection: true", "resource",
            _set("Properties", "DeletionProtection", value=True, ok=_true)),
    FixSpec("W9802", f"sets BackupRetentionPeriod: {BACKUP_DAYS}", "resource", _backups,
            safety="depends"),
    FixSpec("W9801", "adds the missing DeletionPolicy and UpdateReplacePolicy: Snapshot "
            "(types that support it) or Retain; a policy already written is left alone",
            "resource", _retained),
    FixSpec("W9202", f"sets SslPolicy: {TLS_POLICY} (listeners) or SecurityPolicy: TLS_1_2 "
            "(custom domains)", "resource", _by_type({
                "AWS::ElasticLoadBalancingV2::Listener": _set(
                    "Properties", "SslPolicy", value=TLS_POLICY,
                    ok=lambda v: isinstance(v, str) and bool(_MODERN_TLS.match(v))),
                "AWS::ApiGateway::DomainName": _set(
                    "Properties", "SecurityPolicy", value="TLS_1_2", ok=lambda v: v == "TLS_1_2"),
                "AWS::Serverless::Api": _set(
                    "Properties", "Domain", "SecurityPolicy", value="TLS_1_2",
                    ok=lambda v: v == "TLS_1_2", parent_must_exist=True),
            })),
    FixSpec("W9705", f"sets RetentionInDays: {RETENTION_DAYS}", "resource",
            _set("Properties", "RetentionInDays", value=RETENTION_DAYS,
                 ok=lambda v: v is not None,
                 reason=f"on a log group that already exists, logs older than "
                        f"{RETENTION_DAYS} days are deleted"),
            safety="unsafe",
            unsafe=f"on a log group that already exists, logs older than {RETENTION_DAYS} "
                   "days are deleted"),
    FixSpec("I9006", "sets Tracing: Active (in Globals when the finding is there, else on "
            "each SAM function) and TracingConfig.Mode: Active on each AWS::Lambda::Function",
            "template", planner="tracing"),
    FixSpec("W9606", "sets MetadataOptions.HttpTokens: required", "resource", _by_type({
        "AWS::EC2::LaunchTemplate": _set("Properties", "LaunchTemplateData", "MetadataOptions",
                                         "HttpTokens", value="required"),
        "AWS::AutoScaling::LaunchConfiguration": _set("Properties", "MetadataOptions",
                                                      "HttpTokens", value="required"),
        "AWS::EC2::Instance": _set("Properties", "MetadataOptions", "HttpTokens",
                                   value="required"),
    }), safety="unsafe", unsafe="software on the instances that still calls IMDSv1 (old SDKs, "
                                "plain curl) stops getting credentials; launch configurations "
                                "are replaced"),
    FixSpec("W9204", "adds a statement denying s3:* when aws:SecureTransport is false to the "
            "bucket's policy (or a new bucket policy)", "resource", planner="bucket_tls",
            safety="depends"),
    FixSpec("E9301", "replaces the secret with a {{resolve:secretsmanager:...}} dynamic "
            "reference and prints the command that creates the secret", "resource", _secret,
            safety="unsafe", unsafe="the secret must exist in Secrets Manager before the deploy"),
)}


def describe(rule_id: str) -> dict | None:
    """What `explain` and `rules` show: the fix and whether it is safe."""
    spec = FIXES.get(rule_id)
    if spec is None:
        return None
    return {"fix": spec.summary, "safety": spec.safety, "unsafe_reason": spec.unsafe}
