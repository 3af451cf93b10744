"""One small model of a template's network, databases and log plumbing, shared by rules.

Several rules judge the template as a whole: which AZ each subnet sits in, which NAT
gateway a private subnet's default route leads to, which DB instances belong to which
cluster, which buckets receive logs, which VPCs have flow logs, which roles are given to which
service (`role_uses`). `model_of(cfn)` builds
that once per template and caches it on cfn-lint's `Template` object. References are
followed through `Ref`, `GetAtt`, `Sub` and literal names; what cannot be resolved is
"unknown" (None) and the rules never flag on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tmpllint.checks.base import (
    condition_variants,
    literal_values,
    properties,
    referenced_resource,
    references_in,
    values_at,
)

_CACHE_ATTRIBUTE = "_tmpllint_model"
DEFAULT_ROUTES = ("0.0.0.0/0",)


@dataclass
class Subnet:
    vpc: str | None
    az: tuple | None  # ("literal", "us-east-1a"), ("select", 0, region-key) or None
    condition: str | None = None


@dataclass
class Route:
    """A default route (0.0.0.0/0) of a route table, as written (may hold an `Fn::If`)."""

    route_table: str
    target: Any  # the NatGatewayId / GatewayId value
    kind: str  # "nat" or "igw"
    condition: str | None = None
    logical_id: str = ""


@dataclass
class RoleUse:
    """A role of the template handed to a service, which must be able to assume it."""

    role: str  # logical id of the AWS::IAM::Role
    user: str  # logical id of the resource that names the role
    path: list  # path to the property that names it
    service: str  # the service principal that assumes it, "lambda.amazonaws.com"
    scenario: dict | None = None  # the condition scenario the reference holds in
    scenario_count: int = 1


@dataclass
class TemplateModel:
    subnets: dict[str, Subnet] = field(default_factory=dict)
    subnet_route_table: dict[str, str] = field(default_factory=dict)
    default_routes: list[Route] = field(default_factory=list)
    internet_gateways: set[str] = field(default_factory=set)
    nat_gateways: dict[str, str | None] = field(default_factory=dict)  # id -> condition
    cluster_instances: dict[str, list[tuple[str, str | None]]] = field(default_factory=dict)
    unplaced_cluster_instances: bool = False
    log_target_buckets: set[str] = field(default_factory=set)
    flow_log_vpcs: set[str] = field(default_factory=set)
    unplaced_flow_logs: bool = False
    role_uses: list[RoleUse] = field(default_factory=list)

    def public_route_tables(self) -> set[str]:
        """Route tables with a default route to an internet gateway."""
        return {route.route_table for route in self.default_routes if route.kind == "igw"}


def model_of(cfn) -> TemplateModel:
    """The model of `cfn`, built on first use and cached on the template object."""
    model = getattr(cfn, _CACHE_ATTRIBUTE, None)
    if model is None:
        model = _build(cfn)
        setattr(cfn, _CACHE_ATTRIBUTE, model)
    return model


# -- wiring: which function or queue a value names, who may invoke or send to it -------
#: Lambda function types a reference can end at (SAM functions as written).
FUNCTION_TYPES = ("AWS::Lambda::Function", "AWS::Serverless::Function")
#: Marks a principal (or a policy's target) that cannot be resolved: never flag on it.
UNKNOWN = "?"


def cached(cfn, key: str, build):
    """`build(cfn)`, computed once per template and kept on cfn-lint's `Template`."""
    store = getattr(cfn, "_tmpllint_cached", None)
    if store is None:
        store = {}
        setattr(cfn, "_tmpllint_cached", store)
    if key not in store:
        store[key] = build(cfn)
    return store[key]


def resource_types(cfn) -> dict[str, str]:
    """Logical id -> resource type, for every resource with a string `Type` (cached)."""
    return cached(cfn, "types", _typed)


def _typed(cfn) -> dict[str, str]:
    return {name: r["Type"] for name, r in cfn.get_resources().items()
            if isinstance(r, dict) and isinstance(r.get("Type"), str)}


