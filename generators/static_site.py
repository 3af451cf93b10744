"""`tmpllint new static-site`: a private S3 bucket served by CloudFront through Origin
Access Control, HTTPS only, security headers (HSTS), IPv6, access logs, 404s for missing
files (or a single-page application's fallback) and an optional custom domain with its
Route 53 records.

Notes: 001:1051 (Origin Access Control), 002:467 (static websites on S3),
004:6937-7051 (CloudFront in front of S3).
"""

from __future__ import annotations

from dataclasses import dataclass

from ruamel.yaml.scalarstring import LiteralScalarString

from tmpllint.generators.blocks import (ignore, interface, log_bucket, private_bucket, retention_parameter,
                                        server_access_logs, tls_only)
from tmpllint.yamlio import comment_before, get_att, mapping, ref, sub

NAME = "static-site"
SUMMARY = "Private S3 bucket behind CloudFront with OAC, HTTPS only, access logs, custom domain"
SEEDS = ("001:1051", "002:467", "004:6937-7051")
#: AWS managed cache policy "CachingOptimized".
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
#: The hosted zone of every CloudFront distribution, for Route 53 alias records.
CLOUDFRONT_ZONE = "Z2FDTNDATAQYW2"
#: Viewer-request function: `/docs/` and `/docs` serve `/docs/index.html` (S3 REST origins
#: have no index documents below the root).
INDEX_FUNCTION = """\
function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.endsWith('/')) {
    request.uri += 'index.html';
  } else if (!uri.split('/').pop().includes('.')) {
    request.uri += '/index.html';
  }
  return request;
}
"""


@dataclass(frozen=True)
class Options:
    custom_domain: bool = False
    spa: bool = False

    def validate(self) -> None:
        return None


