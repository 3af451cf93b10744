"""Wiring rules on one resource: settings CloudFormation accepts but the service rejects,
so the stack fails to deploy (E9008-E9011, E9015)."""

from __future__ import annotations

from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from tmpllint.checks.base import (
    Documented,
    condition_variants,
    existing_prefix,
    properties,
    reported_scenarios,
    resources_of,
    walk,
    when,
)
from tmpllint.checks.model import cached, resource_of
from tmpllint.checks.wiring.common import judged, mapping, numbers, strings

LISTENER = "AWS::ElasticLoadBalancingV2::Listener"
LOAD_BALANCER = "AWS::ElasticLoadBalancingV2::LoadBalancer"
#: Listener protocols each ELBv2 load balancer type accepts (CreateListener).
PROTOCOLS = {
    "application": ("HTTP", "HTTPS"),
    "network": ("TCP", "UDP", "TCP_UDP", "TLS"),
    "gateway": ("GENEVE",),
}
KNOWN_PROTOCOLS = {p for accepted in PROTOCOLS.values() for p in accepted}


class ListenerFitsLoadBalancer(Documented, CloudFormationLintRule):
    id = "E9008"
    shortdesc = "Listeners fit their load balancer"
    description = (
        "Flags an `AWS::ElasticLoadBalancingV2::Listener` whose `Protocol` does not fit the "
        "`Type` of the load balancer of the template it is attached to: an application load "
        "balancer (the default `Type`) takes HTTP or HTTPS, a network load balancer TCP, "
        "UDP, TCP_UDP or TLS, a gateway load balancer no protocol (GENEVE is accepted). A "
        "listener of an imported load balancer, or a protocol or type that cannot be "
        "resolved, is not judged."
    )
    why = (
        "ELB rejects the CreateListener call, so the stack fails to deploy. The notes' "
        "listener table: HTTP/HTTPS for the ALB, TCP/UDP and TLS for the NLB, IP packets "
        "for the GWLB."
    )
    seeds = ("004:3514-3522",)
    source_url = "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateListener.html"
    tags = ["template", "elb", "deploy"]
    example_fail = (
        "Nlb:\n  Type: AWS::ElasticLoadBalancingV2::LoadBalancer\n  Properties: {Type: network, ...}\n"
        "Listener:\n  Type: AWS::ElasticLoadBalancingV2::Listener\n  Properties:\n"
        "    LoadBalancerArn: !Ref Nlb\n    Protocol: HTTPS\n    Port: 443\n"
    )
    example_pass = (
        "Listener:\n  Type: AWS::ElasticLoadBalancingV2::Listener\n  Properties:\n"
        "    LoadBalancerArn: !Ref Nlb\n    Protocol: TLS\n    Port: 443\n"
    )

    def match(self, cfn) -> list[RuleMatch]:
        matches = []
        for name, listener in resources_of(cfn, LISTENER):
            props = properties(listener)
            lb = resource_of(cfn, props.get("LoadBalancerArn"), LOAD_BALANCER)
            if lb is None or "Protocol" not in props:
                continue
            lb_type = properties(cfn.get_resources()[lb]).get("Type")

            def problem(resolved, cfn=cfn):
                if resolved.get("Protocol") is None:
                    return None
                protocols = strings(cfn, resolved["Protocol"])
                types = ["application"] if resolved.get("Type") is None else strings(cfn, resolved["Type"])
                for kind in types or []:
                    for protocol in protocols or []:
                        accepted = PROTOCOLS.get(kind.lower())
                        if accepted and protocol.upper() in KNOWN_PROTOCOLS and protocol.upper() not in accepted:
                            return protocol, kind.lower()
                return None

            for (protocol, kind), condition in judged(cfn, {"Protocol": props["Protocol"], "Type": lb_type}, problem):
                fix = ("remove Protocol (a gateway load balancer listener takes none)" if kind == "gateway"
                       else f"use {' or '.join(PROTOCOLS[kind])}")
                chosen = (f" when parameter '{lb_type['Ref']}' is {kind}"
                          if isinstance(lb_type, dict) and set(lb_type) == {"Ref"} else "")
                matches.append(RuleMatch(
                    ["Resources", name, "Properties", "Protocol"],
                    f"Listener protocol {protocol} does not fit the {kind} load balancer '{lb}'"
                    f"{chosen}{condition}, so the stack will not deploy; {fix}."))
        return matches