def function_of(cfn, value: Any) -> str | None:
    """The logical id of the Lambda function `value` names: a `Ref`/`GetAtt`/`Sub` of the
    function, of one of its aliases or versions (SAM's `Fn.Alias` too), or its literal
    `FunctionName`; None when it names no function of the template."""
    types = resource_types(cfn)
    ref = referenced_resource(value)
    if ref is not None and "." in ref:
        ref = ref.split(".", 1)[0]  # SAM's `Fn.Alias` / `Fn.Version`
    if ref is None and isinstance(value, dict):
        if "Fn::Sub" in value or "Fn::Join" in value:
            found = [r for r in references_in(value) if types.get(r) in FUNCTION_TYPES
                     or types.get(r) in ("AWS::Lambda::Alias", "AWS::Lambda::Version")]
            ref = found[0] if len(found) == 1 else None
    if ref is None and isinstance(value, str):
        ref = cached(cfn, "function_names", _function_names).get(value.rsplit(":function:", 1)[-1])
    for _ in range(3):
        kind = types.get(ref or "")
        if kind in FUNCTION_TYPES:
            return ref
        if kind not in ("AWS::Lambda::Alias", "AWS::Lambda::Version"):
            return None
        target = properties(cfn.get_resources()[ref]).get("FunctionName")
        ref = referenced_resource(target)
    return None


def _function_names(cfn) -> dict[str, str]:
    names = {}
    for name, resource in cfn.get_resources().items():
        if isinstance(resource, dict) and resource.get("Type") in FUNCTION_TYPES:
            value = properties(resource).get("FunctionName")
            if isinstance(value, str):
                names[value] = name
    return names


def resource_of(cfn, value: Any, *kinds: str) -> str | None:
    """The logical id `value` references (`Ref`, `GetAtt`, `Sub`) when it is one of `kinds`."""
    ref = referenced_resource(value)
    return ref if ref and resource_types(cfn).get(ref) in kinds else None


def lambda_invokers(cfn) -> tuple[dict[str, set], set]:
    """(function id -> principals its `AWS::Lambda::Permission`s allow, principals of
    permissions whose function is unknown). A principal that cannot be resolved is
    `UNKNOWN`."""
    return cached(cfn, "lambda_invokers", _lambda_invokers)


def _lambda_invokers(cfn):
    granted: dict[str, set] = {}
    unplaced: set = set()
    for _, resource in cfn.get_resources().items():
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::Lambda::Permission":
            continue
        props = properties(resource)
        values = literal_values(cfn, props.get("Principal")) or [UNKNOWN]
        principals = {v if isinstance(v, str) else UNKNOWN for v in values}
        function = function_of(cfn, props.get("FunctionName"))
        if function is None:
            unplaced |= principals
        else:
            granted.setdefault(function, set()).update(principals)
    return granted, unplaced


def queue_senders(cfn) -> tuple[dict[str, set], set]:
    """(queue id -> principals an `AWS::SQS::QueuePolicy` allows `sqs:SendMessage`,
    principals of policies on queues that cannot be placed). `*` is anyone; a principal
    or action that cannot be resolved counts as `UNKNOWN`."""
    return cached(cfn, "queue_senders", _queue_senders)


def _queue_senders(cfn):
    from fnmatch import fnmatchcase

    from tmpllint.checks.policies import statements

    allowed: dict[str, set] = {}
    for statement in statements(cfn):
        if statement.resource_type != "AWS::SQS::QueuePolicy" or not statement.allows:
            continue
        if not any(not isinstance(a, str) or fnmatchcase("sqs:sendmessage", a.lower())
                   for a in statement.actions):
            continue
        found = set()
        for key, values in statement.principals.items():
            for value in values:
                if not isinstance(value, str):
                    found.add(UNKNOWN)
                elif value == "*" and key in ("*", "AWS"):
                    found.add("*")
                elif key == "Service":
                    found.add(value)
        allowed.setdefault(statement.resource, set()).update(found)
    senders: dict[str, set] = {}
    unplaced: set = set()
    for name, resource in cfn.get_resources().items():
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::SQS::QueuePolicy":
            continue
        queues = properties(resource).get("Queues")
        for value in queues if isinstance(queues, list) else [queues]:
            queue = resource_of(cfn, value, "AWS::SQS::Queue")
            if queue is None:
                unplaced |= allowed.get(name, set())
            else:
                senders.setdefault(queue, set()).update(allowed.get(name, set()))
    return senders, unplaced


