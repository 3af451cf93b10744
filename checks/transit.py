"""Family 2 (`92xx`): encryption in transit (RULES.md §2).

Listener, distribution and cache rules are schema rules (`checks/schemas/`). W9204 is
cross-resource, a bucket and the bucket policies that target it, so it is a `match`
rule over the template.
"""

from __future__ import annotations

from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from tmpllint.checks.base import (
    Documented,
    ResourceSchemaRule,
    literal_values,
    parameter,
    properties,
    references_in,
    resources_of,
)


class LoadBalancerHttps(Documented, ResourceSchemaRule):
    id = "W9201"
    shortdesc = "Load balancers serve HTTPS"
    description = (
        "Flags an `AWS::ElasticLoadBalancingV2::Listener` with `Protocol: HTTP` whose "
        "default actions do not redirect to HTTPS, and an HTTP listener of a classic "
        "`AWS::ElasticLoadBalancing::LoadBalancer` (which cannot redirect). An HTTP "
        "listener whose default action is `redirect` with `Protocol: HTTPS` passes."
    )
    why = (
        "Plain HTTP sends cookies, tokens and form data readable by anyone on the path. "
        "The notes: the load balancer terminates TLS with an ACM certificate and "
        "redirects HTTP to HTTPS."
    )
    seeds = ("002:158", "002:168", "002:201-205")
    source_url = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-listeners.html"
    tags = ["transit", "elb"]
    resource_types = ("AWS::ElasticLoadBalancingV2::Listener", "AWS::ElasticLoadBalancing::LoadBalancer")
    schema_file = "lb_https.json"
    example_fail = (
        "Http:\n  Type: AWS::ElasticLoadBalancingV2::Listener\n  Properties:\n    Protocol: HTTP\n"
        "    Port: 80\n    DefaultActions: [{Type: forward, TargetGroupArn: !Ref Web}]\n"
    )
    example_pass = (
        "Http:\n  Type: AWS::ElasticLoadBalancingV2::Listener\n  Properties:\n    Protocol: HTTP\n"
        "    Port: 80\n    DefaultActions:\n      - Type: redirect\n"
        "        RedirectConfig: {Protocol: HTTPS, Port: '443', StatusCode: HTTP_301}\n"
    )

    def message(self, instance: Any, err) -> str:
        if instance["Type"] == "AWS::ElasticLoadBalancing::LoadBalancer":
            return (f"Classic load balancer listens on plain HTTP{self.scenario}; use an "
                    "HTTPS listener (or an ALB that redirects HTTP to HTTPS).")
        return (f"HTTP listener serves traffic unencrypted{self.scenario}; make its default "
                "action a redirect to HTTPS and serve from an HTTPS listener.")


class ModernTlsPolicy(Documented, ResourceSchemaRule):
    id = "W9202"
    shortdesc = "TLS listeners and custom domains use a TLS 1.2+ policy"
    description = (
        "Flags an ELBv2 `HTTPS` or `TLS` listener whose `SslPolicy` is missing or not a "
        "TLS 1.2+ policy. Without `SslPolicy`, CloudFormation applies "
        "`ELBSecurityPolicy-2016-08`, which accepts TLS 1.0 and 1.1; so do "
        "`ELBSecurityPolicy-TLS-1-1-2017-01`, `ELBSecurityPolicy-FS-2018-06`, "
        "`-TLS13-1-0-`/`-TLS13-1-1-` and older policies. Passing: the ELB documentation's "
        "`ELBSecurityPolicy-TLS13-1-2-*`, `-TLS13-1-3-*` (FIPS and post-quantum variants "
        "included), `-FS-1-2-*` and `-TLS-1-2-*` policies. Also flags an "
        "`AWS::ApiGateway::DomainName`, or a SAM `AWS::Serverless::Api` `Domain`, whose "
        "`SecurityPolicy` is missing or `TLS_1_0` (REST API custom domains default to "
        "TLS 1.0)."
    )
    why = (
        "TLS 1.0 and 1.1 are deprecated (RFC 8996) and fail PCI DSS; a TLS 1.2+ policy "
        "drops them and their weak ciphers. ELB and API Gateway still default to the old "
        "policies when a template names none."
    )
    seeds = ("002:201-214",)
    source_url = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html"
    tags = ["transit", "elb", "apigateway", "tls"]
    resource_types = ("AWS::ElasticLoadBalancingV2::Listener", "AWS::ApiGateway::DomainName",
                      "AWS::Serverless::Api")
    schema_file = "tls_policy.json"
    example_fail = "Https:\n  Type: AWS::ElasticLoadBalancingV2::Listener\n  Properties:\n    Protocol: HTTPS\n    SslPolicy: ELBSecurityPolicy-2016-08\n"
    example_pass = "Https:\n  Type: AWS::ElasticLoadBalancingV2::Listener\n  Properties:\n    Protocol: HTTPS\n    SslPolicy: ELBSecurityPolicy-TLS13-1-2-2021-06\n"

    def message(self, instance: Any, err) -> str:
        if instance["Type"] == "AWS::ElasticLoadBalancingV2::Listener":
            return (f"TLS listener accepts TLS versions below 1.2{self.scenario}; set "
                    "SslPolicy to ELBSecurityPolicy-TLS13-1-2-2021-06 or another TLS 1.2+ policy.")
        return (f"Custom domain accepts TLS 1.0{self.scenario}; set SecurityPolicy: TLS_1_2.")


