"""Family 6 (`96xx`): network exposure (RULES.md §6), one module per kind of exposure:
security group ingress (`ingress`), public databases, buckets and IPs (`public`),
instance metadata (`instances`), and the front doors of CloudFront and API Gateway
(`edge`)."""

from tmpllint.checks.network.edge import CloudFrontOriginAccess, PrivateApiPolicy
from tmpllint.checks.network.ingress import AdminPortsClosed, NoAllPortsIngress
from tmpllint.checks.network.instances import ImdsV2Required
from tmpllint.checks.network.public import (
    BucketNotPublic,
    DatabaseNotPublic,
    PrivateSubnetNoPublicIp,
)

__all__ = [
    "AdminPortsClosed",
    "BucketNotPublic",
    "CloudFrontOriginAccess",
    "DatabaseNotPublic",
    "ImdsV2Required",
    "NoAllPortsIngress",
    "PrivateApiPolicy",
    "PrivateSubnetNoPublicIp",
]
