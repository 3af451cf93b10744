"""`tmpllint new vpc`: a VPC over two or three AZs with public, private and optional
isolated data subnets, a NAT gateway per AZ, flow logs, S3 and DynamoDB gateway
endpoints and a default security group stripped of its rules.

Notes: 001:2869-2899 (NAT gateways per AZ for fault tolerance, public and private
subnets), 002:382-430 (VPC layout, three-tier placement).
"""

from __future__ import annotations

from dataclasses import dataclass

from ruamel.yaml.scalarstring import LiteralScalarString

from tmpllint.generators.blocks import ignore, interface, retention_parameter
from tmpllint.yamlio import (
    cidr,
    comment_before,
    condition,
    equals,
    extend,
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
#: The subnets are twelve /24 slices of the VPC (`!Cidr [VpcCidr, 12, 8]`): 12 x 256
#: addresses need a /20 or larger, so the parameter admits /16 to /20 only.
SUBNET_SLICES, SUBNET_BITS = 12, 8
#: Regions where a new account sees only two Availability Zones: `--azs 3` cannot deploy
#: there, and the template says so before anything is created (a `Rules` assertion).
TWO_AZ_REGIONS = ("us-west-1",)


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
            AllowedPattern=r"^(\d{1,3}\.){3}\d{1,3}/(1[6-9]|20)$",
            ConstraintDescription="an IPv4 CIDR block from /16 to /20 (the twelve /24 subnets "
                                  "need at least a /20)",
            Description="Address range of the VPC, /16 to /20; every subnet is a /24 slice of it."),
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
                CidrBlock=select(offset + az, cidr(get_att("Vpc.CidrBlock"), SUBNET_SLICES, SUBNET_BITS)),
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
    extend(res, _gateway_endpoints(options))
    extend(res, _flow_logs())
    extend(res, _default_security_group_lockdown())
    return res


def route_tables(options: Options) -> list[str]:
    """The route tables of the subnets with no internet gateway route (private, data)."""
    return [f"PrivateRouteTable{az + 1}" for az in range(options.azs)] + (
        ["DataRouteTable"] if options.data_subnets else [])