class CloudFrontHttps(Documented, ResourceSchemaRule):
    id = "W9203"
    shortdesc = "CloudFront requires HTTPS"
    description = (
        "Flags an `AWS::CloudFront::Distribution` whose default cache behavior or any "
        "cache behavior has `ViewerProtocolPolicy: allow-all`, and one with a custom "
        "certificate (`AcmCertificateArn` or `IamCertificateId`) whose "
        "`MinimumProtocolVersion` is missing (CloudFormation's default is `TLSv1`) or "
        "older than `TLSv1.2_2019`. Distributions on the default `*.cloudfront.net` "
        "certificate cannot choose a minimum and are not flagged for it."
    )
    why = (
        "`allow-all` serves the site over plain HTTP to anyone who asks; "
        "`redirect-to-https` or `https-only` keeps viewers on TLS. ACM certificates give "
        "CloudFront distributions in-flight encryption for free."
    )
    seeds = ("001:2498", "001:2504", "002:740-741")
    source_url = "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-https-viewers-to-cloudfront.html"
    tags = ["transit", "cloudfront", "tls"]
    resource_types = ("AWS::CloudFront::Distribution",)
    schema_file = "cloudfront_https.json"
    example_fail = "DefaultCacheBehavior:\n  ViewerProtocolPolicy: allow-all\n"
    example_pass = (
        "DefaultCacheBehavior:\n  ViewerProtocolPolicy: redirect-to-https\nViewerCertificate:\n"
        "  AcmCertificateArn: !Ref Certificate\n  SslSupportMethod: sni-only\n"
        "  MinimumProtocolVersion: TLSv1.2_2021\n"
    )

    def message(self, instance: Any, err) -> str:
        if "ViewerCertificate" in err.path:
            return (f"CloudFront accepts TLS below 1.2 with its custom certificate{self.scenario}; "
                    "set MinimumProtocolVersion: TLSv1.2_2021.")
        return (f"CloudFront cache behavior allows plain HTTP{self.scenario}; set "
                "ViewerProtocolPolicy: redirect-to-https or https-only.")