class ReplicationNeedsVersioning(Documented, CloudFormationLintRule):
    id = "E9009"
    shortdesc = "Replication needs versioning"
    description = (
        "Flags an `AWS::S3::Bucket` with a `ReplicationConfiguration` whose "
        "`VersioningConfiguration.Status` is not `Enabled`, and the destination bucket of "
        "such a rule when it is declared in the template (`!GetAtt B.Arn`, `!Sub` of it, "
        "or the ARN of its literal `BucketName`) and is not versioned either."
    )
    why = (
        "S3 refuses a replication configuration on a bucket without versioning, and a "
        "replication rule whose destination is not versioned: the stack fails to deploy. "
        "The notes: versioning must be enabled in source and destination."
    )
    seeds = ("003:233-235", "004:6988")
    source_url = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-requirements.html"
    tags = ["template", "s3", "deploy"]
    example_fail = (
        "Source:\n  Type: AWS::S3::Bucket\n  Properties:\n    ReplicationConfiguration:\n"
        "      Role: !GetAtt ReplicationRole.Arn\n      Rules:\n"
        "        - {Status: Enabled, Destination: {Bucket: !GetAtt Replica.Arn}}\n"
    )
    example_pass = (
        "Source:\n  Type: AWS::S3::Bucket\n  Properties:\n    VersioningConfiguration: {Status: Enabled}\n"
        "    ReplicationConfiguration: ...\nReplica:\n  Type: AWS::S3::Bucket\n"
        "  Properties:\n    VersioningConfiguration: {Status: Enabled}\n"
    )

    def match(self, cfn) -> list[RuleMatch]:
        matches = []
        reported: set[str] = set()
        buckets = dict(resources_of(cfn, "AWS::S3::Bucket"))
        for name, bucket in buckets.items():
            props = properties(bucket)
            if "ReplicationConfiguration" not in props:
                continue
            instance = {key: props.get(key) for key in ("ReplicationConfiguration", "VersioningConfiguration")}
            for _, condition in judged(cfn, instance, lambda r: _unversioned(cfn, r, replicating=True)):
                matches.append(RuleMatch(
                    _versioning_path(name, props, "ReplicationConfiguration"),
                    f"Bucket '{name}' replicates but is not versioned{condition}, so S3 rejects "
                    "the replication configuration; set VersioningConfiguration.Status: Enabled."))
            for destination in self._destinations(cfn, props.get("ReplicationConfiguration"), buckets):
                if destination == name or destination in reported:
                    continue
                reported.add(destination)
                target = properties(buckets[destination])
                instance = {"ReplicationConfiguration": props.get("ReplicationConfiguration"),
                            "VersioningConfiguration": target.get("VersioningConfiguration")}
                for _, condition in judged(cfn, instance, lambda r: _unversioned(cfn, r, replicating=True)):
                    matches.append(RuleMatch(
                        _versioning_path(destination, target, None),
                        f"Bucket '{destination}' receives replicas from '{name}' but is not "
                        f"versioned{condition}, so S3 rejects the replication rule; set "
                        "VersioningConfiguration.Status: Enabled."))
        return matches

    @staticmethod
    def _destinations(cfn, configuration: Any, buckets: dict) -> list[str]:
        names = cached(cfn, "bucket_names", _bucket_names)
        found = []
        for path, node in walk(configuration):
            if not path or path[-1] != "Destination" or not isinstance(node, dict):
                continue
            value = node.get("Bucket")
            bucket = resource_of(cfn, value, "AWS::S3::Bucket")
            if bucket is None and isinstance(value, str):
                bucket = names.get(value.rsplit(":", 1)[-1])
            if bucket in buckets and bucket not in found:
                found.append(bucket)
        return found


def _bucket_names(cfn) -> dict[str, str]:
    """Literal `BucketName` -> bucket logical id."""
    return {properties(b)["BucketName"]: name for name, b in resources_of(cfn, "AWS::S3::Bucket")
            if isinstance(properties(b).get("BucketName"), str)}


def _unversioned(cfn, resolved: dict, replicating: bool) -> str | None:
    if replicating and not isinstance(resolved.get("ReplicationConfiguration"), dict):
        return None
    status = mapping(resolved.get("VersioningConfiguration")).get("Status")
    if status is None:
        return "unversioned"
    values = strings(cfn, status)
    return "unversioned" if values and any(v != "Enabled" for v in values) else None


def _versioning_path(name: str, props: dict, fallback: str | None) -> list:
    if "VersioningConfiguration" in props:
        return ["Resources", name, "Properties", "VersioningConfiguration"]
    return ["Resources", name, "Properties", fallback] if fallback else ["Resources", name]


