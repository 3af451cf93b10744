"""Family 0 (`90xx`): the SAM transform and serverless practices (RULES.md §0).

cfn-lint 1.58 validates SAM templates as written: it merges `Globals` into each SAM
resource and checks `AWS::Serverless::*` types with SAM schemas instead of running the
SAM translator. So these rules see SAM resources with their Globals applied, and check
the plain CloudFormation types a transform would produce (`AWS::Lambda::Function`,
`AWS::ApiGateway::Method`, ...) where users write those directly. Every finding points
at a line of the file as written.
"""

from tmpllint.checks.template.apis import ApiAuthorization, RequestValidation
from tmpllint.checks.template.failures import AsyncFailureDestination, QueueDeadLetter
from tmpllint.checks.template.functions import FunctionTracing, SamPolicyTemplates
from tmpllint.checks.template.transform import SamTransformVersion

__all__ = [
    "ApiAuthorization",
    "AsyncFailureDestination",
    "FunctionTracing",
    "QueueDeadLetter",
    "RequestValidation",
    "SamPolicyTemplates",
    "SamTransformVersion",
]
