"""The internet-facing HTTPS Application Load Balancer the patterns built on the `vpc`
layout share (three-tier, ecs-fargate): its parameters, its security group, the access
log bucket with the documented delivery policy, the load balancer in the public subnets,
the HTTPS listener (ACM certificate, TLS 1.2+) and the HTTP listener that only redirects.

The functions add resources to the template's `Resources` mapping they are given, so
the comments above them stay (a comment attached in another mapping is lost by `update`).

Notes: 002:158-168 (ALB, HTTPS listener, HTTP redirect), 001:2300 (access logs).
"""

from __future__ import annotations

from tmpllint.generators.blocks import log_bucket, retention_parameter, tls_only
from tmpllint.yamlio import comment_before, mapping, ref, sub

#: The listener policy: TLS 1.3 and 1.2 only (ELB's recommended policy).
SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"


def certificate_parameter() -> dict:
    """`CertificateArn`: the ACM certificate of the HTTPS listener, in the stack's region."""
    return mapping(
        Type="String", AllowedPattern=r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]+$",
        ConstraintDescription="an ACM certificate ARN in this region",
        Description="ACM certificate of the HTTPS listener.")


def access_log_retention_parameter() -> dict:
    """`AccessLogRetentionDays`: how long the access log bucket keeps the logs."""
    return retention_parameter("Days the load balancer access logs are kept.", 365, (90, 365, 731))


def security_group(description: str, rules: list) -> dict:
    """A security group of the template's VPC (`Vpc`) admitting `rules` only."""
    return mapping(Type="AWS::EC2::SecurityGroup", Properties=mapping(
        GroupDescription=description, VpcId=ref("Vpc"), SecurityGroupIngress=rules))


def load_balancer_security_group() -> dict:
    """HTTPS from anywhere, and HTTP, which the redirect listener answers."""
    return security_group("HTTPS (and HTTP, redirected) from anywhere", [
        mapping(IpProtocol="tcp", FromPort=443, ToPort=443, CidrIp="0.0.0.0/0",
                Description="HTTPS from anywhere"),
        mapping(IpProtocol="tcp", FromPort=80, ToPort=80, CidrIp="0.0.0.0/0",
                Description="HTTP from anywhere, only redirected to HTTPS")])


def targets_security_group(description: str, port_parameter: str, rule_description: str) -> dict:
    """The targets' security group: the port of `port_parameter`, from the load balancer only."""
    return security_group(description, [
        mapping(IpProtocol="tcp", FromPort=ref(port_parameter), ToPort=ref(port_parameter),
                SourceSecurityGroupId=ref("LoadBalancerSecurityGroup"), Description=rule_description)])


def add_load_balancer(res, subnets: list) -> None:
    """`AccessLogBucket`, `AccessLogBucketPolicy` and `LoadBalancer` (security group
    `LoadBalancerSecurityGroup`, parameter `AccessLogRetentionDays`) into `res`."""
    res["AccessLogBucket"] = log_bucket("ELB access logs can only be delivered to SSE-S3 buckets",
                                        "AccessLogRetentionDays")
    comment_before(res, "AccessLogBucket", "Load balancer access logs (001:2300)", 2)
    res["AccessLogBucketPolicy"] = mapping(Type="AWS::S3::BucketPolicy", Properties=mapping(
        Bucket=ref("AccessLogBucket"), PolicyDocument=mapping(Version="2012-10-17", Statement=[
            tls_only("AccessLogBucket"),
            mapping(Sid="LoadBalancerDelivers", Effect="Allow",
                    Principal=mapping(Service="logdelivery.elasticloadbalancing.amazonaws.com"),
                    Action="s3:PutObject",
                    Resource=sub("${AccessLogBucket.Arn}/alb/AWSLogs/${AWS::AccountId}/*")),
        ])))
    comment_before(res, "AccessLogBucketPolicy", "The statement of the ALB documentation "
                   "(elasticloadbalancing/latest/application/enable-access-logging.html): no "
                   "condition, the resource path names the account", 2)
    res["LoadBalancer"] = mapping(Type="AWS::ElasticLoadBalancingV2::LoadBalancer",
                                  DependsOn="AccessLogBucketPolicy", Properties=mapping(
        Type="application", Scheme="internet-facing", Subnets=subnets,
        SecurityGroups=[ref("LoadBalancerSecurityGroup")],
        LoadBalancerAttributes=[
            mapping(Key="access_logs.s3.enabled", Value="true"),
            mapping(Key="access_logs.s3.bucket", Value=ref("AccessLogBucket")),
            mapping(Key="access_logs.s3.prefix", Value="alb"),
            mapping(Key="routing.http.drop_invalid_header_fields.enabled", Value="true")]))
    comment_before(res, "LoadBalancer", "Web tier: internet-facing ALB in the public subnets "
                   "(002:158-168)", 2)


def add_listeners(res, target_group: str) -> None:
    """`HttpsListener` (certificate `CertificateArn`, TLS 1.2+) forwarding to
    `target_group`, and `HttpRedirectListener`, into `res`."""
    res["HttpsListener"] = mapping(Type="AWS::ElasticLoadBalancingV2::Listener", Properties=mapping(
        LoadBalancerArn=ref("LoadBalancer"), Protocol="HTTPS", Port=443,
        SslPolicy=SSL_POLICY,
        Certificates=[mapping(CertificateArn=ref("CertificateArn"))],
        DefaultActions=[mapping(Type="forward", TargetGroupArn=ref(target_group))]))
    res["HttpRedirectListener"] = mapping(Type="AWS::ElasticLoadBalancingV2::Listener", Properties=mapping(
        LoadBalancerArn=ref("LoadBalancer"), Protocol="HTTP", Port=80,
        DefaultActions=[mapping(Type="redirect", RedirectConfig=mapping(
            Protocol="HTTPS", Port="443", StatusCode="HTTP_301"))]))
    comment_before(res, "HttpRedirectListener", "HTTP only redirects to HTTPS (002:168)", 2)