class GlobalTableStreams(Documented, CloudFormationLintRule):
    id = "E9010"
    shortdesc = "Multi-replica global tables stream"
    description = (
        "Flags an `AWS::DynamoDB::GlobalTable` with two or more `Replicas` and no "
        "`StreamSpecification`. Global tables with `MultiRegionConsistency: STRONG` need "
        "no stream and are not flagged."
    )
    why = (
        "CloudFormation requires `StreamSpecification` on a global table with more than "
        "one replica (eventual consistency replicates through DynamoDB Streams): the stack "
        "fails to deploy. The notes: a global table needs Streams with NEW_AND_OLD_IMAGES."
    )
    seeds = ("004:8876",)
    source_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-dynamodb-globaltable.html"
    tags = ["template", "dynamodb", "deploy"]
    example_fail = (
        "Table:\n  Type: AWS::DynamoDB::GlobalTable\n  Properties:\n"
        "    Replicas: [{Region: us-east-1}, {Region: eu-west-1}]\n"
    )
    example_pass = (
        "Table:\n  Type: AWS::DynamoDB::GlobalTable\n  Properties:\n"
        "    Replicas: [{Region: us-east-1}, {Region: eu-west-1}]\n"
        "    StreamSpecification: {StreamViewType: NEW_AND_OLD_IMAGES}\n"
    )

    def match(self, cfn) -> list[RuleMatch]:
        matches = []
        for name, table in resources_of(cfn, "AWS::DynamoDB::GlobalTable"):
            props = properties(table)
            instance = {key: props.get(key) for key in
                        ("Replicas", "StreamSpecification", "MultiRegionConsistency")}

            def problem(resolved, cfn=cfn):
                replicas = resolved.get("Replicas")
                if not isinstance(replicas, list) or len(replicas) < 2:
                    return None
                if resolved.get("StreamSpecification") is not None:
                    return None
                consistency = resolved.get("MultiRegionConsistency")
                modes = ["EVENTUAL"] if consistency is None else strings(cfn, consistency)
                if not modes or any(mode.upper() == "STRONG" for mode in modes):
                    return None
                return len(replicas)

            for count, condition in judged(cfn, instance, problem):
                matches.append(RuleMatch(
                    ["Resources", name, "Properties", "Replicas"],
                    f"Global table '{name}' has {count} replicas but no StreamSpecification"
                    f"{condition}, so the stack will not deploy; add StreamSpecification with "
                    "StreamViewType: NEW_AND_OLD_IMAGES."))
        return matches


class MonitoringHasRole(Documented, CloudFormationLintRule):
    id = "E9011"
    shortdesc = "Enhanced monitoring has its role"
    description = (
        "Flags an `AWS::RDS::DBInstance` or `AWS::RDS::DBCluster` whose "
        "`MonitoringInterval` is above 0 (enhanced monitoring on) without a "
        "`MonitoringRoleArn`. An interval that cannot be resolved is not judged."
    )
    why = (
        "RDS rejects enhanced monitoring without the role it assumes to publish the "
        "metrics (`InvalidParameterCombination`): the stack fails to deploy. The notes: "
        "the role is assumed by an AWS service (`monitoring.rds.amazonaws.com`)."
    )
    seeds = ("004:4914",)
    source_url = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Monitoring.OS.Enabling.html"
    tags = ["template", "rds", "deploy"]
    example_fail = "Db:\n  Type: AWS::RDS::DBInstance\n  Properties: {Engine: postgres, MonitoringInterval: 60}\n"
    example_pass = (
        "Db:\n  Type: AWS::RDS::DBInstance\n  Properties:\n    Engine: postgres\n"
        "    MonitoringInterval: 60\n    MonitoringRoleArn: !GetAtt MonitoringRole.Arn\n"
    )

    def match(self, cfn) -> list[RuleMatch]:
        matches = []
        for name, db in resources_of(cfn, "AWS::RDS::DBInstance", "AWS::RDS::DBCluster"):
            props = properties(db)
            if "MonitoringInterval" not in props:
                continue
            instance = {key: props.get(key) for key in ("MonitoringInterval", "MonitoringRoleArn")}

            def problem(resolved, cfn=cfn):
                if resolved.get("MonitoringRoleArn") is not None:
                    return None
                intervals = numbers(cfn, resolved.get("MonitoringInterval"))
                positive = [v for v in intervals or [] if v > 0]
                return int(max(positive)) if positive else None

            for interval, condition in judged(cfn, instance, problem):
                matches.append(RuleMatch(
                    ["Resources", name, "Properties", "MonitoringInterval"],
                    f"Enhanced monitoring every {interval} s has no MonitoringRoleArn{condition}, "
                    "so RDS rejects it; set MonitoringRoleArn to a role that trusts "
                    "monitoring.rds.amazonaws.com (or MonitoringInterval: 0)."))
        return matches


INFREQUENT = ("STANDARD_IA", "ONEZONE_IA")
_TRANSITIONS = (("Transitions", True), ("Transition", False))
_NONCURRENT = (("NoncurrentVersionTransitions", True), ("NoncurrentVersionTransition", False))


