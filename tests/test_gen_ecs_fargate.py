"""Issue 17: `tmpllint new ecs-fargate` deploys and works in a fresh account.

Structural checks, over every option combination, of what decides whether the stack
creates and then serves: the service starts after the listener and the NAT routes, its
tasks run where the ALB can reach them and nothing else can, the placeholder image starts
with the user, port, filesystem and health path the template gives it, the roles hold
what ECS and the application need and no more, the repository's lifecycle policy is one
ECR accepts, the task sizes are ones Fargate offers. The network checks of the `vpc`
layout (tests/test_generated_stacks.py) run on this pattern too.
"""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys

import pytest

import test_generated_stacks as stacks
from conftest import FIXTURES, ROOT
from generated import parsed_template, policy_statements, statement_actions
from tmpllint.generators import ecs_fargate, render

COMBINATIONS = [("ecs-fargate", ecs_fargate.Options(azs=azs, spot=spot))
                for azs, spot in itertools.product((2, 3), (False, True))]
IDS = [f"azs{o.azs}{'-spot' if o.spot else ''}" for _, o in COMBINATIONS]
each = pytest.mark.parametrize(("pattern", "options"), COMBINATIONS, ids=IDS)
#: Fargate's Linux task sizes: CPU units -> the memory (MiB) it may have.
FARGATE_MEMORY = {"256": {512, 1024, 2048}, "512": set(range(1024, 4097, 1024)),
                  "1024": set(range(2048, 8193, 1024)), "2048": set(range(4096, 16385, 1024)),
                  "4096": set(range(8192, 30721, 1024))}
EXECUTION_ACTIONS = {"ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability",
                     "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage", "logs:CreateLogStream",
                     "logs:PutLogEvents"}


def _load(options) -> dict:
    return parsed_template("ecs-fargate", options)


def _container(template) -> dict:
    (container,) = template["Resources"]["TaskDefinition"]["Properties"]["ContainerDefinitions"]
    return container


@pytest.mark.parametrize("check", [
    stacks.test_every_admitted_vpc_cidr_fits_every_cidr_split,
    stacks.test_three_az_templates_refuse_two_az_regions_before_creating_anything,
    stacks.test_flow_log_role_has_the_documented_permissions,
    stacks.test_private_subnets_reach_s3_and_dynamodb_through_gateway_endpoints,
    stacks.test_default_security_group_is_stripped,
    stacks.test_load_balancer_log_grant_is_the_documented_one,
    stacks.test_templates_share_no_nodes_through_yaml_aliases,
], ids=lambda check: check.__name__[5:])
@each
def test_the_vpc_layout_and_load_balancer_checks_hold(check, pattern, options):
    check(pattern, options)


@each
def test_the_service_starts_once_the_listener_and_the_nat_routes_exist(pattern, options):
    service = _load(options)["Resources"]["Service"]
    assert sorted(service["DependsOn"]) == sorted(
        ["HttpsListener"] + [f"PrivateDefaultRoute{az}" for az in range(1, options.azs + 1)])


@each
def test_tasks_run_in_every_private_subnet_without_public_ips_and_at_least_two(pattern, options):
    template = _load(options)
    props = template["Resources"]["Service"]["Properties"]
    network = props["NetworkConfiguration"]["AwsvpcConfiguration"]
    assert network["AssignPublicIp"] == "DISABLED"
    assert network["Subnets"] == [{"Ref": f"PrivateSubnet{az}"} for az in range(1, options.azs + 1)]
    assert network["SecurityGroups"] == [{"Ref": "ServiceSecurityGroup"}]
    assert props["DesiredCount"] == {"Ref": "MinTasks"}
    minimum = template["Parameters"]["MinTasks"]
    assert minimum["MinValue"] >= 2 and minimum["Default"] >= 2
    assert template["Parameters"]["MaxTasks"]["Default"] >= minimum["Default"]
    assert props["AvailabilityZoneRebalancing"] == "ENABLED"
    assert "PlacementStrategies" not in props and "PlacementConstraints" not in props  # not on Fargate


