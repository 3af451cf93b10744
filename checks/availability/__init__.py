"""Family 5 (`95xx`): high availability and Multi-AZ (RULES.md §5).

Property rules are schema rules; the rules about the template as a whole (instances per
cluster, NAT gateways per AZ, subnets per VPC) read the shared model in `model.py`. Data
stores are in `data`, placement of compute and networking in `placement`.
"""

from tmpllint.checks.availability.data import (
    CacheFailover,
    ClusterStandby,
    DaxReplication,
    OneZoneStorage,
    RdsMultiAz,
    SearchZoneAwareness,
)
from tmpllint.checks.availability.placement import (
    AutoScalingMultiAz,
    FailoverHealthChecked,
    LoadBalancerMultiAz,
    NatPerAz,
    ServiceTaskCount,
    SubnetsSpread,
)

__all__ = [
    "AutoScalingMultiAz",
    "CacheFailover",
    "ClusterStandby",
    "DaxReplication",
    "FailoverHealthChecked",
    "LoadBalancerMultiAz",
    "NatPerAz",
    "OneZoneStorage",
    "RdsMultiAz",
    "SearchZoneAwareness",
    "ServiceTaskCount",
    "SubnetsSpread",
]