class LifecycleMinimums(Documented, CloudFormationLintRule):
    id = "E9015"
    shortdesc = "Lifecycle transitions respect storage minimums"
    description = (
        "Flags, in an `AWS::S3::Bucket` `LifecycleConfiguration` rule, a transition (or "
        "noncurrent-version transition) to `STANDARD_IA` or `ONEZONE_IA` with "
        "`TransitionInDays` below 30, and an `ExpirationInDays` (or noncurrent expiration "
        "days) that is not later than a transition of the same rule. Dates and values that "
        "cannot be resolved are not judged."
    )
    why = (
        "S3 refuses the lifecycle configuration (objects must stay 30 days before moving to "
        "an infrequent-access class, and an expiration must come after the transitions), so "
        "the stack fails to deploy. The notes: Standard-IA and One Zone-IA carry a 30-day "
        "minimum storage duration."
    )
    seeds = ("004:7071", "004:7091")
    source_url = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html"
    tags = ["template", "s3", "deploy"]
    example_fail = (
        "LifecycleConfiguration:\n  Rules:\n    - Status: Enabled\n      ExpirationInDays: 7\n"
        "      Transitions: [{StorageClass: STANDARD_IA, TransitionInDays: 14}]\n"
    )
    example_pass = (
        "LifecycleConfiguration:\n  Rules:\n    - Status: Enabled\n      ExpirationInDays: 365\n"
        "      Transitions: [{StorageClass: STANDARD_IA, TransitionInDays: 30}]\n"
    )

    def match(self, cfn) -> list[RuleMatch]:
        matches = []
        for name, bucket in resources_of(cfn, "AWS::S3::Bucket"):
            configuration = properties(bucket).get("LifecycleConfiguration")
            if not isinstance(configuration, dict):
                continue
            base = ["Resources", name, "Properties", "LifecycleConfiguration"]
            variants = condition_variants(cfn, configuration)
            found: dict[tuple, list] = {}
            for scenario, resolved in variants:
                for problem in _lifecycle_problems(cfn, resolved):
                    found.setdefault(problem, []).append(scenario)
            for (path, message), scenarios in found.items():
                for scenario in reported_scenarios(scenarios, len(variants)):
                    where = existing_prefix(cfn.template, base + list(path))
                    matches.append(RuleMatch(where, message.replace("\x00", when(scenario))))
        return matches


def _lifecycle_problems(cfn, configuration: Any) -> list[tuple[tuple, str]]:
    """Every problem of a resolved LifecycleConfiguration as (path, message)."""
    rules = mapping(configuration).get("Rules")
    return [(("Rules", index) + path, message)
            for index, rule in enumerate(rules if isinstance(rules, list) else [])
            if isinstance(rule, dict)
            for path, message in _rule_problems(cfn, rule)]


def _rule_problems(cfn, rule: dict):
    current = list(_transitions(cfn, rule, _TRANSITIONS))
    noncurrent = list(_transitions(cfn, rule, _NONCURRENT))
    for path, storage, days in current + noncurrent:
        if storage in INFREQUENT and days is not None and min(days) < 30:
            kind = "noncurrent versions" if path[0].startswith("Noncurrent") else "objects"
            yield path + ("TransitionInDays",), (
                f"Lifecycle rule moves {kind} to {storage} after {int(min(days))} days\x00, "
                "but S3 requires at least 30, so the stack will not deploy; set "
                "TransitionInDays to 30 or more.")
    for key, earlier, label in (("ExpirationInDays", current, "objects"),
                                ("NoncurrentVersionExpirationInDays", noncurrent, "noncurrent versions")):
        path: tuple = (key,)
        value = rule.get(key)
        if key.startswith("Noncurrent") and value is None:
            value, path = mapping(rule.get("NoncurrentVersionExpiration")).get("NoncurrentDays"), (
                "NoncurrentVersionExpiration", "NoncurrentDays")
        expiry = numbers(cfn, value) if value is not None else None
        latest = [max(days) for _, _, days in earlier if days]
        if expiry and latest and min(expiry) <= max(latest):
            yield path, (
                f"Lifecycle rule expires {label} after {int(min(expiry))} days, not after their "
                f"transition at {int(max(latest))} days\x00, so S3 rejects the rule; expire "
                "them later than the last transition or drop the transition.")


def _transitions(cfn, rule: dict, keys):
    """(path, storage class or None, possible days or None) of each transition of a rule."""
    for key, is_list in keys:
        value = rule.get(key)
        entries = list(enumerate(value)) if is_list and isinstance(value, list) else (
            [(None, value)] if not is_list and isinstance(value, dict) else [])
        for index, transition in entries:
            if not isinstance(transition, dict):
                continue
            classes = strings(cfn, transition.get("StorageClass"))
            storage = classes[0] if classes and len(set(classes)) == 1 else None
            if classes and len(set(classes)) > 1:
                storage = next((c for c in classes if c in INFREQUENT), classes[0])
            path = (key,) if index is None else (key, index)
            yield path, storage, numbers(cfn, transition.get("TransitionInDays"))