def connector_destinations(cfn) -> set[str]:
    """Logical ids that a SAM connector (`AWS::Serverless::Connector` or a resource's
    embedded `Connectors`) names as its destination: SAM writes their policies."""
    found: set[str] = set()
    for resource in cfn.get_resources().values():
        if not isinstance(resource, dict):
            continue
        specs = []
        if resource.get("Type") == "AWS::Serverless::Connector":
            specs.append(properties(resource))
        embedded = resource.get("Connectors")
        if isinstance(embedded, dict):
            specs.extend(properties(c) for c in embedded.values() if isinstance(c, dict))
        for spec in specs:
            destinations = spec.get("Destination")
            for item in destinations if isinstance(destinations, list) else [destinations]:
                if isinstance(item, dict):
                    if isinstance(item.get("Id"), str):
                        found.add(item["Id"])
                    found |= references_in(item.get("Arn"))
    return found


def _build(cfn) -> TemplateModel:
    model = TemplateModel()
    resources = {name: r for name, r in cfn.get_resources().items() if isinstance(r, dict)}
    bucket_names = _bucket_names(cfn, resources)
    for name, resource in resources.items():
        kind = resource.get("Type") if isinstance(resource.get("Type"), str) else None
        props = properties(resource)
        condition = resource.get("Condition") if isinstance(resource.get("Condition"), str) else None
        if kind == "AWS::EC2::Subnet":
            model.subnets[name] = Subnet(referenced_resource(props.get("VpcId")),
                                         az_key(cfn, props), condition)
        elif kind == "AWS::EC2::SubnetRouteTableAssociation":
            subnet = referenced_resource(props.get("SubnetId"))
            table = referenced_resource(props.get("RouteTableId"))
            if subnet and table:
                model.subnet_route_table[subnet] = table
        elif kind == "AWS::EC2::Route":
            _add_route(model, name, props, condition)
        elif kind == "AWS::EC2::InternetGateway":
            model.internet_gateways.add(name)
        elif kind == "AWS::EC2::NatGateway":
            model.nat_gateways[name] = condition
        elif kind in ("AWS::RDS::DBInstance", "AWS::DocDB::DBInstance", "AWS::Neptune::DBInstance"):
            _add_cluster_member(model, name, props, condition, resources)
        elif kind == "AWS::EC2::FlowLog":
            vpcs = {ref for ref in references_in(props.get("ResourceId"))
                    if resources.get(ref, {}).get("Type") == "AWS::EC2::VPC"}
            if vpcs:
                model.flow_log_vpcs |= vpcs
            elif props.get("ResourceType") in (None, "VPC") and not isinstance(props.get("ResourceId"), str):
                model.unplaced_flow_logs = True
        model.log_target_buckets |= _log_targets(cfn, kind, props, bucket_names)
        model.role_uses.extend(_role_uses(cfn, name, kind, props, resources))
    return model


def az_key(cfn, props: dict) -> tuple | None:
    """A comparable key for a subnet's AZ, or None when it is unknown."""
    value = props.get("AvailabilityZone")
    if isinstance(value, str):
        return ("literal", value)
    if isinstance(value, dict) and set(value) == {"Fn::Select"}:
        args = value["Fn::Select"]
        if isinstance(args, list) and len(args) == 2 and isinstance(args[1], dict) \
                and "Fn::GetAZs" in args[1]:
            index = literal_values(cfn, args[0])
            if index and len(index) == 1:
                try:
                    return ("select", int(index[0]), repr(args[1]["Fn::GetAZs"]))
                except (TypeError, ValueError):
                    return None
    values = literal_values(cfn, value) if isinstance(value, dict) and set(value) == {"Ref"} else None
    if values and len(values) == 1 and isinstance(values[0], str):
        return ("literal", values[0])
    return None


def _add_route(model: TemplateModel, name: str, props: dict, condition: str | None) -> None:
    if props.get("DestinationCidrBlock") not in DEFAULT_ROUTES:
        return
    table = referenced_resource(props.get("RouteTableId"))
    if not table:
        return
    if props.get("NatGatewayId") is not None:
        model.default_routes.append(Route(table, props["NatGatewayId"], "nat", condition, name))
    elif props.get("GatewayId") is not None:
        model.default_routes.append(Route(table, props["GatewayId"], "igw", condition, name))