class BucketRequiresTls(Documented, CloudFormationLintRule):
    id = "W9204"
    shortdesc = "S3 buckets refuse plain HTTP"
    description = (
        "Flags an `AWS::S3::Bucket` that no `AWS::S3::BucketPolicy` in the template "
        "protects with a `Deny` statement on the condition `aws:SecureTransport: false`. "
        "A bucket policy targets a bucket through `Bucket: !Ref B`, a `!Sub`, or the "
        "bucket's literal `BucketName`. A bucket policy for a bucket the template does not "
        "declare (an import, a parameter, a literal name) is judged itself: it replaces that "
        "bucket's whole policy, so it must carry the Deny. A statement that *allows* on "
        "`aws:SecureTransport: false` is flagged wherever it is. When a bucket policy's "
        "target cannot be resolved at all (a `!Sub` of a parameter, or a template bucket "
        "whose name cannot be resolved), no bucket is flagged."
    )
    why = (
        "S3 answers on HTTP as well as HTTPS endpoints. The way to force TLS, in the "
        "notes' words: a bucket policy with a DENY on `aws:SecureTransport = false` (an "
        "Allow on `true` would admit anonymous requests over TLS)."
    )
    seeds = ("002:618", "001:905", "003:1486-1487")
    source_url = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html"
    tags = ["transit", "s3"]
    example_fail = "Data:\n  Type: AWS::S3::Bucket\n"
    example_pass = (
        "DataPolicy:\n  Type: AWS::S3::BucketPolicy\n  Properties:\n    Bucket: !Ref Data\n"
        "    PolicyDocument:\n      Statement:\n        - Effect: Deny\n          Principal: '*'\n"
        "          Action: 's3:*'\n          Resource: [!GetAtt Data.Arn, !Sub '${Data.Arn}/*']\n"
        "          Condition: {Bool: {aws:SecureTransport: 'false'}}\n"
    )

    def match(self, cfn) -> list[RuleMatch]:
        buckets = dict(resources_of(cfn, "AWS::S3::Bucket"))
        names = {}
        unnamed: dict[str, Any] = {}  # bucket id -> a BucketName that cannot be resolved
        for bucket_id, bucket in buckets.items():
            value = properties(bucket).get("BucketName")
            resolved = literal_values(cfn, value) if value is not None else []
            if resolved is None:
                unnamed[bucket_id] = value
            for name in resolved or []:
                if isinstance(name, str):
                    names[name] = bucket_id
        protected: set[str] = set()
        unknown = False
        matches = []
        for policy_id, policy in resources_of(cfn, "AWS::S3::BucketPolicy"):
            props = properties(policy)
            document = props.get("PolicyDocument")
            matches.extend(self._allows_plain_http(policy_id, document))
            targets = self._targets(cfn, props.get("Bucket"), buckets, names)
            same = {bucket_id for bucket_id, value in unnamed.items() if value == props.get("Bucket")}
            if same:
                targets = (targets or set()) | same
            if targets:
                if _denies_plain_http(document):
                    protected |= targets
                continue
            outside = self._outside(cfn, props.get("Bucket"), unnamed)
            if outside is None:
                unknown = unknown or targets is None  # might protect any bucket
                continue
            if not _denies_plain_http(document):
                matches.append(RuleMatch(
                    ["Resources", policy_id, "Properties", "PolicyDocument"],
                    f"Bucket policy '{policy_id}' becomes the whole policy of {outside} (not "
                    "declared in this template) and does not refuse plain HTTP; add a statement "
                    "that denies s3:* when aws:SecureTransport is false."))
        if not unknown:
            matches.extend(
                RuleMatch(["Resources", bucket_id],
                          f"Bucket '{bucket_id}' accepts plain HTTP; add a bucket policy that "
                          "denies s3:* when aws:SecureTransport is false.")
                for bucket_id in buckets if bucket_id not in protected)
        return matches

    @staticmethod
    def _targets(cfn, value: Any, buckets: dict, names: dict) -> set[str] | None:
        """Bucket ids a policy's `Bucket` can be, or None when that is unknown."""
        referenced = references_in(value) & set(buckets)
        if referenced:
            return referenced
        literal = literal_values(cfn, value)
        if literal is None:
            return None
        return {names[name] for name in literal if isinstance(name, str) and name in names}

    @staticmethod
    def _outside(cfn, value: Any, unnamed: dict) -> str | None:
        """How to name the bucket a policy targets when it is surely not one of the
        template's: an import, a parameter or a literal name (when no bucket of the
        template has a name that cannot be resolved); None otherwise."""
        if isinstance(value, dict) and set(value) == {"Fn::ImportValue"}:
            return "an imported bucket"
        if unnamed:
            return None
        if isinstance(value, str):
            return f"bucket '{value}'"
        if isinstance(value, dict) and set(value) == {"Ref"} and parameter(cfn, value["Ref"]) is not None:
            return f"the bucket named by parameter '{value['Ref']}'"
        return None

    @staticmethod
    def _allows_plain_http(policy_id: str, document: Any) -> list[RuleMatch]:
        """A match for each statement that allows on `aws:SecureTransport` false."""
        statements = document.get("Statement") if isinstance(document, dict) else None
        found = []
        for index, statement in enumerate(statements if isinstance(statements, list) else [statements]):
            if isinstance(statement, dict) and statement.get("Effect") == "Allow" \
                    and _on_plain_http(statement.get("Condition")):
                path = ["Resources", policy_id, "Properties", "PolicyDocument", "Statement"]
                found.append(RuleMatch(
                    path + [index] if isinstance(statements, list) else path,
                    f"Bucket policy '{policy_id}' allows requests made over plain HTTP "
                    "(aws:SecureTransport false); make the statement a Deny, or require "
                    "aws:SecureTransport true."))
        return found


