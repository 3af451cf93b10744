"""cfn-lint findings on what CloudFormation accepts as written.

Each entry names the cfn-lint rule, the exact place it reports (by the match's path into
the template, never by its message) and the evidence that CloudFormation deploys it.
A finding there is dropped; the same rule anywhere else is untouched.

- E3001 on a resource-level `Description` string. CloudFormation accepts a `Description`
  key beside `Type` and `Properties` (AWS CodeStar generated templates with one on every
  resource; CDK's `cfn-include` added it to its known resource attributes so it can
  ingest such templates, aws/aws-cdk#10522; cfn-lint's own issue #2641 is open). Any
  other unknown key, a `Description` that is not a string, and one on a SAM resource
  (which the SAM transform, not CloudFormation, reads) stay an E3001.
"""

from __future__ import annotations

from typing import Any


def _resource_description(path: tuple, template: Any) -> bool:
    if len(path) != 3 or path[0] != "Resources" or path[2] != "Description":
        return False
    resources = template.get("Resources") if isinstance(template, dict) else None
    resource = resources.get(path[1]) if isinstance(resources, dict) else None
    return (isinstance(resource, dict) and isinstance(resource.get("Description"), str)
            and not str(resource.get("Type", "")).startswith("AWS::Serverless::"))


#: cfn-lint rule id -> test on (match path, template as parsed).
ACCEPTED = {
    "E3001": _resource_description,
}


def accepted(rule_id: str, path, template: Any) -> bool:
    """True when cfn-lint's `rule_id` at `path` reports something CloudFormation accepts."""
    test = ACCEPTED.get(rule_id)
    return bool(test and path and test(tuple(path), template))
