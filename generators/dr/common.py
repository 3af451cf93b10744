"""What the dr templates share: ARN parameters, customer managed keys, the Route 53 record
and health check of a site, and the application stack the replica strategies reuse."""

from __future__ import annotations

from tmpllint.generators import three_tier
from tmpllint.yamlio import comment_before, get_att, mapping, ref, sub

APP = three_tier.Options(azs=2, db_engine="postgres")
ARN = r"arn:aws[a-z-]*"


def arn_parameter(description: str, service_pattern: str, example: str) -> dict:
    return mapping(Type="String", AllowedPattern=f"^{ARN}:{service_pattern}$",
                   ConstraintDescription=example, Description=description)


def key(description: str, statements: list | None = None) -> dict:
    """A rotated, retained KMS key administered by the account (IAM policies grant its use)."""
    account = mapping(AWS=sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root"))
    return mapping(
        Type="AWS::KMS::Key", DeletionPolicy="Retain", UpdateReplacePolicy="Retain",
        Properties=mapping(Description=sub(description), EnableKeyRotation=True, KeyPolicy=mapping(
            Version="2012-10-17", Statement=[mapping(
                Sid="AccountAdministersTheKey", Effect="Allow", Principal=account,
                Action="kms:*", Resource="*")] + (statements or []))))


def dns(params: dict, res: dict, outs: dict, strategy: str, site: str) -> None:
    params["DomainName"] = mapping(
        Type="String", AllowedPattern=r"^([a-z0-9-]+\.)+[a-z]{2,}$",
        ConstraintDescription="a lower-case DNS name such as app.example.com",
        Description="Name clients use; the same in both regions (the certificates must cover it).")
    params["HostedZoneId"] = mapping(Type="AWS::Route53::HostedZone::Id",
                                     Description="Public hosted zone of DomainName.")
    res["HealthCheck"] = mapping(Type="AWS::Route53::HealthCheck", Properties=mapping(HealthCheckConfig=mapping(
        Type="HTTPS", FullyQualifiedDomainName=get_att("LoadBalancer.DNSName"), Port=443,
        ResourcePath=ref("HealthCheckPath"), EnableSNI=True, RequestInterval=30, FailureThreshold=3),
        HealthCheckTags=[mapping(Key="Name", Value=sub("${AWS::StackName} ${AWS::Region}"))]))
    record = mapping(
        Type="AWS::Route53::RecordSet", Properties=mapping(
            HostedZoneId=ref("HostedZoneId"), Name=ref("DomainName"), Type="A",
            SetIdentifier=sub(f"${{AWS::StackName}}-{site}"), HealthCheckId=ref("HealthCheck"),
            AliasTarget=mapping(DNSName=get_att("LoadBalancer.DNSName"),
                                HostedZoneId=get_att("LoadBalancer.CanonicalHostedZoneID"),
                                EvaluateTargetHealth=True)))
    if strategy == "multi-site":
        record["Properties"]["Region"] = ref("AWS::Region")
        why = ("Latency record with a health check: clients go to the nearest healthy region, "
               "both serve (000:886, 000:899 automatic failover)")
    else:
        record["Properties"]["Failover"] = "PRIMARY" if site == "primary" else "SECONDARY"
        why = ("Failover record (000:856 \"Route 53 failover\"): Route 53 answers with the "
               "primary while its health check passes, else with the recovery site")
    res["DnsRecord"] = record
    comment_before(res, "HealthCheck", why, 2)
    outs["HealthCheckId"] = mapping(Value=ref("HealthCheck"))
