"""`tmpllint new three-tier`: the `vpc` layout plus an internet-facing ALB, an Auto
Scaling group in the private subnets, a Multi-AZ RDS database in the data subnets and an
optional Redis cache; security groups chained ALB -> app -> data, nothing else open.

Notes: 002:419-427 (3-tier architecture: public ELB, private ASG across AZs, data tier),
000:968-976.
"""

from __future__ import annotations

from dataclasses import dataclass

from tmpllint.generators import alb, vpc
from tmpllint.generators.blocks import ignore, interface
from ruamel.yaml.comments import TaggedScalar

from tmpllint.yamlio import comment_before, get_att, mapping, ref, sub

NAME = "three-tier"
SUMMARY = "VPC + HTTPS ALB + Auto Scaling group + Multi-AZ RDS (+ Redis): the three tiers"
SEEDS = ("002:419-427", "000:968-976")
ENGINES = {"mysql": 3306, "postgres": 5432}
REDIS_PORT = 6379
MIN_SIZE, MAX_SIZE = 2, 6
#: The placeholder application: a static file server on AppPort whose only page is the
#: health path, run by systemd as an unprivileged user; the instance signals the Auto
#: Scaling group's creation (or rolling update) once the health path answers locally.
USER_DATA = """\
#!/bin/bash
# Placeholder application: replace with your own; keep the cfn-signal at the end.
set -uo pipefail
mkdir -p "/srv/app$(dirname '${HealthCheckPath}')"
echo ok > "/srv/app${HealthCheckPath}"
cat > /etc/app.env <<'ENV'
APP_PORT=${AppPort}
{env}ENV
cat > /etc/systemd/system/app.service <<'UNIT'
[Unit]
Description=Placeholder application
After=network-online.target
[Service]
DynamicUser=yes
EnvironmentFile=/etc/app.env
ExecStart=/usr/bin/python3 -m http.server ${AppPort} --directory /srv/app
Restart=always
[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
systemctl enable --now app.service
for attempt in $(seq 1 30); do
  curl -fs "http://127.0.0.1:${AppPort}${HealthCheckPath}" && break
  sleep 2
done
curl -fs "http://127.0.0.1:${AppPort}${HealthCheckPath}"
status=$?
dnf install -y aws-cfn-bootstrap
/opt/aws/bin/cfn-signal -e "$status" --stack '${AWS::StackName}' --resource AppAutoScalingGroup --region '${AWS::Region}'
"""


@dataclass(frozen=True)
class Options:
    azs: int = 2
    db_engine: str = "postgres"
    cache: bool = False

    def validate(self) -> None:
        if self.azs not in (2, 3):
            raise ValueError("--azs must be 2 or 3")
        if self.db_engine not in ENGINES:
            raise ValueError(f"--db-engine must be one of {', '.join(ENGINES)}")


def _subnets(tier: str, options: Options) -> list:
    return [ref(f"{tier}Subnet{az + 1}") for az in range(options.azs)]


#: The application's view of the database (and cache): environment lines of the user data.
DATABASE_ENV = ("DB_HOST=${Database.Endpoint.Address}\nDB_PORT=${Database.Endpoint.Port}\n"
                "DB_SECRET_ARN=${%s}\n")
CACHE_ENV = "CACHE_HOST=${Cache.PrimaryEndPoint.Address}\nCACHE_PORT=${Cache.PrimaryEndPoint.Port}\nCACHE_TLS=true\n"


def parameters(options: Options, network: vpc.Options) -> dict:
    """The VPC's parameters and the web, app and database tiers' deploy-time choices."""
    params = mapping(*vpc.parameters(network).items())
    params["CertificateArn"] = alb.certificate_parameter()
    params["ImageId"] = mapping(
        Type="AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
        Default="/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
        Description="AMI of the application instances (an SSM public parameter).")
    params["AppPort"] = mapping(
        Type="Number", Default=8080, MinValue=1024, MaxValue=65535,
        Description="Port the application listens on (the load balancer forwards to it).")
    params["HealthCheckPath"] = mapping(
        Type="String", Default="/health", AllowedPattern=r"^/[A-Za-z0-9/_.-]*$",
        ConstraintDescription="an absolute URL path such as /health",
        Description="Path the load balancer probes; it must answer 200 once the instance can serve.")
    params["InstanceType"] = mapping(Type="String", Default="t3.small",
                                     AllowedValues=["t3.small", "t3.medium", "m7i.large"],
                                     Description="Application instance type.")
    params["DbInstanceClass"] = mapping(Type="String", Default="db.t4g.medium",
                                        AllowedValues=["db.t4g.medium", "db.m7g.large", "db.r7g.large"],
                                        Description="Database instance class.")
    params["DatabaseDeletionProtection"] = mapping(
        Type="String", Default="true", AllowedValues=["true", "false"],
        Description="true: the database cannot be deleted until this is set to false. Deploy a "
                    "first try with false if you expect to delete it (a failed first create "
                    "cannot roll back a protected database).")
    params["AccessLogRetentionDays"] = alb.access_log_retention_parameter()
    return params