def _gateway_endpoints(options: Options) -> dict:
    res = mapping()
    for service in ("S3", "DynamoDB"):
        res[f"{service}GatewayEndpoint"] = mapping(Type="AWS::EC2::VPCEndpoint", Properties=mapping(
            VpcId=ref("Vpc"), VpcEndpointType="Gateway",
            ServiceName=sub(f"com.amazonaws.${{AWS::Region}}.{service.lower()}"),
            RouteTableIds=[ref(table) for table in route_tables(options)]))
    comment_before(res, "S3GatewayEndpoint", "Gateway endpoints: S3 and DynamoDB traffic of the private "
                   "and data subnets stays in the VPC (free; no NAT data charges)", 2)
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
                Resource=get_att("FlowLogGroup.Arn")), mapping(
                Effect="Allow", Action="logs:DescribeLogGroups",
                Resource=sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*"))]))]))
    comment_before(res, "FlowLogRole", "The documented permissions of a flow-log role "
                   "(docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html), scoped to the "
                   "log group; CreateLogGroup is left out because the template creates the group", 2)
    res["FlowLog"] = mapping(Type="AWS::EC2::FlowLog", Properties=mapping(
        ResourceId=ref("Vpc"), ResourceType="VPC", TrafficType="ALL",
        LogDestinationType="cloud-watch-logs", LogGroupName=ref("FlowLogGroup"),
        DeliverLogsPermissionArn=get_att("FlowLogRole.Arn")))
    return res


LOCKDOWN_CODE = """\
import boto3
import cfnresponse


def handler(event, context):
    # Removes every rule of the VPC's default security group (nothing may use it).
    status = cfnresponse.SUCCESS
    group_id = event["ResourceProperties"]["GroupId"]
    try:
        if event["RequestType"] in ("Create", "Update"):
            ec2 = boto3.client("ec2")
            group = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
            if group["IpPermissions"]:
                ec2.revoke_security_group_ingress(GroupId=group_id, IpPermissions=group["IpPermissions"])
            if group["IpPermissionsEgress"]:
                ec2.revoke_security_group_egress(GroupId=group_id,
                                                 IpPermissions=group["IpPermissionsEgress"])
    except Exception as error:  # always answer, or the stack waits an hour
        print(f"cannot strip {group_id}: {error}")
        status = cfnresponse.FAILED
    cfnresponse.send(event, context, status, {}, group_id)
"""


def _default_security_group_lockdown() -> dict:
    """`AWS::EC2::VPC` cannot remove the default security group's rules (allow all from
    itself, all outbound); a small custom resource does it at creation, as CDK's
    `restrictDefaultSecurityGroup` does."""
    res = mapping()
    group_arn = sub("arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:security-group/"
                    "${Vpc.DefaultSecurityGroup}")
    res["DefaultSecurityGroupLockdownLogs"] = mapping(
        Type="AWS::Logs::LogGroup", DeletionPolicy="Retain", UpdateReplacePolicy="Retain",
        Metadata=ignore("I9112", "the function logs only the group id on failure"),
        Properties=mapping(RetentionInDays=ref("FlowLogRetentionDays")))
    comment_before(res, "DefaultSecurityGroupLockdownLogs", "Default security group without rules "
                   "(CIS 5.4 / Security Hub EC2.2): a custom resource strips it once at creation", 2)
    res["DefaultSecurityGroupLockdownRole"] = mapping(Type="AWS::IAM::Role", Properties=mapping(
        AssumeRolePolicyDocument=mapping(Version="2012-10-17", Statement=[mapping(
            Effect="Allow", Principal=mapping(Service="lambda.amazonaws.com"), Action="sts:AssumeRole")]),
        Policies=[mapping(PolicyName="strip-default-security-group", PolicyDocument=mapping(
            Version="2012-10-17", Statement=[
                mapping(Effect="Allow", Action="ec2:DescribeSecurityGroups", Resource="*"),
                mapping(Effect="Allow", Action=["ec2:RevokeSecurityGroupIngress",
                                                "ec2:RevokeSecurityGroupEgress"], Resource=group_arn),
                mapping(Effect="Allow", Action=["logs:CreateLogStream", "logs:PutLogEvents"],
                        Resource=get_att("DefaultSecurityGroupLockdownLogs.Arn"))]))]))
    code = LiteralScalarString(LOCKDOWN_CODE)
    res["DefaultSecurityGroupLockdownFunction"] = mapping(
        Type="AWS::Lambda::Function",
        Metadata=ignore("I9006", "called once by CloudFormation at creation: a trace adds nothing"),
        Properties=mapping(
        Description="Strips the rules of the VPC's default security group (custom resource)",
        Runtime="python3.12", Handler="index.handler", Timeout=60, MemorySize=128,
        Role=get_att("DefaultSecurityGroupLockdownRole.Arn"),
        LoggingConfig=mapping(LogGroup=ref("DefaultSecurityGroupLockdownLogs")),
        Code=mapping(ZipFile=code)))
    res["DefaultSecurityGroupLockdown"] = mapping(
        Type="Custom::DefaultSecurityGroupLockdown", Properties=mapping(
            ServiceToken=get_att("DefaultSecurityGroupLockdownFunction.Arn"),
            GroupId=get_att("Vpc.DefaultSecurityGroup")))
    return res


def rules(options: Options) -> dict | None:
    """With three AZs: refuse regions where a new account sees two, before anything is made."""
    if options.azs < 3:
        return None
    return mapping(ThreeAvailabilityZones=mapping(Assertions=[mapping(
        Assert=not_(_flow("!Contains", [_flow(None, list(TWO_AZ_REGIONS)), ref("AWS::Region")])),
        AssertDescription=f"{', '.join(TWO_AZ_REGIONS)} offers new accounts two Availability Zones: "
                          "generate the template with --azs 2 for this region")]))


def _flow(tag, items: list):
    from ruamel.yaml.comments import CommentedSeq
    from ruamel.yaml.tag import Tag

    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    if tag:
        seq.yaml_set_ctag(Tag(suffix=tag))
    return seq


def outputs(options: Options) -> dict:
    out = mapping()
    out["VpcId"] = mapping(Value=ref("Vpc"), Export=mapping(Name=sub("${AWS::StackName}-VpcId")))
    out["VpcCidr"] = mapping(Value=get_att("Vpc.CidrBlock"), Export=mapping(Name=sub("${AWS::StackName}-VpcCidr")))
    tiers = ["Public", "Private"] + (["Data"] if options.data_subnets else [])
    for tier in tiers:
        out[f"{tier}SubnetIds"] = mapping(
            Value=join(",", [ref(f"{tier}Subnet{az + 1}") for az in range(options.azs)]),
            Export=mapping(Name=sub(f"${{AWS::StackName}}-{tier}SubnetIds")))
        for az in range(options.azs):
            out[f"{tier}Subnet{az + 1}Id"] = mapping(
                Description=f"The {tier.lower()} subnet of AZ {az + 1}",
                Value=ref(f"{tier}Subnet{az + 1}"),
                Export=mapping(Name=sub(f"${{AWS::StackName}}-{tier}Subnet{az + 1}Id")))
    out["PublicRouteTableId"] = mapping(Value=ref("PublicRouteTable"),
                                        Export=mapping(Name=sub("${AWS::StackName}-PublicRouteTableId")))
    out["PrivateRouteTableIds"] = mapping(
        Description="The private route tables, one per AZ, in AZ order",
        Value=join(",", [ref(f"PrivateRouteTable{az + 1}") for az in range(options.azs)]),
        Export=mapping(Name=sub("${AWS::StackName}-PrivateRouteTableIds")))
    if options.data_subnets:
        out["DataRouteTableId"] = mapping(Value=ref("DataRouteTable"),
                                          Export=mapping(Name=sub("${AWS::StackName}-DataRouteTableId")))
    for az in range(options.azs):
        out[f"NatEip{az + 1}"] = mapping(
            Description=f"Public address of NAT gateway {az + 1} (allow-list it at partners)",
            Value=ref(f"NatEip{az + 1}"))
        if az:
            out[f"NatEip{az + 1}"].insert(0, "Condition", "NatPerAz")
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
    if rules(options):
        template.insert(list(template).index("Conditions"), "Rules", rules(options))
    return template
