"""Family 4 (`94xx`): least privilege (RULES.md §4 and wave 2), one module per concern.

- `wildcards`: what identity policies grant (E9401, W9402, W9403, E9404, W9405)
- `resource_policies`: who may use a resource (E9406, W9410)
- `trust`: who may assume a role (E9409, E9411, E9412)
- `managed`: managed policies and where permissions live (W9407, W9408)

`common` holds the per-statement rule base and what a statement grants; the policy walker
and the shared narrowing-condition list are `checks/policies.py`, the IAM action catalog
`checks/iam_catalog.py`.
"""

from tmpllint.checks.iam.managed import NoElevatedManagedPolicies, PermissionsOnGroupsOrRoles
from tmpllint.checks.iam.resource_policies import PublicFunctionUrl, ResourcePolicyNotPublic
from tmpllint.checks.iam.trust import IdentityPoolRoleBound, RoleTrustsItsService, TrustNamesPrincipal
from tmpllint.checks.iam.wildcards import (
    FullAdmin,
    NoNotActions,
    PassRoleScoped,
    ScopedWrites,
    ServiceWildcard,
)

__all__ = [
    "FullAdmin",
    "IdentityPoolRoleBound",
    "NoElevatedManagedPolicies",
    "NoNotActions",
    "PassRoleScoped",
    "PermissionsOnGroupsOrRoles",
    "PublicFunctionUrl",
    "ResourcePolicyNotPublic",
    "RoleTrustsItsService",
    "ScopedWrites",
    "ServiceWildcard",
    "TrustNamesPrincipal",
]