def web_tier(res: dict, options: Options, port: int | None) -> None:
    """Security groups (ALB -> app -> data when `port` is a database port), the ALB with
    its access logs, HTTPS listener and HTTP redirect, and the app's target group."""
    # -- security groups: ALB -> app -> data ---------------------------------------
    res["LoadBalancerSecurityGroup"] = alb.load_balancer_security_group()
    comment_before(res, "LoadBalancerSecurityGroup", "Security groups chained ALB -> app -> data "
                   "(002:419-427): only the tier in front may connect", 2)
    res["AppSecurityGroup"] = alb.targets_security_group("The application port, from the load balancer only",
                                                         "AppPort", "Application traffic from the load balancer")
    if port is not None:
        res["DatabaseSecurityGroup"] = alb.security_group("The database port, from the application only", [
            mapping(IpProtocol="tcp", FromPort=port, ToPort=port, SourceSecurityGroupId=ref("AppSecurityGroup"),
                    Description="Database connections from the application")])

    # -- web tier: ALB with HTTPS, HTTP redirect, access logs -----------------------
    alb.add_load_balancer(res, _subnets("Public", options))
    res["AppTargetGroup"] = mapping(Type="AWS::ElasticLoadBalancingV2::TargetGroup", Properties=mapping(
        VpcId=ref("Vpc"), Protocol="HTTP", Port=ref("AppPort"), TargetType="instance",
        HealthCheckPath=ref("HealthCheckPath"), Matcher=mapping(HttpCode="200"),
        TargetGroupAttributes=[mapping(Key="deregistration_delay.timeout_seconds", Value="60")]))
    alb.add_listeners(res, "AppTargetGroup")


