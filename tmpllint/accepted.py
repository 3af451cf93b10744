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

`INFO_WHERE` lists findings that are true but change nothing as written; they are
reported at info (like `selection.DEMOTED`, and `cfn-lint-overlaps = "keep"` restores
them):

- W2511 on a policy `Version: 2008-10-17` that uses no policy variable. The older
  version differs in one thing: `${aws:username}`-style variables are literal text in
  it. A policy without them grants exactly the same (AWS's own CloudFront OAC bucket
  policy example is written with 2008-10-17). With a variable it stays a warning: the
  statement silently matches nothing.
"""

from __future__ import annotations

import re
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


#: an IAM policy variable (`${aws:username}`, `${!aws:PrincipalTag/team}` inside a Sub);
#: not a CloudFormation pseudo parameter (`${AWS::Region}`) or attribute (`${Bucket.Arn}`).
POLICY_VARIABLE = re.compile(r"\$\{!?[A-Za-z0-9.\-]+:(?!:)[^}]*\}")


def _node(template: Any, path) -> Any:
    node = template
    for key in path:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _strings(node: Any):
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, str):
            yield current
        elif isinstance(current, dict):
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)


def _old_version_without_variables(path: tuple, template: Any) -> bool:
    if not path or path[-1] != "Version":
        return False
    document = _node(template, path[:-1])
    if not isinstance(document, dict) or "Statement" not in document:
        return False
    return not any(POLICY_VARIABLE.search(text) for text in _strings(document["Statement"]))


#: cfn-lint rule id -> test on (match path, template as parsed): true means info.
INFO_WHERE = {
    "W2511": _old_version_without_variables,
}


#: what `tmpllint explain` says about each INFO_WHERE rule.
INFO_WHY = {
    "W2511": "a policy with Version 2008-10-17 grants exactly what it would under "
             "2012-10-17 unless it uses a policy variable (${aws:username}), which the "
             "old version reads as literal text",
}


def info_here(rule_id: str, path, template: Any) -> bool:
    """True when cfn-lint's `rule_id` at `path` is true but changes nothing as written."""
    test = INFO_WHERE.get(rule_id)
    return bool(test and path and test(tuple(path), template))
