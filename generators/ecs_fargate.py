"""`tmpllint new ecs-fargate`: the `vpc` layout plus an internet-facing HTTPS ALB in front
of a Fargate service in the private subnets: an ECS cluster with Container Insights, two
tasks or more across the AZs, a deployment circuit breaker that rolls back, target
tracking on CPU, an ECR repository (scan on push, immutable tags, KMS, lifecycle) and a
log group (retention, KMS); the task runs as a non-root user on a read-only root
filesystem; the execution role may pull from that repository and write to that log
group and nothing else, the task role starts empty. Security groups chained ALB -> tasks.

Notes: 001:1469-1525 (ECS on Fargate: task role per service, ALB, service auto scaling,
ECR with IAM and image scanning), 002:746-820 (Fargate tasks get their own IP, the ALB
reaches them on the container port, application auto scaling on CPU, rolling updates),
000:353-374 (the service keeps tasks running for high availability).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from tmpllint.generators import alb, vpc
from tmpllint.generators.blocks import customer_key, interface, log_group, retention_parameter
from tmpllint.yamlio import comment_before, equals, find_in_map, get_att, if_, mapping, ref, sub

NAME = "ecs-fargate"
SUMMARY = "VPC + HTTPS ALB + Fargate service (autoscaling, circuit breaker) + ECR + KMS logs"
SEEDS = ("001:1469-1525", "002:746-820", "000:353-374")
#: Until a tag of the stack's repository is given, the service runs this public image: an
#: nginx built to run as an unprivileged user (uid 101) on port 8080 that writes only to
#: /tmp, so it starts on a read-only root filesystem; Fargate pulls it from the ECR
#: Public Gallery through the NAT gateways, with no credentials and no IAM permission.
PLACEHOLDER_IMAGE = "public.ecr.aws/nginx/nginx-unprivileged:stable-alpine"
PLACEHOLDER_PORT, PLACEHOLDER_USER = 8080, "101"
CONTAINER = "app"
#: TaskSize -> Fargate's CPU units and MiB (valid pairs only).
TASK_SIZES = {"small": ("256", "512"), "medium": ("512", "1024"), "large": ("1024", "2048"),
              "xlarge": ("2048", "4096")}
#: With --spot: the first task always runs on FARGATE (a Spot reclaim never takes the last
#: one), further tasks go 1 on FARGATE for 3 on FARGATE_SPOT.
ON_DEMAND_BASE, ON_DEMAND_WEIGHT, SPOT_WEIGHT = 1, 1, 3
#: The repository keeps this many images; untagged ones (failed pushes) go after a week.
KEEP_IMAGES, UNTAGGED_DAYS = 50, 7
TMP_MIB = 64


@dataclass(frozen=True)
class Options:
    azs: int = 2
    spot: bool = False

    def validate(self) -> None:
        if self.azs not in (2, 3):
            raise ValueError("--azs must be 2 or 3")


def _subnets(tier: str, options: Options) -> list:
    return [ref(f"{tier}Subnet{az + 1}") for az in range(options.azs)]


def _parameters(network: vpc.Options) -> dict:
    params = mapping(*vpc.parameters(network).items())
    params["CertificateArn"] = alb.certificate_parameter()
    params["ImageTag"] = mapping(
        Type="String", Default="", AllowedPattern=r"^$|^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$",
        ConstraintDescription="empty, or an image tag (letters, digits, _ . -, up to 128)",
        Description=f"Tag of the image (linux/amd64) to run from this stack's ECR repository (output "
                    f"RepositoryUri); empty runs the placeholder {PLACEHOLDER_IMAGE} (port "
                    f"{PLACEHOLDER_PORT}, user {PLACEHOLDER_USER}). Tags are immutable: push a new tag "
                    "for every release.")
    params["ContainerPort"] = mapping(
        Type="Number", Default=PLACEHOLDER_PORT, MinValue=1024, MaxValue=65535,
        Description="Port the container listens on (1024 or above: the container is not root).")
    params["ContainerUser"] = mapping(
        Type="String", Default=PLACEHOLDER_USER, AllowedPattern=r"^[1-9][0-9]{0,9}(:[0-9]{1,10})?$",
        ConstraintDescription="a numeric user id other than 0, optionally :group id",
        Description="User (uid or uid:gid) the container runs as; never root.")
    params["HealthCheckPath"] = mapping(
        Type="String", Default="/", AllowedPattern=r"^/[A-Za-z0-9/_.-]*$",
        ConstraintDescription="an absolute URL path such as /health",
        Description="Path the load balancer probes on ContainerPort; it must answer 200 once a task can serve.")
    params["TaskSize"] = mapping(
        Type="String", Default="small", AllowedValues=list(TASK_SIZES),
        Description="CPU and memory of a task: " + ", ".join(
            f"{name} = {cpu} CPU units / {memory} MiB" for name, (cpu, memory) in TASK_SIZES.items()) + ".")
    params["MinTasks"] = mapping(
        Type="Number", Default=2, MinValue=2, MaxValue=50,
        Description="Fewest tasks (2 or more, spread over the AZs); also the count an update of "
                    "the stack resets the service to.")
    params["MaxTasks"] = mapping(
        Type="Number", Default=6, MinValue=2, MaxValue=100,
        Description="Most tasks target tracking may run; at least MinTasks.")
    params["CpuTargetPercent"] = mapping(
        Type="Number", Default=60, MinValue=20, MaxValue=90,
        Description="Average CPU utilisation of the service that target tracking keeps.")
    params["ContainerInsights"] = mapping(
        Type="String", Default="enabled", AllowedValues=["enabled", "enhanced"],
        Description="CloudWatch Container Insights of the cluster: enabled (cluster and service "
                    "metrics) or enhanced (task and container metrics too, at a higher cost).")
    params["LogRetentionDays"] = retention_parameter("Days CloudWatch Logs keeps the containers' output.",
                                                     365, (90, 180, 365, 731))
    params["AccessLogRetentionDays"] = alb.access_log_retention_parameter()
    return params


def _trust_ecs_tasks() -> dict:
    """The trust policy of a task or execution role: ECS tasks of this account only
    (`aws:SourceAccount`: no other account can have ECS assume it, the confused deputy)."""
    return mapping(Version="2012-10-17", Statement=[mapping(
        Effect="Allow", Principal=mapping(Service="ecs-tasks.amazonaws.com"), Action="sts:AssumeRole",
        Condition=mapping(StringEquals=mapping(("aws:SourceAccount", ref("AWS::AccountId")))))])


def _lifecycle_policy() -> str:
    rules = [
        {"rulePriority": 1, "description": f"Untagged images (failed pushes) go after {UNTAGGED_DAYS} days",
         "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days",
                       "countNumber": UNTAGGED_DAYS},
         "action": {"type": "expire"}},
        {"rulePriority": 2, "description": f"Keep the newest {KEEP_IMAGES} images",
         "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": KEEP_IMAGES},
         "action": {"type": "expire"}},
    ]
    return json.dumps({"rules": rules}, separators=(",", ":"))


def _registry_and_logs(res) -> None:
    res["AppKey"] = customer_key("Encrypts the container images and logs of ${AWS::StackName}")
    comment_before(res, "AppKey", "One customer managed key (rotated) for the image repository and the "
                   "log group: CloudWatch Logs may use it for log groups of this account; ECR uses it "
                   "through the grant it creates with the deployer's permissions", 2)
    res["AppLogGroup"] = log_group("AppKey", "LogRetentionDays")
    comment_before(res, "AppLogGroup", "The containers' output (awslogs), kept LogRetentionDays "
                   "(001:1487 \"Send container logs to CloudWatch logs\")", 2)
    res["Repository"] = mapping(
        Type="AWS::ECR::Repository", DeletionPolicy="Retain", UpdateReplacePolicy="Retain",
        Properties=mapping(
            ImageTagMutability="IMMUTABLE",
            ImageScanningConfiguration=mapping(ScanOnPush=True),
            EncryptionConfiguration=mapping(EncryptionType="KMS", KmsKey=get_att("AppKey.Arn")),
            LifecyclePolicy=mapping(LifecyclePolicyText=_lifecycle_policy())))
    comment_before(res, "Repository", "The image repository (001:1522-1525, 002:850): images scanned "
                   "on push, tags immutable (a tag always names the image that was tested), "
                   f"encrypted with AppKey, the newest {KEEP_IMAGES} images kept; retained on delete", 2)


def _roles(res) -> None:
    res["ExecutionRole"] = mapping(Type="AWS::IAM::Role", Properties=mapping(
        AssumeRolePolicyDocument=_trust_ecs_tasks(),
        Policies=[mapping(PolicyName="pull-image-and-write-logs", PolicyDocument=mapping(
            Version="2012-10-17", Statement=[
                mapping(Sid="RegistryLogin", Effect="Allow", Action="ecr:GetAuthorizationToken", Resource="*"),
                mapping(Sid="PullFromTheRepository", Effect="Allow",
                        Action=["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer",
                                "ecr:BatchGetImage"],
                        Resource=get_att("Repository.Arn")),
                mapping(Sid="WriteTheLogGroup", Effect="Allow",
                        Action=["logs:CreateLogStream", "logs:PutLogEvents"],
                        Resource=get_att("AppLogGroup.Arn"))]))]))
    comment_before(res, "ExecutionRole", "What ECS itself needs to start a task (001:1484-1489): the "
                   "permissions of AmazonECSTaskExecutionRolePolicy scoped to this repository and this log "
                   "group (ecr:GetAuthorizationToken has no resource to scope to). The placeholder image is "
                   "public and needs none", 2)
    res["TaskRole"] = mapping(Type="AWS::IAM::Role", Properties=mapping(
        AssumeRolePolicyDocument=_trust_ecs_tasks()))
    comment_before(res, "TaskRole", "The application's own role, one per service (001:1490-1493): it "
                   "starts with no permission; add policies scoped to the resources the code calls", 2)


def _cluster(options: Options) -> dict:
    properties = mapping(ClusterSettings=[mapping(Name="containerInsights", Value=ref("ContainerInsights"))])
    if options.spot:
        properties["CapacityProviders"] = ["FARGATE", "FARGATE_SPOT"]
        properties["DefaultCapacityProviderStrategy"] = [mapping(CapacityProvider="FARGATE", Weight=1)]
    return mapping(Type="AWS::ECS::Cluster", Properties=properties)


def _task_definition() -> dict:
    image = if_("UsePlaceholderImage", PLACEHOLDER_IMAGE, sub("${Repository.RepositoryUri}:${ImageTag}"))
    container = mapping(
        Name=CONTAINER, Image=image, Essential=True,
        User=ref("ContainerUser"), ReadonlyRootFilesystem=True,
        PortMappings=[mapping(ContainerPort=ref("ContainerPort"), Protocol="tcp")],
        Environment=[mapping(Name="PORT", Value=ref("ContainerPort"))],
        LinuxParameters=mapping(
            InitProcessEnabled=True,
            Capabilities=mapping(Drop=["ALL"]),
            Tmpfs=[mapping(ContainerPath="/tmp", Size=TMP_MIB, MountOptions=["noexec", "nosuid", "nodev"])]),
        LogConfiguration=mapping(LogDriver="awslogs", Options=mapping(
            ("awslogs-group", ref("AppLogGroup")), ("awslogs-region", ref("AWS::Region")),
            ("awslogs-stream-prefix", CONTAINER))))
    return mapping(Type="AWS::ECS::TaskDefinition", Properties=mapping(
        RequiresCompatibilities=["FARGATE"], NetworkMode="awsvpc",
        Cpu=find_in_map("TaskSizes", ref("TaskSize"), "Cpu"),
        Memory=find_in_map("TaskSizes", ref("TaskSize"), "Memory"),
        RuntimePlatform=mapping(OperatingSystemFamily="LINUX", CpuArchitecture="X86_64"),
        ExecutionRoleArn=get_att("ExecutionRole.Arn"), TaskRoleArn=get_att("TaskRole.Arn"),
        ContainerDefinitions=[container]))


def _service(options: Options) -> dict:
    properties = mapping(Cluster=ref("Cluster"), TaskDefinition=ref("TaskDefinition"))
    if options.spot:
        properties["CapacityProviderStrategy"] = [
            mapping(CapacityProvider="FARGATE", Base=ON_DEMAND_BASE, Weight=ON_DEMAND_WEIGHT),
            mapping(CapacityProvider="FARGATE_SPOT", Weight=SPOT_WEIGHT)]
    else:
        properties["LaunchType"] = "FARGATE"
    properties.update(mapping(
        PlatformVersion="LATEST",
        DesiredCount=ref("MinTasks"),
        AvailabilityZoneRebalancing="ENABLED",
        DeploymentConfiguration=mapping(
            MinimumHealthyPercent=100, MaximumPercent=200,
            DeploymentCircuitBreaker=mapping(Enable=True, Rollback=True)),
        HealthCheckGracePeriodSeconds=60,
        NetworkConfiguration=mapping(AwsvpcConfiguration=mapping(
            AssignPublicIp="DISABLED", Subnets=_subnets("Private", options),
            SecurityGroups=[ref("ServiceSecurityGroup")])),
        LoadBalancers=[mapping(ContainerName=CONTAINER, ContainerPort=ref("ContainerPort"),
                               TargetGroupArn=ref("TargetGroup"))],
        PropagateTags="SERVICE", EnableECSManagedTags=True))
    return mapping(
        Type="AWS::ECS::Service",
        DependsOn=["HttpsListener"] + [f"PrivateDefaultRoute{az + 1}" for az in range(options.azs)],
        Properties=properties)


def _scaling(res) -> None:
    res["ScalableTarget"] = mapping(Type="AWS::ApplicationAutoScaling::ScalableTarget", Properties=mapping(
        ServiceNamespace="ecs", ScalableDimension="ecs:service:DesiredCount",
        ResourceId=sub("service/${Cluster}/${Service.Name}"),
        MinCapacity=ref("MinTasks"), MaxCapacity=ref("MaxTasks")))
    comment_before(res, "ScalableTarget", "Application Auto Scaling between MinTasks and MaxTasks "
                   "(001:1504-1512, 002:779-783); it uses its service-linked role, created on first use", 2)
    res["CpuScalingPolicy"] = mapping(Type="AWS::ApplicationAutoScaling::ScalingPolicy", Properties=mapping(
        PolicyName=sub("${AWS::StackName}-cpu"), PolicyType="TargetTrackingScaling",
        ScalingTargetId=ref("ScalableTarget"),
        TargetTrackingScalingPolicyConfiguration=mapping(
            PredefinedMetricSpecification=mapping(PredefinedMetricType="ECSServiceAverageCPUUtilization"),
            TargetValue=ref("CpuTargetPercent"), ScaleOutCooldown=60, ScaleInCooldown=300)))


def build(options: Options):
    options.validate()
    network = vpc.Options(azs=options.azs, data_subnets=False)
    res = vpc.resources(network)
    _registry_and_logs(res)
    _roles(res)

    # -- security groups: ALB -> tasks -----------------------------------------------
    res["LoadBalancerSecurityGroup"] = alb.load_balancer_security_group()
    comment_before(res, "LoadBalancerSecurityGroup", "Security groups chained ALB -> tasks: only the "
                   "load balancer reaches the containers (002:808-813)", 2)
    res["ServiceSecurityGroup"] = alb.targets_security_group("The container port, from the load balancer only",
                                                             "ContainerPort", "Container traffic from the load balancer")

    alb.add_load_balancer(res, _subnets("Public", options))
    res["TargetGroup"] = mapping(Type="AWS::ElasticLoadBalancingV2::TargetGroup", Properties=mapping(
        VpcId=ref("Vpc"), Protocol="HTTP", Port=ref("ContainerPort"), TargetType="ip",
        HealthCheckPath=ref("HealthCheckPath"), Matcher=mapping(HttpCode="200"),
        HealthCheckIntervalSeconds=15, HealthyThresholdCount=2, UnhealthyThresholdCount=3,
        TargetGroupAttributes=[mapping(Key="deregistration_delay.timeout_seconds", Value="30")]))
    comment_before(res, "TargetGroup", "Fargate tasks register by IP on the container port "
                   "(002:818-820)", 2)
    alb.add_listeners(res, "TargetGroup")

    # -- the cluster, the task and the service -----------------------------------------
    res["Cluster"] = _cluster(options)
    comment_before(res, "Cluster", "ECS cluster with Container Insights (001:2199-2207)" + (
        "; FARGATE and FARGATE_SPOT capacity" if options.spot else ""), 2)
    res["TaskDefinition"] = _task_definition()
    comment_before(res, "TaskDefinition", "One container (002:803-808): a non-root user, a read-only "
                   f"root filesystem with a {TMP_MIB} MiB tmpfs at /tmp (Fargate supports tmpfs since "
                   "January 2026), every Linux capability dropped, an init process reaping "
                   "children, logs to AppLogGroup", 2)
    res["Service"] = _service(options)
    comment_before(res, "Service", "MinTasks tasks or more in the private subnets of every AZ, no public "
                   "IP (000:370-374); a deployment that cannot get healthy tasks stops and rolls back "
                   "(circuit breaker); created once the listener and the NAT routes exist" + (
                       f"; the first task on FARGATE, then {ON_DEMAND_WEIGHT} on FARGATE for "
                       f"{SPOT_WEIGHT} on FARGATE_SPOT" if options.spot else ""), 2)
    _scaling(res)

    outputs = vpc.outputs(network)
    outputs["LoadBalancerDnsName"] = mapping(
        Description="Point the certificate's domain at this name (a CNAME or Route 53 alias)",
        Value=get_att("LoadBalancer.DNSName"))
    outputs["RepositoryUri"] = mapping(
        Description="Push images here (docker push URI:TAG), then deploy with ImageTag=TAG",
        Value=get_att("Repository.RepositoryUri"))
    outputs["ClusterName"] = mapping(Value=ref("Cluster"))
    outputs["ServiceName"] = mapping(Value=get_att("Service.Name"))
    outputs["LogGroupName"] = mapping(Description="The containers' output", Value=ref("AppLogGroup"))
    outputs["TaskRoleArn"] = mapping(Description="Grant the application's permissions to this role",
                                     Value=get_att("TaskRole.Arn"))
    groups = interface(vpc.NETWORK_GROUP,
                       ("Load balancer", ["CertificateArn", "AccessLogRetentionDays"]),
                       ("Container", ["ImageTag", "ContainerPort", "ContainerUser", "HealthCheckPath",
                                      "TaskSize", "LogRetentionDays"]),
                       ("Service", ["MinTasks", "MaxTasks", "CpuTargetPercent", "ContainerInsights"]))
    conditions = mapping(*vpc.conditions().items())
    conditions["UsePlaceholderImage"] = equals(ref("ImageTag"), "")
    template = mapping(
        AWSTemplateFormatVersion="2010-09-09",
        Description=f"Fargate service over {options.azs} AZs behind an HTTPS ALB, with an ECR "
                    f"repository and encrypted logs{' (Fargate Spot capacity)' if options.spot else ''} "
                    "(generated by tmpllint new ecs-fargate)",
        Metadata=groups,
        Parameters=_parameters(network),
        Mappings=mapping(TaskSizes=mapping(*(
            (name, mapping(Cpu=cpu, Memory=memory)) for name, (cpu, memory) in TASK_SIZES.items()))),
        Conditions=conditions,
        Resources=res,
        Outputs=outputs,
    )
    if vpc.rules(network):
        template.insert(list(template).index("Mappings"), "Rules", vpc.rules(network))
    return template
