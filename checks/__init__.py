"""tmpllint's rule pack: every rule class of RULES.md, one module per family.

cfn-lint instantiates every rule class it finds in this namespace, so
`cfn-lint --append-rules tmpllint.checks` (or `append_rules` in `.cfnlintrc`) runs the
same pack as `tmpllint lint`. Export rule classes only, never a base class.
"""

from tmpllint.checks.template import (
    ApiAuthorization,
    AsyncFailureDestination,
    FunctionTracing,
    QueueDeadLetter,
    RequestValidation,
    SamPolicyTemplates,
    SamTransformVersion,
)
from tmpllint.checks.encryption import (
    AnalyticsEncrypted,
    CustomerKey,
    EbsEncrypted,
    EfsEncrypted,
    ElastiCacheAtRest,
    KinesisEncrypted,
    KmsKeyRotation,
    RdsStorageEncrypted,
    S3CustomerKey,
    SnsEncrypted,
    SqsEncryptionNotOff,
)
from tmpllint.checks.transit import (
    BucketRequiresTls,
    CloudFrontHttps,
    ElastiCacheInTransit,
    LoadBalancerHttps,
    ModernTlsPolicy,
    SearchDomainHttps,
)

__all__ = [
    "AnalyticsEncrypted",
    "ApiAuthorization",
    "AsyncFailureDestination",
    "BucketRequiresTls",
    "CloudFrontHttps",
    "CustomerKey",
    "EbsEncrypted",
    "EfsEncrypted",
    "ElastiCacheAtRest",
    "ElastiCacheInTransit",
    "FunctionTracing",
    "KinesisEncrypted",
    "KmsKeyRotation",
    "LoadBalancerHttps",
    "ModernTlsPolicy",
    "QueueDeadLetter",
    "RdsStorageEncrypted",
    "RequestValidation",
    "S3CustomerKey",
    "SamPolicyTemplates",
    "SamTransformVersion",
    "SearchDomainHttps",
    "SnsEncrypted",
    "SqsEncryptionNotOff",
]