@each
def test_a_failing_deployment_rolls_back_and_new_tasks_get_a_grace_period(pattern, options):
    props = _load(options)["Resources"]["Service"]["Properties"]
    deployment = props["DeploymentConfiguration"]
    assert deployment["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}
    assert deployment["MinimumHealthyPercent"] == 100 and deployment["MaximumPercent"] == 200
    assert props["HealthCheckGracePeriodSeconds"] >= 30


@each
def test_spot_capacity_only_with_spot_and_never_for_the_first_task(pattern, options):
    resources = _load(options)["Resources"]
    service, cluster = resources["Service"]["Properties"], resources["Cluster"]["Properties"]
    if not options.spot:
        assert service["LaunchType"] == "FARGATE" and "CapacityProviderStrategy" not in service
        assert "CapacityProviders" not in cluster
        return
    assert "LaunchType" not in service  # exclusive with a capacity provider strategy
    strategy = {s["CapacityProvider"]: s for s in service["CapacityProviderStrategy"]}
    assert set(strategy) == {"FARGATE", "FARGATE_SPOT"} == set(cluster["CapacityProviders"])
    assert strategy["FARGATE"]["Base"] >= 1 and "Base" not in strategy["FARGATE_SPOT"]
    assert strategy["FARGATE_SPOT"]["Weight"] > strategy["FARGATE"]["Weight"] > 0


@each
def test_only_the_load_balancer_reaches_the_container_port(pattern, options):
    template = _load(options)
    (rule,) = template["Resources"]["ServiceSecurityGroup"]["Properties"]["SecurityGroupIngress"]
    assert rule["SourceSecurityGroupId"] == {"Ref": "LoadBalancerSecurityGroup"}
    assert rule["FromPort"] == rule["ToPort"] == {"Ref": "ContainerPort"}
    assert "CidrIp" not in rule


@each
def test_the_load_balancer_forwards_to_the_container_and_probes_its_health_path(pattern, options):
    template = _load(options)
    resources = template["Resources"]
    group = resources["TargetGroup"]["Properties"]
    assert group["TargetType"] == "ip"  # awsvpc tasks register by IP
    assert group["Port"] == {"Ref": "ContainerPort"} and group["HealthCheckPath"] == {"Ref": "HealthCheckPath"}
    (binding,) = resources["Service"]["Properties"]["LoadBalancers"]
    container = _container(template)
    assert binding == {"ContainerName": container["Name"], "ContainerPort": {"Ref": "ContainerPort"},
                       "TargetGroupArn": {"Ref": "TargetGroup"}}
    assert container["PortMappings"] == [{"ContainerPort": {"Ref": "ContainerPort"}, "Protocol": "tcp"}]
    https = resources["HttpsListener"]["Properties"]
    assert https["DefaultActions"] == [{"Type": "forward", "TargetGroupArn": {"Ref": "TargetGroup"}}]
    assert https["SslPolicy"].startswith("ELBSecurityPolicy-TLS13-1-2")
    assert resources["HttpRedirectListener"]["Properties"]["DefaultActions"][0]["Type"] == "redirect"


@each
def test_the_placeholder_serves_the_defaults_on_a_read_only_filesystem(pattern, options):
    """nginx-unprivileged listens on 8080 as uid 101, answers / with 200 and writes its pid
    and temporary files to /tmp only: the defaults must be exactly those."""
    template = _load(options)
    params, container = template["Parameters"], _container(template)
    assert container["Image"]["Fn::If"][:2] == ["UsePlaceholderImage", ecs_fargate.PLACEHOLDER_IMAGE]
    assert ecs_fargate.PLACEHOLDER_IMAGE.startswith("public.ecr.aws/")  # no credentials, no rate limit
    assert template["Conditions"]["UsePlaceholderImage"] == {"Fn::Equals": [{"Ref": "ImageTag"}, ""]}
    assert params["ImageTag"]["Default"] == ""
    assert params["ContainerPort"]["Default"] == 8080 and params["ContainerUser"]["Default"] == "101"
    assert params["HealthCheckPath"]["Default"] == "/"
    assert container["ReadonlyRootFilesystem"] is True
    (tmp,) = container["LinuxParameters"]["Tmpfs"]
    assert tmp["ContainerPath"] == "/tmp"
    smallest = min(int(memory) for memory in (
        sizes["Memory"] for sizes in template["Mappings"]["TaskSizes"].values()))
    assert tmp["Size"] <= smallest // 4  # tmpfs counts against the task's memory


@each
def test_the_container_never_runs_as_root(pattern, options):
    template = _load(options)
    container = _container(template)
    assert container["User"] == {"Ref": "ContainerUser"}
    pattern_ = re.compile(template["Parameters"]["ContainerUser"]["AllowedPattern"])
    for refused in ("0", "0:0", "root", "00", "0:101", ""):
        assert not pattern_.match(refused), refused
    for admitted in ("101", "1000:1000", "65534"):
        assert pattern_.match(admitted), admitted
    assert container["LinuxParameters"]["Capabilities"] == {"Drop": ["ALL"]}
    assert "Privileged" not in container
    assert template["Parameters"]["ContainerPort"]["MinValue"] >= 1024  # unprivileged ports only


@each
def test_image_tags_are_tags_of_the_stack_repository(pattern, options):
    template = _load(options)
    tag = re.compile(template["Parameters"]["ImageTag"]["AllowedPattern"])
    for admitted in ("", "v1.2.3", "2026-11-29_abc123", "latest"):
        assert tag.match(admitted), admitted
    for refused in ("repo:tag", "a/b", "-x", "x" * 129):
        assert not tag.fullmatch(refused), refused
    image = _container(template)["Image"]["Fn::If"][2]
    assert image == {"Fn::Sub": "${Repository.RepositoryUri}:${ImageTag}"}


@each
def test_every_task_size_is_one_fargate_offers(pattern, options):
    template = _load(options)
    sizes = template["Mappings"]["TaskSizes"]
    assert set(sizes) == set(template["Parameters"]["TaskSize"]["AllowedValues"])
    for name, size in sizes.items():
        assert int(size["Memory"]) in FARGATE_MEMORY[size["Cpu"]], name
    props = template["Resources"]["TaskDefinition"]["Properties"]
    assert props["RequiresCompatibilities"] == ["FARGATE"] and props["NetworkMode"] == "awsvpc"
    assert props["Cpu"] == {"Fn::FindInMap": ["TaskSizes", {"Ref": "TaskSize"}, "Cpu"]}


@each
def test_the_execution_role_pulls_from_the_repository_and_logs_to_the_group_only(pattern, options):
    template = _load(options)
    resources = template["Resources"]
    props = template["Resources"]["TaskDefinition"]["Properties"]
    assert props["ExecutionRoleArn"] == {"Fn::GetAtt": ["ExecutionRole", "Arn"]}
    role = resources["ExecutionRole"]["Properties"]
    assert "ManagedPolicyArns" not in role
    by_action = {}
    for policy in role["Policies"]:
        for statement in policy_statements(policy["PolicyDocument"]):
            assert statement["Effect"] == "Allow"
            for action in statement_actions(statement):
                by_action[action] = statement["Resource"]
    assert set(by_action) == EXECUTION_ACTIONS
    assert by_action.pop("ecr:GetAuthorizationToken") == "*"  # the one action with no resource
    for action, resource in by_action.items():
        expected = "Repository" if action.startswith("ecr:") else "AppLogGroup"
        assert resource == {"Fn::GetAtt": [expected, "Arn"]}, action
    logs = _container(template)["LogConfiguration"]
    assert logs["LogDriver"] == "awslogs"
    assert logs["Options"]["awslogs-group"] == {"Ref": "AppLogGroup"}
    assert logs["Options"]["awslogs-region"] == {"Ref": "AWS::Region"}


@each
def test_both_roles_trust_ecs_tasks_of_this_account_and_the_task_role_starts_empty(pattern, options):
    resources = _load(options)["Resources"]
    for name in ("ExecutionRole", "TaskRole"):
        (trust,) = resources[name]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert trust["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
        assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    task_role = resources["TaskRole"]["Properties"]
    assert set(task_role) == {"AssumeRolePolicyDocument"}
    assert resources["TaskDefinition"]["Properties"]["TaskRoleArn"] == {"Fn::GetAtt": ["TaskRole", "Arn"]}


@each
def test_the_repository_scans_keeps_tags_encrypts_and_expires_what_ecr_accepts(pattern, options):
    resources = _load(options)["Resources"]
    repository = resources["Repository"]
    props = repository["Properties"]
    assert repository["DeletionPolicy"] == "Retain"
    assert props["ImageTagMutability"] == "IMMUTABLE"
    assert props["ImageScanningConfiguration"] == {"ScanOnPush": True}
    assert props["EncryptionConfiguration"] == {"EncryptionType": "KMS",
                                                "KmsKey": {"Fn::GetAtt": ["AppKey", "Arn"]}}
    rules = json.loads(props["LifecyclePolicy"]["LifecyclePolicyText"])["rules"]
    priorities = [rule["rulePriority"] for rule in rules]
    assert len(set(priorities)) == len(priorities)
    # ECR: a rule with tagStatus "any" must have the highest rulePriority (it is evaluated last)
    (last,) = [rule for rule in rules if rule["selection"]["tagStatus"] == "any"]
    assert last["rulePriority"] == max(priorities)
    assert last["selection"]["countNumber"] >= 10  # room for rollbacks to recent images
    for rule in rules:
        assert rule["action"] == {"type": "expire"}
        if rule["selection"]["countType"] == "sinceImagePushed":
            assert rule["selection"]["countUnit"] == "days"


@each
def test_the_log_group_is_kept_and_encrypted_with_a_key_logs_may_use(pattern, options):
    resources = _load(options)["Resources"]
    group = resources["AppLogGroup"]["Properties"]
    assert group["KmsKeyId"] == {"Fn::GetAtt": ["AppKey", "Arn"]}
    assert group["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    key = resources["AppKey"]["Properties"]
    assert key["EnableKeyRotation"] is True
    services = [s["Principal"].get("Service") for s in key["KeyPolicy"]["Statement"]]
    assert {"Fn::Sub": "logs.${AWS::Region}.amazonaws.com"} in services


@each
def test_the_service_scales_on_cpu_between_the_task_counts(pattern, options):
    resources = _load(options)["Resources"]
    target = resources["ScalableTarget"]["Properties"]
    assert target["ServiceNamespace"] == "ecs" and target["ScalableDimension"] == "ecs:service:DesiredCount"
    assert target["ResourceId"] == {"Fn::Sub": "service/${Cluster}/${Service.Name}"}
    assert (target["MinCapacity"], target["MaxCapacity"]) == ({"Ref": "MinTasks"}, {"Ref": "MaxTasks"})
    policy = resources["CpuScalingPolicy"]["Properties"]
    assert policy["PolicyType"] == "TargetTrackingScaling"
    assert policy["ScalingTargetId"] == {"Ref": "ScalableTarget"}
    config = policy["TargetTrackingScalingPolicyConfiguration"]
    assert config["PredefinedMetricSpecification"]["PredefinedMetricType"] == "ECSServiceAverageCPUUtilization"


@each
def test_the_cluster_has_container_insights(pattern, options):
    template = _load(options)
    settings = template["Resources"]["Cluster"]["Properties"]["ClusterSettings"]
    assert settings == [{"Name": "containerInsights", "Value": {"Ref": "ContainerInsights"}}]
    assert "disabled" not in template["Parameters"]["ContainerInsights"]["AllowedValues"]


@each
def test_outputs_give_what_the_deployer_needs_next(pattern, options):
    outputs = _load(options)["Outputs"]
    assert outputs["RepositoryUri"]["Value"] == {"Fn::GetAtt": ["Repository", "RepositoryUri"]}
    assert outputs["LoadBalancerDnsName"]["Value"] == {"Fn::GetAtt": ["LoadBalancer", "DNSName"]}
    assert outputs["TaskRoleArn"]["Value"] == {"Fn::GetAtt": ["TaskRole", "Arn"]}
    assert {"ClusterName", "ServiceName", "LogGroupName", "VpcId", "PrivateSubnetIds"} <= set(outputs)


def test_new_ecs_fargate_prints_the_golden_template_and_refuses_bad_azs():
    def new(*args):
        return subprocess.run([sys.executable, "-m", "tmpllint", "new", "ecs-fargate", *args], cwd=ROOT,
                              capture_output=True, text=True, timeout=60)

    printed = new("--azs", "3", "--spot")
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout == (FIXTURES / "generators" / "ecs-fargate-azs3-spot.yaml").read_text()
    assert printed.stdout == render("ecs-fargate", ecs_fargate.Options(azs=3, spot=True))
    bad = new("--azs", "4")
    assert bad.returncode == 2 and "--azs" in bad.stderr


def test_options_validate():
    with pytest.raises(ValueError, match="--azs must be 2 or 3"):
        ecs_fargate.build(ecs_fargate.Options(azs=1))