def _denies_plain_http(document: Any) -> bool:
    """True when a policy document has a Deny on `aws:SecureTransport` false."""
    if not isinstance(document, dict):
        return False
    statements = document.get("Statement")
    return any(isinstance(statement, dict) and statement.get("Effect") == "Deny"
               and _on_plain_http(statement.get("Condition"))
               for statement in (statements if isinstance(statements, list) else [statements]))


def _on_plain_http(condition: Any) -> bool:
    """True when a statement's condition matches `aws:SecureTransport` false."""
    for operator, tests in condition.items() if isinstance(condition, dict) else []:
        if not isinstance(tests, dict) or not str(operator).startswith("Bool"):
            continue
        for key, value in tests.items():
            values = value if isinstance(value, list) else [value]
            if str(key).lower() == "aws:securetransport" and any(
                    str(v).lower() == "false" for v in values):
                return True
    return False


class ElastiCacheInTransit(Documented, ResourceSchemaRule):
    id = "W9205"
    shortdesc = "ElastiCache encrypts in transit"
    description = (
        "Flags an `AWS::ElastiCache::ReplicationGroup` whose `TransitEncryptionEnabled` "
        "is not true. Default: off for node-based replication groups."
    )
    why = (
        "Without TLS, cached data, and the AUTH token that protects it, cross the network "
        "in plain text."
    )
    seeds = ("001:570",)
    source_url = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/in-transit-encryption.html"
    tags = ["transit", "elasticache"]
    resource_types = ("AWS::ElastiCache::ReplicationGroup",)
    schema_file = "elasticache_in_transit.json"
    example_fail = "Cache:\n  Type: AWS::ElastiCache::ReplicationGroup\n  Properties: {ReplicationGroupDescription: cache}\n"
    example_pass = (
        "Cache:\n  Type: AWS::ElastiCache::ReplicationGroup\n  Properties:\n"
        "    ReplicationGroupDescription: cache\n    TransitEncryptionEnabled: true\n"
    )

    def message(self, instance: Any, err) -> str:
        version = (instance.get("Properties") or {}).get("EngineVersion")
        upgrade = ""
        if isinstance(version, (str, float, int)) and not _redis_has_tls(str(version)):
            upgrade = (f" and upgrade EngineVersion {version}, which has no in-transit "
                       "encryption, to Redis 4.0.10 or later")
        return (f"ElastiCache replication group does not encrypt in transit{self.scenario}; "
                f"set TransitEncryptionEnabled: true{upgrade}.")


def _redis_has_tls(version: str) -> bool:
    """Redis OSS versions with in-transit encryption: 3.2.6, and 4.0.10 or later (ElastiCache
    documentation); an unreadable version is given the benefit of the doubt."""
    numbers = version.split(".")[:3]
    if not all(number.isdigit() for number in numbers):
        return True
    parts = tuple(int(number) for number in numbers)
    return parts == (3, 2, 6) or parts >= (4, 0, 10)


class SearchDomainHttps(Documented, ResourceSchemaRule):
    id = "W9206"
    shortdesc = "OpenSearch enforces HTTPS and node-to-node TLS"
    description = (
        "Flags an `AWS::OpenSearchService::Domain` or `AWS::Elasticsearch::Domain` whose "
        "`DomainEndpointOptions.EnforceHTTPS` or `NodeToNodeEncryptionOptions.Enabled` is "
        "not true. Default: both off."
    )
    why = (
        "Search requests carry queries and documents; without EnforceHTTPS the endpoint "
        "answers plain HTTP, and without node-to-node encryption shards travel between "
        "nodes unencrypted."
    )
    seeds = ("000:261",)
    source_url = "https://docs.aws.amazon.com/opensearch-service/latest/developerguide/ntn.html"
    tags = ["transit", "opensearch"]
    resource_types = ("AWS::OpenSearchService::Domain", "AWS::Elasticsearch::Domain")
    schema_file = "search_https.json"
    example_fail = "Search:\n  Type: AWS::OpenSearchService::Domain\n"
    example_pass = (
        "Search:\n  Type: AWS::OpenSearchService::Domain\n  Properties:\n"
        "    DomainEndpointOptions: {EnforceHTTPS: true}\n"
        "    NodeToNodeEncryptionOptions: {Enabled: true}\n"
    )

    def message(self, instance: Any, err) -> str:
        return (f"{instance['Type']} does not enforce TLS{self.scenario}; set "
                "DomainEndpointOptions.EnforceHTTPS and NodeToNodeEncryptionOptions.Enabled to true.")


