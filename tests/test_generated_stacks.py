"""Issue 18: the generated stacks deploy and work in a fresh account.

Linters pass templates that cannot deploy or serve nothing; these tests read every option
combination of every pattern structurally for the properties that decide whether a stack
deploys and works on day one (subnets fit the VPC, the app tier serves its health path,
a REST API has its account logging role, a site answers 404s, operators get outputs and
alarms), so the next pattern cannot regress them.
"""

from __future__ import annotations

import itertools
import re
import subprocess
import sys

import pytest

from conftest import ROOT
from generated import parsed_template, policy_statements, resources_of_type, sam_transformed, statement_actions
from tmpllint.generators import fanout, render, serverless_api, static_site, three_tier, vpc

COMBINATIONS = (
    [("vpc", vpc.Options(azs=azs, data_subnets=data)) for azs, data in itertools.product((2, 3), (False, True))]
    + [("three-tier", three_tier.Options(azs=azs, db_engine=engine, cache=cache))
       for azs, engine, cache in itertools.product((2, 3), sorted(three_tier.ENGINES), (False, True))]
    + [("serverless-api", serverless_api.Options(api=api, auth=auth, runtime=runtime))
       for api, auth, runtime in itertools.product(("http", "rest"), ("cognito", "iam"),
                                                   ("python3.12", "java21"))]
    + [("static-site", static_site.Options(custom_domain=domain, spa=spa))
       for domain, spa in itertools.product((False, True), (False, True))]
    + [("fanout", fanout.Options(queues=queues, runtime="python3.12")) for queues in (1, 2, 10)]
)


def _id(combination) -> str:
    pattern, options = combination
    return pattern + "-" + "-".join(f"{k}={v}" for k, v in vars(options).items())


def _of(pattern: str | tuple):
    patterns = (pattern,) if isinstance(pattern, str) else pattern
    chosen = [c for c in COMBINATIONS if c[0] in patterns]
    return pytest.mark.parametrize(("pattern", "options"), chosen, ids=[_id(c) for c in chosen])


