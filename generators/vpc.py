"""`tmpllint new vpc`: a VPC over two or three AZs with public, private and optional
isolated data subnets, a NAT gateway per AZ and flow logs.

Notes: 001:2869-2899 (NAT gateways per AZ for fault tolerance, public and private
subnets), 002:382-430 (VPC layout, three-tier placement).
"""

from __future__ import annotations

from dataclasses import dataclass

from tmpllint.generators.blocks import interface, retention_parameter
from tmpllint.yamlio import (
    cidr,
    comment_before,
    condition,
    equals,
    get_att,
    if_,
    join,
    mapping,
    not_,
    ref,
    select,
    sub,
)

NAME = "vpc"
SUMMARY = "VPC over 2 or 3 AZs: public/private (and data) subnets, NAT per AZ, flow logs"
SEEDS = ("001:2869-2899", "002:382-430")


@dataclass(frozen=True)
class Options:
    azs: int = 2
    data_subnets: bool = False

    def validate(self) -> None:
        if self.azs not in (2, 3):
            raise ValueError("--azs must be 2 or 3")


def parameters(options: Options) -> dict:
    """The VPC's deploy-time choices (shared with the patterns built on it)."""
    return {
        "VpcCidr": mapping(
            Type="String", Default="10.0.0.0/16",
            AllowedPattern=r"^(\d{1,3}\.){3}\d{1,3}/(1[6-9]|2[0-4])$",
            ConstraintDescription="an IPv4 CIDR block from /16 to /24",
            Description="Address range of the VPC; subnets take /24-sized slices of it."),
        "SingleNatGateway": mapping(
            Type="String", Default="false", AllowedValues=["true", "false"],
            Description="true: one NAT gateway for all AZs (cheaper, but an AZ failure cuts "
                        "every private subnet off the internet)."),
        "FlowLogRetentionDays": retention_parameter("Days CloudWatch Logs keeps the VPC flow logs.",
                                                    90, (30, 90, 180, 365, 731)),
    }


def conditions() -> dict:
    return {"UseSingleNat": equals(ref("SingleNatGateway"), "true"),
            "NatPerAz": not_(condition("UseSingleNat"))}


def resources(options: Options) -> dict:
    """The network: the VPC, its subnets, gateways, route tables and flow logs."""
    res = mapping()
    res["Vpc"] = mapping(Type="AWS::EC2::VPC", Properties=mapping(
        CidrBlock=ref("VpcCidr"), EnableDnsSupport=True, EnableDnsHostnames=True,
        Tags=[mapping(Key="Name", Value=sub("${AWS::StackName}-vpc"))]))
    comment_before(res, "Vpc", "Network: one VPC, subnets in every AZ (001:2869-2899)", 2)
    res["InternetGateway"] = mapping(Type="AWS::EC2::InternetGateway")
    res["GatewayAttachment"] = mapping(Type="AWS::EC2::VPCGatewayAttachment", Properties=mapping(
        VpcId=ref("Vpc"), InternetGatewayId=ref("InternetGateway")))
    tiers = [("Public", 0), ("Private", 4)] + ([("Data", 8)] if options.data_subnets else [])
    for tier, offset in tiers:
        for az in range(options.azs):
            res[f"{tier}Subnet{az + 1}"] = mapping(Type="AWS::EC2::Subnet", Properties=mapping(
                VpcId=ref("Vpc"), AvailabilityZone=select(az, _azs()),
                CidrBlock=select(offset + az, cidr(get_att("Vpc.CidrBlock"), 12, 8)),
                MapPublicIpOnLaunch=False,
                Tags=[mapping(Key="Name", Value=sub(f"${{AWS::StackName}}-{tier.lower()}-{az + 1}"))]))
    # public subnets: a default route to the internet gateway
    res["PublicRouteTable"] = mapping(Type="AWS::EC2::RouteTable", Properties=mapping(VpcId=ref("Vpc")))
    comment_before(res, "PublicRouteTable", "Public subnets route to the internet gateway", 2)
    res["PublicDefaultRoute"] = mapping(Type="AWS::EC2::Route", DependsOn="GatewayAttachment",
                                        Properties=mapping(RouteTableId=ref("PublicRouteTable"),
                                                           DestinationCidrBlock="0.0.0.0/0",
                                                           GatewayId=ref("InternetGateway")))
    for az in range(options.azs):
        res[f"PublicSubnet{az + 1}Routes"] = mapping(
            Type="AWS::EC2::SubnetRouteTableAssociation",
            Properties=mapping(SubnetId=ref(f"PublicSubnet{az + 1}"), RouteTableId=ref("PublicRouteTable")))
    # a NAT gateway per AZ; the first one serves every AZ when SingleNatGateway is true
    for az in range(options.azs):
        eip = mapping(Type="AWS::EC2::EIP", DependsOn="GatewayAttachment", Properties=mapping(Domain="vpc"))
        nat = mapping(Type="AWS::EC2::NatGateway", Properties=mapping(
            SubnetId=ref(f"PublicSubnet{az + 1}"), AllocationId=get_att(f"NatEip{az + 1}.AllocationId")))
        if az:
            eip.insert(1, "Condition", "NatPerAz")
            nat.insert(1, "Condition", "NatPerAz")
        else:
            nat.insert(1, "Metadata", mapping(("cfn-lint", mapping(config=mapping(ignore_checks=["W9506"])))))
            nat["Metadata"].yaml_set_start_comment(
                "W9506 fires only when SingleNatGateway is true: the documented cost trade-off "
                "(off by default)", indent=6)
        res[f"NatEip{az + 1}"] = eip
        res[f"NatGateway{az + 1}"] = nat
    comment_before(res, "NatEip1", "NAT per AZ, so one AZ failing cuts off no other (001:2897)", 2)
    for az in range(options.azs):
        table = f"PrivateRouteTable{az + 1}"
        res[table] = mapping(Type="AWS::EC2::RouteTable", Properties=mapping(VpcId=ref("Vpc")))
        target = ref("NatGateway1") if az == 0 else if_("UseSingleNat", ref("NatGateway1"),
                                                            ref(f"NatGateway{az + 1}"))
        res[f"PrivateDefaultRoute{az + 1}"] = mapping(Type="AWS::EC2::Route", Properties=mapping(
            RouteTableId=ref(table), DestinationCidrBlock="0.0.0.0/0", NatGatewayId=target))
        res[f"PrivateSubnet{az + 1}Routes"] = mapping(
            Type="AWS::EC2::SubnetRouteTableAssociation",
            Properties=mapping(SubnetId=ref(f"PrivateSubnet{az + 1}"), RouteTableId=ref(table)))
    if options.data_subnets:
        res["DataRouteTable"] = mapping(Type="AWS::EC2::RouteTable", Properties=mapping(VpcId=ref("Vpc")))
        comment_before(res, "DataRouteTable", "Data subnets are isolated: no route out of the VPC", 2)
        for az in range(options.azs):
            res[f"DataSubnet{az + 1}Routes"] = mapping(
                Type="AWS::EC2::SubnetRouteTableAssociation",
                Properties=mapping(SubnetId=ref(f"DataSubnet{az + 1}"), RouteTableId=ref("DataRouteTable")))
    res.update(_flow_logs())
    return res