# -- W9207: databases refuse plain connections -----------------------------------------
#: Per engine: the parameter that forces TLS, what it is set to for that, and the engine
#: default when it allows plain connections (AWS documentation, checked 2026-11): RDS for
#: MySQL 8.4 and lower and MariaDB 10.5-11.4 default require_secure_transport to OFF
#: (MySQL 9.x and MariaDB 11.8+ to ON); RDS for PostgreSQL defaults rds.force_ssl to 0
#: below version 15 (1 from 15); SQL Server, Aurora MySQL and Aurora PostgreSQL default to
#: 0/OFF. Oracle and Db2 use option groups and other settings: not judged.
_TLS_PARAMETERS = {
    "mysql": ("require_secure_transport", "1", "RDS for MySQL", "OFF for MySQL 8.4 and lower"),
    "mariadb": ("require_secure_transport", "1", "RDS for MariaDB", "OFF for MariaDB 11.4 and lower"),
    "postgres": ("rds.force_ssl", "1", "RDS for PostgreSQL", "0 below PostgreSQL 15"),
    "sqlserver": ("rds.force_ssl", "1", "RDS for SQL Server", "0"),
    "aurora-mysql": ("require_secure_transport", "ON", "Aurora MySQL", "OFF"),
    "aurora": ("require_secure_transport", "ON", "Aurora MySQL", "OFF"),
    "aurora-postgresql": ("rds.force_ssl", "1", "Aurora PostgreSQL", "0"),
}
_OFF = {"0", "off", "false"}


def _engine_key(engine: str) -> str | None:
    engine = engine.strip().lower()
    return "sqlserver" if engine.startswith("sqlserver-") else engine if engine in _TLS_PARAMETERS else None


def _version(value: Any) -> tuple[int, ...] | None:
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        return None
    parts = []
    for part in str(value).split(".")[:2]:
        if not part.isdigit():
            break
        parts.append(int(part))
    return tuple(parts) or None


def _plain_by_default(engine: str, version: Any, has_version: bool) -> bool | None:
    """Whether the engine's default parameter group allows plain connections; None when
    that depends on a version that is not known."""
    key = _engine_key(engine)
    if key is None:
        return False
    if key in ("sqlserver", "aurora", "aurora-mysql", "aurora-postgresql"):
        return True
    if not has_version:  # RDS picks its default version: MySQL 8.4, PostgreSQL 17
        return {"mysql": True, "postgres": False}.get(key)
    number = _version(version)
    if number is None:
        return None
    if key == "mysql":
        return number < (9,)
    if key == "mariadb":
        return (10, 5) <= number < (11, 8)
    return number < (15,)  # postgres


