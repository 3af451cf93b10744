"""Templates that another tool rewrites before CloudFormation reads them.

A template with Rain directives (`Rain::Module`, `Rain::Embed`, `Fn::Rain::...`, expanded
by `rain pkg`) or a custom macro in `Transform` (a name outside AWS's own `AWS::...`
transforms) is not the template CloudFormation deploys: cfn-lint's checks of it as
written report what the tool will replace (a module key, a macro's own resource types)
as errors. tmpllint keeps its own findings, which judge the properties as written, and
turns cfn-lint's into one note that says why and what to lint instead.
"""

from __future__ import annotations

from collections import deque
from typing import Any

#: Walk at most this many nodes looking for a directive (templates are rarely larger).
MAX_NODES = 200_000


def preprocessor(template: Any) -> str | None:
    """Why cfn-lint's view of `template` is unreliable, or None when it is plain
    CloudFormation (or SAM and AWS's other transforms, which cfn-lint understands)."""
    if not isinstance(template, dict):
        return None
    transforms = template.get("Transform")
    names = transforms if isinstance(transforms, list) else [transforms]
    macros = [name for name in names if isinstance(name, str) and not name.startswith("AWS::")]
    if macros:
        return (f"the template is expanded by the macro{'s' * (len(macros) > 1)} "
                f"{', '.join(repr(m) for m in macros)} before CloudFormation reads it")
    directive = _rain_directive(template)
    if directive:
        return (f"the template uses Rain directives ({directive}) that `rain pkg` expands "
                "before CloudFormation reads it")
    return None


def _rain_directive(node: Any) -> str | None:
    """The first Rain directive key, breadth first (the shallowest one, in file order)."""
    stack, seen = deque([node]), 0
    while stack and seen < MAX_NODES:
        current = stack.popleft()
        seen += 1
        if isinstance(current, dict):
            for key, value in current.items():
                if isinstance(key, str) and (key.startswith("Rain::") or key.startswith("Fn::Rain::")):
                    return key
                stack.append(value)
        elif isinstance(current, list):
            stack.extend(current)
    return None


def quiet_cfn_lint(result, template: Any) -> None:
    """Drop cfn-lint's findings (a parse error stays) from `result` of a template another
    tool rewrites, with a note saying how many and why."""
    why = preprocessor(template)
    if not why:
        return
    dropped = [f for f in result.findings if f.source == "cfn-lint" and f.rule != "E0000"]
    if not dropped:
        return
    result.findings = [f for f in result.findings if not (f.source == "cfn-lint" and f.rule != "E0000")]
    count = len(dropped)
    result.notes.append(f"{count} cfn-lint finding{'s' * (count != 1)} not reported: {why}; "
                        "lint the template it produces to see them")