def _add_cluster_member(model, name, props, condition, resources) -> None:
    value = props.get("DBClusterIdentifier")
    if value is None:
        return
    cluster = referenced_resource(value)
    if cluster not in resources:
        literal = value if isinstance(value, str) else None
        cluster = next((cid for cid, r in resources.items()
                        if literal and properties(r).get("DBClusterIdentifier") == literal
                        and str(r.get("Type", "")).endswith("::DBCluster")), None)
    if cluster is None:
        model.unplaced_cluster_instances = True
        return
    model.cluster_instances.setdefault(cluster, []).append((name, condition))


def _bucket_names(cfn, resources: dict) -> dict[str, str]:
    """Literal bucket name -> bucket logical id, for policies that name buckets."""
    names = {}
    for bucket_id, resource in resources.items():
        if resource.get("Type") == "AWS::S3::Bucket":
            for name in literal_values(cfn, properties(resource).get("BucketName")) or []:
                if isinstance(name, str):
                    names[name] = bucket_id
    return names


#: Where each resource type names the bucket its logs go to.
_LOG_DESTINATIONS = {
    "AWS::S3::Bucket": (("LoggingConfiguration", "DestinationBucketName"),),
    "AWS::ElasticLoadBalancing::LoadBalancer": (("AccessLoggingPolicy", "S3BucketName"),),
    "AWS::CloudFront::Distribution": (("DistributionConfig", "Logging", "Bucket"),),
    "AWS::CloudTrail::Trail": (("S3BucketName",),),
    "AWS::EC2::FlowLog": (("LogDestination",),),
    "AWS::Config::DeliveryChannel": (("S3BucketName",),),
}


def _log_targets(cfn, kind: str, props: dict, bucket_names: dict) -> set[str]:
    values = []
    for path in _LOG_DESTINATIONS.get(kind, ()):
        node: Any = props
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        values.append(node)
    if kind == "AWS::ElasticLoadBalancingV2::LoadBalancer":
        for attribute in props.get("LoadBalancerAttributes") or []:
            if isinstance(attribute, dict) and attribute.get("Key") == "access_logs.s3.bucket":
                values.append(attribute.get("Value"))
    found: set[str] = set()
    for value in values:
        if value is None:
            continue
        found |= references_in(value)
        for literal in literal_values(cfn, value) or []:
            if isinstance(literal, str):
                found |= {bucket for name, bucket in bucket_names.items() if name in literal}
    return found


# -- who uses a security group (E9601/W9602) ------------------------------------------
_SG_CACHE_ATTRIBUTE = "_tmpllint_security_group_users"
_SG_RULE_TYPES = ("AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress",
                  "AWS::EC2::SecurityGroupEgress")

#: Resources that cannot be the target of a connection from the internet themselves, with
#: where they name their security groups: "edge" resources (load balancers) accept only
#: their listeners' ports; "internal" ones have private addresses only (EFS mount targets,
#: interface VPC endpoints, Resolver endpoints, VPC links) or accept no inbound
#: connection at all (Lambda's VPC network interfaces).
SECURITY_GROUP_ROLES = {
    "AWS::ElasticLoadBalancingV2::LoadBalancer": ("edge", ("SecurityGroups",)),
    "AWS::ElasticLoadBalancing::LoadBalancer": ("edge", ("SecurityGroups",)),
    "AWS::EFS::MountTarget": ("internal", ("SecurityGroups",)),
    "AWS::EC2::VPCEndpoint": ("internal", ("SecurityGroupIds",)),
    "AWS::Route53Resolver::ResolverEndpoint": ("internal", ("SecurityGroupIds",)),
    "AWS::ApiGatewayV2::VpcLink": ("internal", ("SecurityGroupIds",)),
    "AWS::Lambda::Function": ("internal", ("VpcConfig", "SecurityGroupIds")),
    "AWS::Serverless::Function": ("internal", ("VpcConfig", "SecurityGroupIds")),
}