def _azs():
    from tmpllint.yamlio import get_azs

    return get_azs("")


def _flow_logs() -> dict:
    res = mapping()
    res["FlowLogGroup"] = mapping(
        Type="AWS::Logs::LogGroup", DeletionPolicy="Retain", UpdateReplacePolicy="Retain",
        Metadata=mapping(("cfn-lint", mapping(config=mapping(ignore_checks=["I9112"])))),
        Properties=mapping(RetentionInDays=ref("FlowLogRetentionDays")))
    comment_before(res, "FlowLogGroup", "Flow logs of every interface, kept for FlowLogRetentionDays "
                   "(001:1877). CloudWatch Logs encrypts them; I9112 is suppressed because a "
                   "customer managed key is only needed where your data classification asks for one.", 2)
    res["FlowLogRole"] = mapping(Type="AWS::IAM::Role", Properties=mapping(
        AssumeRolePolicyDocument=mapping(Version="2012-10-17", Statement=[mapping(
            Effect="Allow", Principal=mapping(Service="vpc-flow-logs.amazonaws.com"),
            Action="sts:AssumeRole",
            Condition=mapping(StringEquals=mapping(("aws:SourceAccount", ref("AWS::AccountId"))))),
        ]),
        Policies=[mapping(PolicyName="deliver-flow-logs", PolicyDocument=mapping(
            Version="2012-10-17", Statement=[mapping(
                Effect="Allow",
                Action=["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                Resource=get_att("FlowLogGroup.Arn"))]))]))
    res["FlowLog"] = mapping(Type="AWS::EC2::FlowLog", Properties=mapping(
        ResourceId=ref("Vpc"), ResourceType="VPC", TrafficType="ALL",
        LogDestinationType="cloud-watch-logs", LogGroupName=ref("FlowLogGroup"),
        DeliverLogsPermissionArn=get_att("FlowLogRole.Arn")))
    return res


def outputs(options: Options) -> dict:
    out = mapping()
    out["VpcId"] = mapping(Value=ref("Vpc"), Export=mapping(Name=sub("${AWS::StackName}-VpcId")))
    tiers = ["Public", "Private"] + (["Data"] if options.data_subnets else [])
    for tier in tiers:
        out[f"{tier}SubnetIds"] = mapping(
            Value=join(",", [ref(f"{tier}Subnet{az + 1}") for az in range(options.azs)]),
            Export=mapping(Name=sub(f"${{AWS::StackName}}-{tier}SubnetIds")))
    return out


NETWORK_GROUP = ("Network", ["VpcCidr", "SingleNatGateway", "FlowLogRetentionDays"])


def build(options: Options):
    options.validate()
    template = mapping(
        AWSTemplateFormatVersion="2010-09-09",
        Description=f"VPC over {options.azs} AZs with public, private"
                    f"{', data' if options.data_subnets else ''} subnets, a NAT gateway per AZ "
                    "and flow logs (generated by tmpllint new vpc)",
        Metadata=interface(NETWORK_GROUP),
        Parameters=mapping(*parameters(options).items()),
        Conditions=mapping(*conditions().items()),
        Resources=resources(options),
        Outputs=outputs(options),
    )
    return template
