"""Network exposure (`96xx`): databases, buckets and instances that are public."""

from __future__ import annotations

from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from tmpllint.checks.base import (
    Documented,
    ResourceSchemaRule,
    literal_values,
    properties,
    referenced_resource,
    resources_of,
)
from tmpllint.checks.model import model_of


class DatabaseNotPublic(Documented, ResourceSchemaRule):
    id = "E9603"
    shortdesc = "Databases are not publicly accessible"
    description = (
        "Flags an RDS DB instance (outside a cluster, not a replica) with "
        "`PubliclyAccessible: true`, or with neither `PubliclyAccessible` nor "
        "`DBSubnetGroupName` (RDS then places it in the default VPC and makes it public); "
        "a Redshift cluster with `PubliclyAccessible: true` (off by default since 2025); "
        "and an `AWS::DMS::ReplicationInstance` unless `PubliclyAccessible: false` (its "
        "default is true)."
    )
    why = (
        "A public endpoint puts the database login on the internet; databases belong in "
        "private or isolated subnets, reached only from the application tier."
    )
    seeds = ("001:572", "002:419-421")
    source_url = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html"
    tags = ["network", "rds", "redshift", "dms"]
    resource_types = ("AWS::RDS::DBInstance", "AWS::Redshift::Cluster", "AWS::DMS::ReplicationInstance")
    schema_file = "database_not_public.json"
    example_fail = "Db:\n  Type: AWS::RDS::DBInstance\n  Properties: {PubliclyAccessible: true, ...}\n"
    example_pass = "Db:\n  Type: AWS::RDS::DBInstance\n  Properties: {DBSubnetGroupName: !Ref DataSubnets, PubliclyAccessible: false}\n"

    def message(self, instance: Any, err) -> str:
        return (f"{instance['Type']} is reachable from the internet{self.scenario}; set "
                "PubliclyAccessible: false and place it in private subnets.")


class BucketNotPublic(Documented, ResourceSchemaRule):
    id = "E9604"
    shortdesc = "S3 buckets are not public"
    description = (
        "Flags an `AWS::S3::Bucket` whose `PublicAccessBlockConfiguration` turns any of "
        "its four flags off (a flag left out of a given configuration is off), or whose "
        "`AccessControl` is `PublicRead`, `PublicReadWrite` or `AuthenticatedRead`. "
        "Default: all four blocks on since April 2023, so a bucket without the "
        "configuration passes. A deliberate public website bucket says so with "
        "`Metadata: cfn-lint: config: ignore_checks: [E9604]` (better: serve it through "
        "CloudFront with Origin Access Control)."
    )
    why = (
        "Public buckets are the classic data leak. The notes: S3 Block Public Access "
        "exists to stop exactly this, and public access is granted only on purpose."
    )
    seeds = ("001:740-750",)
    source_url = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html"
    tags = ["network", "s3", "public"]
    resource_types = ("AWS::S3::Bucket",)
    schema_file = "bucket_not_public.json"
    example_fail = "PublicAccessBlockConfiguration:\n  BlockPublicAcls: false\n"
    example_pass = (
        "PublicAccessBlockConfiguration:\n  BlockPublicAcls: true\n  BlockPublicPolicy: true\n"
        "  IgnorePublicAcls: true\n  RestrictPublicBuckets: true\n"
    )

    def message(self, instance: Any, err) -> str:
        return (f"S3 bucket can be made public{self.scenario}; keep all four "
                "PublicAccessBlockConfiguration flags true and use no public AccessControl.")


class PrivateSubnetNoPublicIp(Documented, CloudFormationLintRule):
    id = "W9605"
    shortdesc = "Instances in private subnets get no public IP"
    description = (
        "Flags an `AWS::EC2::Subnet` with `MapPublicIpOnLaunch: true` whose route table "
        "(from the template's associations) has no default route to an internet gateway, "
        "and an `AWS::EC2::Instance` or `AWS::EC2::LaunchTemplate` network interface with "
        "`AssociatePublicIpAddress: true` in such a private subnet. Subnets whose route "
        "table is not in the template are unknown and not flagged."
    )
    why = (
        "A public IP on an instance in a private subnet is either useless (no internet "
        "gateway route) or a sign the subnet is not private after all; the notes' layout "
        "keeps application instances in private subnets behind NAT."
    )
    seeds = ("001:2875-2899",)
    source_url = "https://docs.aws.amazon.com/vpc/latest/userguide/vpc-ip-addressing.html"
    tags = ["network", "ec2", "vpc"]
    example_fail = "PrivateA:\n  Type: AWS::EC2::Subnet\n  Properties: {MapPublicIpOnLaunch: true, ...}  # routed to a NAT\n"
    example_pass = "PrivateA:\n  Type: AWS::EC2::Subnet\n  Properties: {MapPublicIpOnLaunch: false, ...}\n"

    def match(self, cfn) -> list[RuleMatch]:
        model = model_of(cfn)
        public_tables = model.public_route_tables()
        private = {subnet for subnet, table in model.subnet_route_table.items()
                   if subnet in model.subnets and table not in public_tables}
        found = []
        for name, resource in resources_of(cfn, "AWS::EC2::Subnet"):
            if name in private and _true(cfn, properties(resource).get("MapPublicIpOnLaunch")):
                found.append(RuleMatch(["Resources", name, "Properties", "MapPublicIpOnLaunch"],
                                       f"Private subnet '{name}' gives instances public IPs; set "
                                       "MapPublicIpOnLaunch: false (or route it to an internet gateway)."))
        for name, resource in resources_of(cfn, "AWS::EC2::Instance", "AWS::EC2::LaunchTemplate"):
            props = properties(resource)
            data = props.get("LaunchTemplateData") if resource.get("Type") == "AWS::EC2::LaunchTemplate" else props
            base = ["Resources", name, "Properties"] + (
                ["LaunchTemplateData"] if resource.get("Type") == "AWS::EC2::LaunchTemplate" else [])
            interfaces = data.get("NetworkInterfaces") if isinstance(data, dict) else None
            for index, interface in enumerate(interfaces if isinstance(interfaces, list) else []):
                if not isinstance(interface, dict):
                    continue
                subnet = referenced_resource(interface.get("SubnetId"))
                if subnet in private and _true(cfn, interface.get("AssociatePublicIpAddress")):
                    found.append(RuleMatch(base + ["NetworkInterfaces", index, "AssociatePublicIpAddress"],
                                           f"'{name}' gets a public IP in private subnet '{subnet}'; "
                                           "set AssociatePublicIpAddress: false."))
        return found


def _true(cfn, value: Any) -> bool:
    values = literal_values(cfn, value)
    return bool(values) and any(str(v).lower() == "true" for v in values)