class DatabaseRequiresTls(Documented, CloudFormationLintRule):
    id = "W9207"
    shortdesc = "Databases refuse plain connections"
    description = (
        "Flags an `AWS::RDS::DBParameterGroup` or `AWS::RDS::DBClusterParameterGroup` whose "
        "`Parameters` set `rds.force_ssl` to 0 or `require_secure_transport` to OFF (an "
        "explicit opt-out: warning). Reports as info an RDS DB instance (not in a cluster) "
        "or DB cluster whose engine's default allows plain connections and whose parameter "
        "group is the default one or a group of the template that does not set the "
        "parameter, naming the engine default: RDS for MySQL 8.4 and lower and MariaDB "
        "10.5-11.4 (`require_secure_transport` OFF), RDS for PostgreSQL below 15 "
        "(`rds.force_ssl` 0; 1 from 15, and RDS's default version is newer), SQL Server, "
        "Aurora MySQL and Aurora PostgreSQL. A parameter group from outside the template, "
        "an engine or version that cannot be resolved, Oracle and Db2 are not judged."
    )
    why = (
        "Without the server requiring TLS, a client that is misconfigured or downgraded "
        "sends the database password and every query in clear text across the network. "
        "The notes: make sure the parameter group or DB is configured for SSL connections; "
        "encryption in flight using SSL."
    )
    seeds = ("003:79", "003:89")
    source_url = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.SSL.html"
    tags = ["transit", "rds", "aurora"]
    example_fail = (
        "Params:\n  Type: AWS::RDS::DBParameterGroup\n  Properties:\n    Family: postgres16\n"
        "    Description: app\n    Parameters: {rds.force_ssl: 0}\n"
    )
    example_pass = (
        "Params:\n  Type: AWS::RDS::DBParameterGroup\n  Properties:\n    Family: postgres16\n"
        "    Description: app\n    Parameters: {rds.force_ssl: 1}\n"
    )

    _GROUP_TYPES = ("AWS::RDS::DBParameterGroup", "AWS::RDS::DBClusterParameterGroup")

    def match(self, cfn) -> list[RuleMatch]:
        from tmpllint.checks.base import condition_variants, scenario_matches

        hits: dict[tuple, list] = {}
        totals: dict[tuple, int] = {}
        for name, resource in resources_of(cfn, *self._GROUP_TYPES):
            parameters = properties(resource).get("Parameters")
            if not isinstance(parameters, dict):
                continue
            variants = condition_variants(cfn, parameters)
            for scenario, resolved in variants:
                for key, value in (resolved.items() if isinstance(resolved, dict) else []):
                    if key not in ("rds.force_ssl", "require_secure_transport"):
                        continue
                    values = literal_values(cfn, value)
                    if values and any(str(v).strip().lower() in _OFF for v in values
                                      if isinstance(v, (str, int, bool))):
                        path = ("Resources", name, "Properties", "Parameters", key)
                        shown = "0" if key == "rds.force_ssl" else "OFF"
                        on = "1" if key == "rds.force_ssl" else "ON"
                        message = (f"DB parameter group '{name}' sets {key} to {shown}{{when}}, so "
                                   f"clients may connect without TLS; set it to {on}.")
                        hits.setdefault((path, message), []).append(scenario)
                        totals[(path, message)] = len(variants)
        return scenario_matches(hits, totals) + self._defaults(cfn)

    def _defaults(self, cfn) -> list[RuleMatch]:
        """Info: databases left on an engine default that allows plain connections."""
        from tmpllint.checks.base import condition_variants, referenced_resource, scenario_matches

        resources = cfn.get_resources()
        matches = []
        for name, resource in resources_of(cfn, "AWS::RDS::DBInstance", "AWS::RDS::DBCluster"):
            props = properties(resource)
            cluster = resource.get("Type") == "AWS::RDS::DBCluster"
            if not cluster and "DBClusterIdentifier" in props:
                continue  # the cluster's parameter group decides
            group_key = "DBClusterParameterGroupName" if cluster else "DBParameterGroupName"
            variants = condition_variants(cfn, props)
            hits: dict[tuple, list] = {}
            for scenario, resolved in variants:
                found = self._default_finding(cfn, name, resolved, group_key, resources,
                                              referenced_resource)
                if found:
                    hits.setdefault(found, []).append(scenario)
            matches += scenario_matches(hits, len(variants), tmpllint_severity="informational")
        return matches

    def _default_finding(self, cfn, name, props, group_key, resources, referenced_resource):
        if not isinstance(props, dict) or not isinstance(props.get("Engine", ""), (str, dict)):
            return None
        engines = literal_values(cfn, props.get("Engine"))
        if not engines or not all(isinstance(e, str) for e in engines):
            return None
        versions = literal_values(cfn, props.get("EngineVersion")) if "EngineVersion" in props else [None]
        if versions is None:
            return None
        for engine in engines:
            plain = [_plain_by_default(engine, v, "EngineVersion" in props) for v in versions]
            if True not in plain:
                continue
            parameter, on, label, default = _TLS_PARAMETERS[_engine_key(engine)]
            group = props.get(group_key)
            if group is None:
                return (("Resources", name),
                        f"{label} allows plain connections by default ({parameter} {default}) and "
                        f"'{name}' uses the default parameter group{{when}}; attach a parameter "
                        f"group that sets {parameter}: {on}.")
            group_id = referenced_resource(group)
            target = resources.get(group_id) if group_id else None
            if not isinstance(target, dict) or target.get("Type") not in self._GROUP_TYPES:
                return None  # a group from outside the template: unknown
            parameters = properties(target).get("Parameters")
            if not isinstance(parameters, dict) or parameter in parameters:
                return None  # set (an opt-out is reported on the group) or unknown
            return (("Resources", name, "Properties", group_key),
                    f"{label} allows plain connections by default ({parameter} {default}) and "
                    f"parameter group '{group_id}' does not set it{{when}}; add {parameter}: {on}.")
        return None