def app_tier(res: dict, options: Options, *, env: str, statements: list, min_size=MIN_SIZE,
             max_size=MAX_SIZE, signals: int | None = MIN_SIZE, in_service=MIN_SIZE,
             comment: str | None = None) -> None:
    """The instance role (SSM plus `statements`), launch template running the placeholder
    app with `env` in /etc/app.env, and the Auto Scaling group behind the target group.
    `signals`: instances whose cfn-signal creation waits for (None: no creation policy,
    for a group that may start empty)."""
    # -- app tier: launch template + Auto Scaling group in the private subnets -------
    res["AppRole"] = mapping(Type="AWS::IAM::Role", Properties=mapping(
        AssumeRolePolicyDocument=mapping(Version="2012-10-17", Statement=[mapping(
            Effect="Allow", Principal=mapping(Service="ec2.amazonaws.com"), Action="sts:AssumeRole")]),
        ManagedPolicyArns=[sub("arn:${AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore")],
        Policies=[mapping(PolicyName="read-database-secret", PolicyDocument=mapping(
            Version="2012-10-17", Statement=statements))]))
    comment_before(res, "AppRole", "App tier: instances reach SSM (no SSH) and read the database "
                   "secret; add what the application needs, scoped to its resources", 2)
    res["AppInstanceProfile"] = mapping(Type="AWS::IAM::InstanceProfile",
                                        Properties=mapping(Roles=[ref("AppRole")]))
    res["AppLaunchTemplate"] = mapping(Type="AWS::EC2::LaunchTemplate", Properties=mapping(
        LaunchTemplateData=mapping(
            ImageId=ref("ImageId"), InstanceType=ref("InstanceType"),
            UserData=mapping(("Fn::Base64", TaggedScalar(value=USER_DATA.replace("{env}", env),
                                                         style="|", tag="!Sub"))),
            IamInstanceProfile=mapping(Arn=get_att("AppInstanceProfile.Arn")),
            SecurityGroupIds=[ref("AppSecurityGroup")],
            MetadataOptions=mapping(HttpTokens="required", HttpPutResponseHopLimit=1),
            BlockDeviceMappings=[mapping(DeviceName="/dev/xvda", Ebs=mapping(
                VolumeType="gp3", VolumeSize=20, Encrypted=True, DeleteOnTermination=True))])))
    group = mapping(
        Type="AWS::AutoScaling::AutoScalingGroup",
        DependsOn=[f"PrivateDefaultRoute{az + 1}" for az in range(options.azs)])
    if signals is not None:
        group["CreationPolicy"] = mapping(
            AutoScalingCreationPolicy=mapping(MinSuccessfulInstancesPercent=100),
            ResourceSignal=mapping(Count=signals, Timeout="PT15M"))
    group["UpdatePolicy"] = mapping(AutoScalingRollingUpdate=mapping(
        MinInstancesInService=in_service, MaxBatchSize=1, PauseTime="PT15M",
        WaitOnResourceSignals=True,
        SuspendProcesses=["HealthCheck", "ReplaceUnhealthy", "AZRebalance", "AlarmNotification",
                          "ScheduledActions"]))
    group["Properties"] = mapping(
        MinSize=str(min_size) if isinstance(min_size, int) else min_size,
        MaxSize=str(max_size) if isinstance(max_size, int) else max_size,
        VPCZoneIdentifier=_subnets("Private", options),
        LaunchTemplate=mapping(LaunchTemplateId=ref("AppLaunchTemplate"),
                               Version=get_att("AppLaunchTemplate.LatestVersionNumber")),
        TargetGroupARNs=[ref("AppTargetGroup")], HealthCheckType="ELB", HealthCheckGracePeriod=300)
    res["AppAutoScalingGroup"] = group
    comment_before(res, "AppAutoScalingGroup", comment or (
                   "Two instances or more, across the private subnets of "
                   "every AZ (002:419-421), started once the NAT routes exist; creation and rolling "
                   "updates wait for each instance's signal. No DesiredCapacity: an update never "
                   "resets what the scaling policy chose"), 2)
    res["AppScalingPolicy"] = mapping(Type="AWS::AutoScaling::ScalingPolicy", Properties=mapping(
        AutoScalingGroupName=ref("AppAutoScalingGroup"), PolicyType="TargetTrackingScaling",
        TargetTrackingConfiguration=mapping(
            PredefinedMetricSpecification=mapping(PredefinedMetricType="ASGAverageCPUUtilization"),
            TargetValue=60)))
    sizes = f"{min_size} and {max_size}" if isinstance(min_size, int) else "MinSize and MaxSize"
    comment_before(res, "AppScalingPolicy", f"Scales between {sizes} instances "
                   "to keep the average CPU near 60%", 2)


def data_tier(res: dict, options: Options) -> None:
    """The Multi-AZ RDS database (and Redis) in the isolated data subnets."""
    res["DatabaseSubnetGroup"] = mapping(Type="AWS::RDS::DBSubnetGroup", Properties=mapping(
        DBSubnetGroupDescription="Isolated data subnets", SubnetIds=_subnets("Data", options)))
    database = mapping(
        Engine=options.db_engine, DBInstanceClass=ref("DbInstanceClass"),
        AllocatedStorage="50", StorageType="gp3", MultiAZ=True, StorageEncrypted=True,
        MasterUsername="app", ManageMasterUserPassword=True, BackupRetentionPeriod=7,
        DeletionProtection=ref("DatabaseDeletionProtection"), PubliclyAccessible=False,
        CopyTagsToSnapshot=True, DBSubnetGroupName=ref("DatabaseSubnetGroup"),
        VPCSecurityGroups=[ref("DatabaseSecurityGroup")])
    if options.db_engine == "mysql":
        # MySQL 8.4 and lower accept plain connections by default (PostgreSQL 15+ does not):
        # a parameter group requires TLS (W9207, 003:79). Its family must match the engine's
        # major version, so the version is pinned (cfn-lint E3691 wants a full one; minor
        # upgrades still apply automatically).
        res["DatabaseParameterGroup"] = mapping(Type="AWS::RDS::DBParameterGroup", Properties=mapping(
            Family="mysql8.4", Description="Require TLS for every connection",
            Parameters=mapping(require_secure_transport="1")))
        database.insert(1, "EngineVersion", "8.4.11")
        database["DBParameterGroupName"] = ref("DatabaseParameterGroup")
    res["Database"] = mapping(
        Type="AWS::RDS::DBInstance", DeletionPolicy="Snapshot", UpdateReplacePolicy="Snapshot",
        Metadata=ignore("W9806", "DeletionProtection follows DatabaseDeletionProtection (default true); "
                                 "false only for a first deploy that may have to roll back"),
        Properties=database)
    comment_before(res, "Database", "Data tier: Multi-AZ, encrypted, password in Secrets Manager, "
                   "7 days of backups, snapshot on delete (000:46-71, 001:501-515)", 2)
    if options.cache:
        res["CacheSecurityGroup"] = alb.security_group("Redis, from the application only", [
            mapping(IpProtocol="tcp", FromPort=REDIS_PORT, ToPort=REDIS_PORT,
                    SourceSecurityGroupId=ref("AppSecurityGroup"),
                    Description="Redis connections from the application")])
        res["CacheSubnetGroup"] = mapping(Type="AWS::ElastiCache::SubnetGroup", Properties=mapping(
            Description="Isolated data subnets", SubnetIds=_subnets("Data", options)))
        res["Cache"] = mapping(
            Type="AWS::ElastiCache::ReplicationGroup", DeletionPolicy="Snapshot",
            UpdateReplacePolicy="Snapshot", Properties=mapping(
                ReplicationGroupDescription=sub("${AWS::StackName} cache"), Engine="redis",
                CacheNodeType="cache.t4g.small", NumCacheClusters=2, AutomaticFailoverEnabled=True,
                MultiAZEnabled=True, AtRestEncryptionEnabled=True, TransitEncryptionEnabled=True,
                SnapshotRetentionLimit=7, CacheSubnetGroupName=ref("CacheSubnetGroup"),
                SecurityGroupIds=[ref("CacheSecurityGroup")]))
        comment_before(res, "Cache", "Redis with a replica in another AZ, failover, encryption at "
                       "rest and in transit, daily snapshots (001:1795-1797)", 2)