def _cidr_splits(node):
    """Every `Fn::Cidr` [block, count, bits] in the template."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Fn::Cidr":
                yield value
            yield from _cidr_splits(value)
    elif isinstance(node, list):
        for item in node:
            yield from _cidr_splits(item)


def _admitted_prefixes(parameter) -> list[int]:
    pattern = re.compile(parameter["AllowedPattern"])
    return [bits for bits in range(33) if pattern.match(f"10.0.0.0/{bits}")]


# -- network (vpc and three-tier) ---------------------------------------------------------


@_of(("vpc", "three-tier"))
def test_every_admitted_vpc_cidr_fits_every_cidr_split(pattern, options):
    template = parsed_template(pattern, options)
    prefixes = _admitted_prefixes(template["Parameters"]["VpcCidr"])
    assert prefixes and min(prefixes) == 16
    splits = list(_cidr_splits(template))
    assert splits
    for block, count, bits in splits:
        assert block == {"Fn::GetAtt": ["Vpc", "CidrBlock"]}
        for prefix in prefixes:
            assert int(count) * 2 ** int(bits) <= 2 ** (32 - prefix), (prefix, count, bits)


@_of(("vpc", "three-tier"))
def test_three_az_templates_refuse_two_az_regions_before_creating_anything(pattern, options):
    template = parsed_template(pattern, options)
    rules = template.get("Rules", {})
    if options.azs < 3:
        assert rules == {}
        return
    (assertion,) = rules["ThreeAvailabilityZones"]["Assertions"]
    assert assertion["Assert"] == {"Fn::Not": [{"Fn::Contains": [["us-west-1"], {"Ref": "AWS::Region"}]}]}
    assert "--azs 2" in assertion["AssertDescription"]


def test_azs_help_says_what_three_zones_need():
    shown = subprocess.run([sys.executable, "-m", "tmpllint", "new", "vpc", "--help"], cwd=ROOT,
                           capture_output=True, text=True, timeout=60, env={"COLUMNS": "400", "PATH": ""})
    assert "us-west-1" in shown.stdout
    assert "us-west-1" in (ROOT / "README.md").read_text()


@_of(("vpc", "three-tier"))
def test_flow_log_role_has_the_documented_permissions(pattern, options):
    role = parsed_template(pattern, options)["Resources"]["FlowLogRole"]
    granted = set()
    for policy in role["Properties"]["Policies"]:
        for statement in policy_statements(policy["PolicyDocument"]):
            granted |= statement_actions(statement)
    # docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html (CreateLogGroup is
    # not needed: the template creates the group)
    assert {"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups",
            "logs:DescribeLogStreams"} <= granted


@_of(("vpc", "three-tier"))
def test_private_subnets_reach_s3_and_dynamodb_through_gateway_endpoints(pattern, options):
    template = parsed_template(pattern, options)
    endpoints = resources_of_type(template, "AWS::EC2::VPCEndpoint")
    private_tables = {name for name, r in template["Resources"].items()
                      if r["Type"] == "AWS::EC2::RouteTable" and name != "PublicRouteTable"}
    served = {}
    for endpoint in endpoints.values():
        props = endpoint["Properties"]
        assert props["VpcEndpointType"] == "Gateway"
        service = props["ServiceName"]["Fn::Sub"].rsplit(".", 1)[1]
        served[service] = {table["Ref"] for table in props["RouteTableIds"]}
    assert served == {"s3": private_tables, "dynamodb": private_tables}


@_of(("vpc", "three-tier"))
def test_default_security_group_is_stripped(pattern, options):
    template = parsed_template(pattern, options)
    (lockdown,) = [r for r in template["Resources"].values()
                   if r["Type"] == "Custom::DefaultSecurityGroupLockdown"]
    assert lockdown["Properties"]["GroupId"] == {"Fn::GetAtt": ["Vpc", "DefaultSecurityGroup"]}
    function = template["Resources"][lockdown["Properties"]["ServiceToken"]["Fn::GetAtt"][0]]
    code = function["Properties"]["Code"]["ZipFile"]
    assert "revoke_security_group_ingress" in code and "revoke_security_group_egress" in code
    assert "cfnresponse.send" in code  # answers on failure too: no hour-long hang


@_of(("vpc", "three-tier"))
def test_network_outputs_give_what_other_stacks_need(pattern, options):
    template = parsed_template(pattern, options)
    outputs = template["Outputs"]
    tiers = ["Public", "Private"] + (["Data"] if pattern == "three-tier" or options.data_subnets else [])
    expected = {"VpcId", "VpcCidr", "PublicRouteTableId", "PrivateRouteTableIds"}
    expected |= {f"{tier}SubnetIds" for tier in tiers}
    expected |= {f"{tier}Subnet{az}Id" for tier in tiers for az in range(1, options.azs + 1)}
    expected |= {f"NatEip{az}" for az in range(1, options.azs + 1)}
    if "Data" in tiers:
        expected.add("DataRouteTableId")
    assert expected <= set(outputs)
    assert outputs["VpcCidr"]["Value"] == {"Fn::GetAtt": ["Vpc", "CidrBlock"]}
    for az in range(2, options.azs + 1):  # the extra NAT gateways exist only per AZ
        assert outputs[f"NatEip{az}"]["Condition"] == "NatPerAz"


# -- three-tier application tier ------------------------------------------------------------


@_of("three-tier")
def test_every_https_listener_forwards_to_instances_that_serve_the_health_path(pattern, options):
    template = parsed_template(pattern, options)
    resources = template["Resources"]
    listeners = [r for r in resources_of_type(template, "AWS::ElasticLoadBalancingV2::Listener").values()
                 if r["Properties"]["Protocol"] == "HTTPS"]
    assert listeners
    for listener in listeners:
        for action in listener["Properties"]["DefaultActions"]:
            group_name = action["TargetGroupArn"]["Ref"]
            group = resources[group_name]["Properties"]
            assert group["HealthCheckPath"] == {"Ref": "HealthCheckPath"}
            assert group["Port"] == {"Ref": "AppPort"}
            groups = [r for r in resources_of_type(template, "AWS::AutoScaling::AutoScalingGroup").values()
                      if {"Ref": group_name} in r["Properties"]["TargetGroupARNs"]]
            assert groups
            for asg in groups:
                template_name = asg["Properties"]["LaunchTemplate"]["LaunchTemplateId"]["Ref"]
                data = resources[template_name]["Properties"]["LaunchTemplateData"]
                script = data["UserData"]["Fn::Base64"]["Fn::Sub"]
                assert "${HealthCheckPath}" in script and "${AppPort}" in script
                assert "--resource AppAutoScalingGroup" in script and "cfn-signal" in script


@_of("three-tier")
def test_app_port_is_open_from_the_load_balancer_only(pattern, options):
    group = parsed_template(pattern, options)["Resources"]["AppSecurityGroup"]["Properties"]
    (rule,) = group["SecurityGroupIngress"]
    assert rule["FromPort"] == rule["ToPort"] == {"Ref": "AppPort"}
    assert rule["SourceSecurityGroupId"] == {"Ref": "LoadBalancerSecurityGroup"}


@_of("three-tier")
def test_auto_scaling_group_waits_signals_rolls_and_scales(pattern, options):
    template = parsed_template(pattern, options)
    asg = template["Resources"]["AppAutoScalingGroup"]
    assert asg["CreationPolicy"]["ResourceSignal"]["Count"] == int(asg["Properties"]["MinSize"])
    rolling = asg["UpdatePolicy"]["AutoScalingRollingUpdate"]
    assert rolling["WaitOnResourceSignals"] is True
    assert rolling["MinInstancesInService"] == int(asg["Properties"]["MinSize"])
    assert "DesiredCapacity" not in asg["Properties"]  # an update never resets it
    routes = {f"PrivateDefaultRoute{az}" for az in range(1, options.azs + 1)}
    assert routes <= set(asg["DependsOn"])
    policies = [p for p in resources_of_type(template, "AWS::AutoScaling::ScalingPolicy").values()
                if p["Properties"]["AutoScalingGroupName"] == {"Ref": "AppAutoScalingGroup"}]
    assert [p["Properties"]["PolicyType"] for p in policies] == ["TargetTrackingScaling"]
    assert int(asg["Properties"]["MaxSize"]) > int(asg["Properties"]["MinSize"])


@_of("three-tier")
def test_app_reads_the_database_secret_and_outputs_its_endpoints(pattern, options):
    template = parsed_template(pattern, options)
    secret = {"Fn::GetAtt": ["Database", "MasterUserSecret.SecretArn"]}
    role = template["Resources"]["AppRole"]["Properties"]
    grants = [s for p in role["Policies"] for s in policy_statements(p["PolicyDocument"])
              if "secretsmanager:GetSecretValue" in statement_actions(s)]
    assert [g["Resource"] for g in grants] == [secret]
    outputs = template["Outputs"]
    assert outputs["DatabaseEndpoint"]["Value"] == {"Fn::GetAtt": ["Database", "Endpoint.Address"]}
    assert outputs["DatabasePort"]["Value"] == {"Fn::GetAtt": ["Database", "Endpoint.Port"]}
    assert outputs["DatabaseSecretArn"]["Value"] == secret
    if options.cache:
        assert outputs["CacheEndpoint"]["Value"] == {"Fn::GetAtt": ["Cache", "PrimaryEndPoint.Address"]}
        assert "TLS" in outputs["CacheEndpoint"]["Description"]
    else:
        assert "CacheEndpoint" not in outputs


@_of("three-tier")
def test_load_balancer_log_grant_is_the_documented_one(pattern, options):
    policy = parsed_template(pattern, options)["Resources"]["AccessLogBucketPolicy"]["Properties"]["PolicyDocument"]
    (grant,) = [s for s in policy_statements(policy) if s["Effect"] == "Allow"]
    assert grant["Principal"] == {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}
    assert grant["Action"] == "s3:PutObject"
    assert "Condition" not in grant


@_of("three-tier")
def test_database_protection_is_a_parameter_that_defaults_on(pattern, options):
    template = parsed_template(pattern, options)
    assert template["Resources"]["Database"]["Properties"]["DeletionProtection"] == {
        "Ref": "DatabaseDeletionProtection"}
    parameter = template["Parameters"]["DatabaseDeletionProtection"]
    assert parameter["Default"] == "true" and "roll back" in parameter["Description"]


# -- serverless-api -----------------------------------------------------------------------------


@_of("serverless-api")
def test_rest_apis_have_what_a_fresh_account_needs(pattern, options, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    template = parsed_template(pattern, options)
    accounts = resources_of_type(template, "AWS::ApiGateway::Account")
    if options.api == "http":  # HTTP API access logs need no account role
        assert accounts == {}
        return
    (account,) = accounts.values()
    role = template["Resources"][account["Properties"]["CloudWatchRoleArn"]["Fn::GetAtt"][0]]
    (trust,) = policy_statements(role["Properties"]["AssumeRolePolicyDocument"])
    assert trust["Principal"] == {"Service": "apigateway.amazonaws.com"}
    assert any("AmazonAPIGatewayPushToCloudWatchLogs" in arn["Fn::Sub"]
               for arn in role["Properties"]["ManagedPolicyArns"])
    assert account["Condition"] == role["Condition"] == "CreateAccountRole"
    assert template["Parameters"]["CreateApiGatewayAccountRole"]["Default"] == "true"
    # the API is created after the account setting: through a handle that names it
    handle = template["Resources"][template["Resources"]["Api"]["DependsOn"]]
    assert handle["Metadata"]["AccountSettings"]["Fn::If"][1] == {"Ref": "ApiGatewayAccount"}
    transformed = sam_transformed(pattern, options)
    stages = [r["Properties"]["StageName"] for r in transformed["Resources"].values()
              if r["Type"] == "AWS::ApiGateway::Stage"]
    assert stages == ["prod"]  # no implicit "Stage" stage without logs or tracing
    (rest_api,) = [name for name, r in transformed["Resources"].items() if r["Type"] == "AWS::ApiGateway::RestApi"]
    assert transformed["Resources"][rest_api]["DependsOn"] == "ApiGatewayAccountReady"


@_of("serverless-api")
def test_browsers_pass_preflight_on_both_api_types(pattern, options, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    template = parsed_template(pattern, options)
    api = template["Resources"]["Api"]["Properties"]
    assert "AllowedOrigin" in template["Parameters"]
    if options.api == "http":
        assert api["CorsConfiguration"]["AllowOrigins"] == [{"Ref": "AllowedOrigin"}]
        assert "authorization" in api["CorsConfiguration"]["AllowHeaders"]
        return
    assert "Cors" not in api  # SAM nests its OPTIONS header schemas under OpenApiVersion 3
    for kind in ("DEFAULT_4XX", "DEFAULT_5XX"):
        headers = api["GatewayResponses"][kind]["ResponseParameters"]["Headers"]
        assert headers["Access-Control-Allow-Origin"] == {"Fn::Sub": "'${AllowedOrigin}'"}
    transformed = sam_transformed(pattern, options)
    (rest_api,) = [r for r in transformed["Resources"].values() if r["Type"] == "AWS::ApiGateway::RestApi"]
    for path, methods in rest_api["Properties"]["Body"]["paths"].items():
        assert "options" in methods, path
        preflight = methods["options"]
        assert preflight.get("security") in (None, [{"NONE": []}]), "preflight carries no credentials"
        assert "Preflight.Arn" in preflight["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
        assert all(methods[m].get("security") not in (None, [{"NONE": []}]) for m in methods if m != "options")
        for method in methods.values():  # no schema: {schema: ...} from SAM's passes
            for response in method.get("responses", {}).values():
                for header in response.get("headers", {}).values():
                    assert "schema" not in header.get("schema", {}), (path, header)
    function = template["Resources"]["Preflight"]["Properties"]
    assert function["Environment"]["Variables"]["ALLOWED_ORIGIN"] == {"Ref": "AllowedOrigin"}
    assert "Access-Control-Allow-Origin" in function["InlineCode"]


@_of("serverless-api")
def test_user_pool_admits_only_users_an_administrator_creates(pattern, options):
    pools = resources_of_type(parsed_template(pattern, options), "AWS::Cognito::UserPool")
    assert len(pools) == (options.auth == "cognito")
    for pool in pools.values():
        assert pool["Properties"]["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True


@_of(("serverless-api", "fanout"))
def test_the_template_states_the_code_folders_it_expects(pattern, options):
    text = render(pattern, options)
    folders = [r["Properties"]["CodeUri"] for r in parsed_template(pattern, options)["Resources"].values()
               if r["Type"] == "AWS::Serverless::Function" and "CodeUri" in r["Properties"]]
    (comment,) = [line for line in text.splitlines() if line.strip().startswith("# Code:")]
    assert folders and all(folder in comment for folder in folders)


# -- static-site ----------------------------------------------------------------------------------


@_of("static-site")
def test_tls_claims_are_true(pattern, options):
    template = parsed_template(pattern, options)
    config = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    claims_tls12 = "TLS 1.2" in template["Description"]
    if options.custom_domain:
        assert config["ViewerCertificate"]["MinimumProtocolVersion"].startswith("TLSv1.2")
    else:
        assert config["ViewerCertificate"] == {"CloudFrontDefaultCertificate": True}
    assert claims_tls12 == options.custom_domain


@_of("static-site")
def test_custom_domain_gets_its_dns_records_and_the_distribution_name_stays_an_output(pattern, options):
    template = parsed_template(pattern, options)
    records = resources_of_type(template, "AWS::Route53::RecordSet")
    assert template["Outputs"]["DistributionDomainName"]["Value"] == {
        "Fn::GetAtt": ["Distribution", "DomainName"]}
    if not options.custom_domain:
        assert records == {} and "HostedZoneId" not in template["Parameters"]
        return
    assert template["Parameters"]["HostedZoneId"]["Type"] == "AWS::Route53::HostedZone::Id"
    assert sorted(r["Properties"]["Type"] for r in records.values()) == ["A", "AAAA"]
    for record in records.values():
        props = record["Properties"]
        assert props["HostedZoneId"] == {"Ref": "HostedZoneId"} and props["Name"] == {"Ref": "DomainName"}
        assert props["AliasTarget"]["DNSName"] == {"Fn::GetAtt": ["Distribution", "DomainName"]}
        assert props["AliasTarget"]["HostedZoneId"] == static_site.CLOUDFRONT_ZONE


@_of("static-site")
def test_missing_files_answer_404_and_errors_have_pages(pattern, options):
    template = parsed_template(pattern, options)
    policy = template["Resources"]["SiteBucketPolicy"]["Properties"]["PolicyDocument"]
    grants = {s["Action"]: s for s in policy_statements(policy) if s["Effect"] == "Allow"}
    assert set(grants) == {"s3:GetObject", "s3:ListBucket"}
    assert grants["s3:ListBucket"]["Resource"] == {"Fn::GetAtt": ["SiteBucket", "Arn"]}
    for grant in grants.values():
        assert grant["Principal"] == {"Service": "cloudfront.amazonaws.com"}
        assert "aws:SourceArn" in grant["Condition"]["StringEquals"]
    config = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    errors = {e["ErrorCode"]: (e["ResponseCode"], e["ResponsePagePath"]) for e in config["CustomErrorResponses"]}
    if options.spa:
        assert errors == {403: (200, "/index.html"), 404: (200, "/index.html")}
    else:
        assert errors == {404: (404, "/404.html")}
        (association,) = config["DefaultCacheBehavior"]["FunctionAssociations"]
        assert association["EventType"] == "viewer-request"


@_of("static-site")
def test_responses_carry_hsts_and_the_site_answers_over_ipv6(pattern, options):
    template = parsed_template(pattern, options)
    config = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    assert config["IPV6Enabled"] is True
    policy = template["Resources"][config["DefaultCacheBehavior"]["ResponseHeadersPolicyId"]["Ref"]]
    hsts = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]["StrictTransportSecurity"]
    assert hsts["AccessControlMaxAgeSec"] >= 31536000


# -- fanout ---------------------------------------------------------------------------------------


@_of("fanout")
def test_publishers_and_consumers_get_what_they_need_from_the_outputs(pattern, options):
    outputs = parsed_template(pattern, options)["Outputs"]
    assert outputs["TopicKeyArn"]["Value"] == {"Fn::GetAtt": ["TopicKey", "Arn"]}
    for number in range(1, options.queues + 1):
        for queue in (f"Queue{number}", f"Queue{number}DeadLetters"):
            assert outputs[f"{queue}Url"]["Value"] == {"Ref": queue}
            assert outputs[f"{queue}Arn"]["Value"] == {"Fn::GetAtt": [queue, "Arn"]}


@_of("fanout")
def test_every_queue_alarms_on_dead_letters_and_message_age(pattern, options):
    template = parsed_template(pattern, options)
    watched = {(a["Properties"]["MetricName"], a["Properties"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0])
               for a in resources_of_type(template, "AWS::CloudWatch::Alarm").values()
               if a["Properties"]["AlarmActions"]}
    for number in range(1, options.queues + 1):
        assert ("ApproximateNumberOfMessagesVisible", f"Queue{number}DeadLetters") in watched
        assert ("ApproximateAgeOfOldestMessage", f"Queue{number}") in watched


@_of("fanout")
def test_key_admits_aws_service_publishers_of_this_account(pattern, options):
    """EventBridge and S3 must be admitted without an aws:SourceAccount condition: their
    KMS requests for SNS delivery do not carry the key, so the condition would drop
    every event. CloudWatch alarms carry it, and keep it."""
    key = parsed_template(pattern, options)["Resources"]["TopicKey"]["Properties"]["KeyPolicy"]
    admitted = {}
    for statement in policy_statements(key):
        services = statement.get("Principal", {}).get("Service", [])
        services = [services] if isinstance(services, (str, dict)) else services
        if {"kms:GenerateDataKey", "kms:Decrypt"} <= statement_actions(statement) and all(
                isinstance(service, str) for service in services):  # not logs.${AWS::Region}
            source = statement.get("Condition", {}).get("StringEquals", {}).get("aws:SourceAccount")
            admitted.update({service: source for service in services})
    assert admitted["events.amazonaws.com"] is None
    assert admitted["s3.amazonaws.com"] is None
    assert admitted["cloudwatch.amazonaws.com"] == {"Ref": "AWS::AccountId"}


@pytest.mark.parametrize(("pattern", "options"), COMBINATIONS, ids=[_id(c) for c in COMBINATIONS])
def test_templates_share_no_nodes_through_yaml_aliases(pattern, options):
    """A node built once and used twice is written as an anchor and alias: readers of the
    template (and some tools) expect every statement spelled out."""
    assert not re.search(r"[&*]id\d{3}", render(pattern, options))