@dataclass(frozen=True)
class GroupUser:
    """A resource that references a security group, and what that use means:
    "edge" or "internal" (see SECURITY_GROUP_ROLES) or "reach" (an instance, database,
    container, or anything not known to be harmless, a nested stack included)."""

    logical_id: str
    type: str
    role: str


def security_group_users(cfn) -> dict[str, list[GroupUser]]:
    """Security group logical id -> the resources of the template that use it (not the
    group rules that merely name it as a source). Built once per template and cached.
    A group missing from the result has no user in the template: its use is unknown."""
    found = getattr(cfn, _SG_CACHE_ATTRIBUTE, None)
    if found is None:
        found = _group_users(cfn)
        setattr(cfn, _SG_CACHE_ATTRIBUTE, found)
    return found


def _group_users(cfn) -> dict[str, list[GroupUser]]:
    resources = {name: r for name, r in cfn.get_resources().items() if isinstance(r, dict)}
    groups = {name for name, r in resources.items() if r.get("Type") == "AWS::EC2::SecurityGroup"}
    users: dict[str, list[GroupUser]] = {}
    if not groups:
        return users
    for name, resource in resources.items():
        kind = resource.get("Type") if isinstance(resource.get("Type"), str) else ""
        if kind in _SG_RULE_TYPES:
            continue
        role, path = SECURITY_GROUP_ROLES.get(kind, ("reach", None))
        roles: dict[str, set[str]] = {}
        for where, group in _references_with_paths(resource.get("Properties")):
            if group not in groups:
                continue
            known = path is not None and tuple(where[:len(path)]) == path
            roles.setdefault(group, set()).add(role if known else "reach")
        for group, found_roles in roles.items():
            for one in sorted(found_roles):
                users.setdefault(group, []).append(GroupUser(name, kind, one))
    return users


def _references_with_paths(value: Any):
    """(path, logical id) for every `Ref`/`GetAtt`/`Sub` reference inside `value`."""
    from tmpllint.checks.base import walk

    for path, node in walk(value):
        if not isinstance(node, dict) or len(node) != 1:
            continue
        direct = referenced_resource(node)
        if direct:
            yield path, direct
        sub = node.get("Fn::Sub")
        text = sub[0] if isinstance(sub, list) and sub else sub
        if isinstance(text, str):
            for ref in references_in({"Fn::Sub": text}):
                yield path, ref
#: Where a resource type hands a role to the service that assumes it (E9412).
ROLE_PROPERTIES: dict[str, tuple[tuple[tuple, str], ...]] = {
    "AWS::Lambda::Function": ((("Role",), "lambda.amazonaws.com"),),
    "AWS::Serverless::Function": ((("Role",), "lambda.amazonaws.com"),),
    "AWS::ECS::TaskDefinition": ((("TaskRoleArn",), "ecs-tasks.amazonaws.com"),
                                 (("ExecutionRoleArn",), "ecs-tasks.amazonaws.com")),
    "AWS::IAM::InstanceProfile": ((("Roles", "*"), "ec2.amazonaws.com"),),
    "AWS::StepFunctions::StateMachine": ((("RoleArn",), "states.amazonaws.com"),),
    "AWS::Serverless::StateMachine": ((("Role",), "states.amazonaws.com"),),
    "AWS::CodeBuild::Project": ((("ServiceRole",), "codebuild.amazonaws.com"),),
    "AWS::RDS::DBInstance": ((("MonitoringRoleArn",), "monitoring.rds.amazonaws.com"),),
    "AWS::Events::Rule": ((("Targets", "*", "RoleArn"), "events.amazonaws.com"),),
}


def _role_uses(cfn, name: str, kind: str | None, props: dict, resources: dict) -> list[RoleUse]:
    """The roles of the template that `name` hands to a service; a reference that is not
    a `Ref`/`GetAtt`/`Sub` of a role in the template is unknown and left out."""
    found = []
    for path, service in ROLE_PROPERTIES.get(kind or "", ()):
        for where, value in values_at(props, path):
            variants = condition_variants(cfn, value)
            for scenario, resolved in variants:
                role = referenced_resource(resolved)
                if role and resources.get(role, {}).get("Type") == "AWS::IAM::Role":
                    found.append(RoleUse(role, name, ["Resources", name, "Properties", *where],
                                         service, scenario, len(variants)))
    return found