def outputs(options: Options, network: vpc.Options) -> dict:
    """The VPC's outputs, the load balancer's name and the database's endpoint and secret."""
    outputs = vpc.outputs(network)
    outputs["LoadBalancerDnsName"] = mapping(
        Description="Point the certificate's domain at this name (a CNAME or Route 53 alias)",
        Value=get_att("LoadBalancer.DNSName"))
    outputs["DatabaseEndpoint"] = mapping(Value=get_att("Database.Endpoint.Address"))
    outputs["DatabasePort"] = mapping(Value=get_att("Database.Endpoint.Port"))
    return outputs


def build(options: Options):
    options.validate()
    network = vpc.Options(azs=options.azs, data_subnets=True)
    params = parameters(options, network)
    res = vpc.resources(network)
    web_tier(res, options, ENGINES[options.db_engine])
    env = DATABASE_ENV % "Database.MasterUserSecret.SecretArn" + (CACHE_ENV if options.cache else "")
    app_tier(res, options, env=env, statements=[mapping(
        Effect="Allow", Action=["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
        Resource=get_att("Database.MasterUserSecret.SecretArn"))])
    data_tier(res, options)
    groups = interface(vpc.NETWORK_GROUP,
                       ("Web and application", ["CertificateArn", "AppPort", "HealthCheckPath",
                                                "ImageId", "InstanceType", "AccessLogRetentionDays"]),
                       ("Database", ["DbInstanceClass", "DatabaseDeletionProtection"]))
    outs = outputs(options, network)
    outs["DatabaseSecretArn"] = mapping(
        Description="Secrets Manager secret with the master user's name and password (RDS rotates it)",
        Value=get_att("Database.MasterUserSecret.SecretArn"))
    if options.cache:
        outs["CacheEndpoint"] = mapping(
            Description="Redis primary endpoint; connect with TLS (rediss://), in transit encryption is on",
            Value=get_att("Cache.PrimaryEndPoint.Address"))
        outs["CachePort"] = mapping(Value=get_att("Cache.PrimaryEndPoint.Port"))
    template = mapping(
        AWSTemplateFormatVersion="2010-09-09",
        Description=f"Three-tier application over {options.azs} AZs: HTTPS ALB, Auto Scaling "
                    f"group, Multi-AZ {options.db_engine}{' and Redis' if options.cache else ''} "
                    "(generated by tmpllint new three-tier)",
        Metadata=groups,
        Parameters=params,
        Conditions=mapping(*vpc.conditions().items()),
        Resources=res,
        Outputs=outs,
    )
    if vpc.rules(network):
        template.insert(list(template).index("Conditions"), "Rules", vpc.rules(network))
    return template
