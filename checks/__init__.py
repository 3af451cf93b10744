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

__all__ = [
    "ApiAuthorization",
    "AsyncFailureDestination",
    "FunctionTracing",
    "QueueDeadLetter",
    "RequestValidation",
    "SamPolicyTemplates",
    "SamTransformVersion",
]