def build(options: Options):
    options.validate()
    params = mapping()
    if options.custom_domain:
        params["DomainName"] = mapping(
            Type="String", AllowedPattern=r"^([a-z0-9-]+\.)+[a-z]{2,}$",
            ConstraintDescription="a lower-case domain name such as www.example.com",
            Description="The site's domain name (its DNS record points at the distribution).")
        params["CertificateArn"] = mapping(
            Type="String",
            AllowedPattern=r"^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate/[0-9a-f-]+$",
            ConstraintDescription="an ACM certificate ARN in us-east-1",
            Description="ACM certificate for DomainName; CloudFront needs it in us-east-1.")
        params["HostedZoneId"] = mapping(
            Type="AWS::Route53::HostedZone::Id",
            Description="Route 53 hosted zone of DomainName; the stack adds its A and AAAA alias records.")
    params["LogRetentionDays"] = retention_parameter("Days the access logs are kept.", 365, (90, 365, 731))
    res = mapping()
    res["LogBucket"] = log_bucket("CloudFront standard logs cannot be delivered to an SSE-KMS "
                                  "bucket, so this bucket keeps the default SSE-S3 encryption",
                                  "LogRetentionDays", ownership="BucketOwnerPreferred")
    comment_before(res, "LogBucket", "Access logs of the site bucket and the distribution "
                   "(001:990-991). CloudFront writes with an ACL grant, hence "
                   "BucketOwnerPreferred here.", 2)
    res["LogBucketPolicy"] = mapping(Type="AWS::S3::BucketPolicy", Properties=mapping(
        Bucket=ref("LogBucket"), PolicyDocument=mapping(Version="2012-10-17", Statement=[
            tls_only("LogBucket"),
            server_access_logs("LogBucket"),
        ])))
    res["SiteBucket"] = mapping(
        Type="AWS::S3::Bucket", DeletionPolicy="Retain", UpdateReplacePolicy="Retain",
        Metadata=ignore("I9110", "the site's files are served to everyone, so a customer "
                                  "managed key adds no confidentiality; SSE-S3 applies"),
        Properties=private_bucket(
            OwnershipControls=mapping(Rules=[mapping(ObjectOwnership="BucketOwnerEnforced")]),
            LoggingConfiguration=mapping(DestinationBucketName=ref("LogBucket"), LogFilePrefix="s3/")))
    comment_before(res, "SiteBucket", "The site's files: private, versioned, readable only by the "
                   "distribution (001:1051)", 2)
    res["OriginAccessControl"] = mapping(Type="AWS::CloudFront::OriginAccessControl", Properties=mapping(
        OriginAccessControlConfig=mapping(Name=sub("${AWS::StackName}-site"), OriginAccessControlOriginType="s3",
                                          SigningBehavior="always", SigningProtocol="sigv4")))
    def this_distribution():
        return mapping(StringEquals=mapping(("aws:SourceArn", sub(
            "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Distribution}"))))
    res["SiteBucketPolicy"] = mapping(Type="AWS::S3::BucketPolicy", Properties=mapping(
        Bucket=ref("SiteBucket"), PolicyDocument=mapping(Version="2012-10-17", Statement=[
            tls_only("SiteBucket"),
            mapping(Sid="CloudFrontReads", Effect="Allow",
                    Principal=mapping(Service="cloudfront.amazonaws.com"), Action="s3:GetObject",
                    Resource=sub("${SiteBucket.Arn}/*"), Condition=this_distribution()),
            mapping(Sid="CloudFrontLists", Effect="Allow",
                    Principal=mapping(Service="cloudfront.amazonaws.com"), Action="s3:ListBucket",
                    Resource=get_att("SiteBucket.Arn"), Condition=this_distribution()),
        ])))
    comment_before(res, "SiteBucketPolicy", "s3:ListBucket lets S3 answer 404 (not 403) for a "
                   "missing file, as the OAC documentation describes (the cache policy forwards no "
                   "query string, so viewers cannot list the bucket)", 2)
    res["SecurityHeaders"] = mapping(Type="AWS::CloudFront::ResponseHeadersPolicy", Properties=mapping(
        ResponseHeadersPolicyConfig=mapping(
            Name=sub("${AWS::StackName}-security-headers"),
            Comment="HSTS, nosniff, no framing, strict referrer",
            SecurityHeadersConfig=mapping(
                StrictTransportSecurity=mapping(AccessControlMaxAgeSec=63072000, IncludeSubdomains=False,
                                                Preload=False, Override=True),
                ContentTypeOptions=mapping(Override=True),
                FrameOptions=mapping(FrameOption="DENY", Override=True),
                ReferrerPolicy=mapping(ReferrerPolicy="strict-origin-when-cross-origin", Override=True)))))
    comment_before(res, "SecurityHeaders", "Security headers on every response: HSTS for two years "
                   "(add includeSubDomains and preload once every subdomain serves HTTPS)", 2)
    if not options.spa:
        res["IndexDocuments"] = mapping(Type="AWS::CloudFront::Function", Properties=mapping(
            Name=sub("${AWS::StackName}-index-documents"), AutoPublish=True,
            FunctionConfig=mapping(Comment="Serve index.html for folder paths", Runtime="cloudfront-js-2.0"),
            FunctionCode=LiteralScalarString(INDEX_FUNCTION)))
        comment_before(res, "IndexDocuments", "Sub-folder index documents: /docs/ serves "
                       "/docs/index.html", 2)
    config = mapping(
        Enabled=True, Comment=sub("${AWS::StackName} static site"), DefaultRootObject="index.html",
        HttpVersion="http2and3", IPV6Enabled=True, PriceClass="PriceClass_100",
        Origins=[mapping(Id="site", DomainName=get_att("SiteBucket.RegionalDomainName"),
                         OriginAccessControlId=get_att("OriginAccessControl.Id"),
                         S3OriginConfig=mapping(OriginAccessIdentity=""))],
        DefaultCacheBehavior=mapping(TargetOriginId="site", ViewerProtocolPolicy="redirect-to-https",
                                     CachePolicyId=CACHING_OPTIMIZED, Compress=True,
                                     ResponseHeadersPolicyId=ref("SecurityHeaders")),
        CustomErrorResponses=[
            mapping(ErrorCode=code, ResponseCode=200, ResponsePagePath="/index.html", ErrorCachingMinTTL=10)
            for code in (403, 404)] if options.spa else [
            mapping(ErrorCode=404, ResponseCode=404, ResponsePagePath="/404.html", ErrorCachingMinTTL=60)],
        Logging=mapping(Bucket=get_att("LogBucket.RegionalDomainName"), Prefix="cloudfront/"))
    if not options.spa:
        config["DefaultCacheBehavior"]["FunctionAssociations"] = [mapping(
            EventType="viewer-request", FunctionARN=get_att("IndexDocuments.FunctionMetadata.FunctionARN"))]
    if options.custom_domain:
        config["Aliases"] = [ref("DomainName")]
        config["ViewerCertificate"] = mapping(AcmCertificateArn=ref("CertificateArn"),
                                              SslSupportMethod="sni-only",
                                              MinimumProtocolVersion="TLSv1.2_2021")
    else:
        config["ViewerCertificate"] = mapping(CloudFrontDefaultCertificate=True)
    res["Distribution"] = mapping(Type="AWS::CloudFront::Distribution",
                                  Properties=mapping(DistributionConfig=config))
    comment_before(res, "Distribution", "HTTPS only (HTTP redirects) over IPv4 and IPv6 (002:738, "
                   "004:6937-7051); " + ("TLS 1.2 minimum with the custom domain's certificate"
                                         if options.custom_domain else
                   "the default *.cloudfront.net certificate, whose viewer policy CloudFront fixes "
                   "at TLSv1: a TLS 1.2 minimum needs --custom-domain") + "; " + (
                   "single-page application: unknown paths serve /index.html"
                   if options.spa else "missing files answer 404 with /404.html"), 2)
    if options.custom_domain:
        for record, kind in (("SiteRecordIpv4", "A"), ("SiteRecordIpv6", "AAAA")):
            res[record] = mapping(Type="AWS::Route53::RecordSet", Properties=mapping(
                HostedZoneId=ref("HostedZoneId"), Name=ref("DomainName"), Type=kind,
                AliasTarget=mapping(DNSName=get_att("Distribution.DomainName"),
                                    HostedZoneId=CLOUDFRONT_ZONE, EvaluateTargetHealth=False)))
        comment_before(res, "SiteRecordIpv4", "DomainName points at the distribution (alias records: "
                       "IPv4 and IPv6)", 2)
    template = mapping(
        AWSTemplateFormatVersion="2010-09-09",
        Description="Static site: private S3 bucket behind CloudFront with Origin Access Control, "
                    "HTTPS only"
                    f"{' (TLS 1.2+) on a custom domain' if options.custom_domain else ''}"
                    f"{', single-page application' if options.spa else ''} "
                    "(generated by tmpllint new static-site)",
        Metadata=interface(("Site", (["DomainName", "CertificateArn", "HostedZoneId"]
                                     if options.custom_domain else []) + ["LogRetentionDays"])),
        Parameters=params,
        Resources=res,
        Outputs=mapping(
            SiteUrl=mapping(Value=sub("https://${DomainName}" if options.custom_domain
                                      else "https://${Distribution.DomainName}")),
            DistributionId=mapping(Value=ref("Distribution")),
            DistributionDomainName=mapping(
                Description="The distribution's own name (*.cloudfront.net): DNS of the site points here",
                Value=get_att("Distribution.DomainName")),
            SiteBucketName=mapping(Value=ref("SiteBucket"),
                                   Export=mapping(Name=sub("${AWS::StackName}-SiteBucket")))),
    )
    return template
