"""`tmpllint fix`: lint, turn each fixable match into edits, apply them, lint again.

Each pass lints the current text, plans a fix for every finding whose rule has one
(from the match's own path), applies the edits that do not touch one another and
lints again; a pass that changes nothing ends it. Unsafe fixes are only planned with
`unsafe=True`; a fix that cannot be made mechanically is reported as manual.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from tmpllint.engine import Engine
from tmpllint.findings import FileResult, Finding
from tmpllint.fix.edits import SHORT_TAGS, Document, Edit, Fn, apply_edits, is_tagged, scalar_value, tag_of
from tmpllint.fix.registry import FIXES, FixSpec, Target
from tmpllint.fix.safety import replacement_reason

MAX_PASSES = 5


class Manual(Exception):
    """This finding's fix cannot be made mechanically; the message says why."""


@dataclass
class Plan:
    finding: Finding
    edits: list[Edit] = field(default_factory=list)
    unsafe: str = ""  # why this fix is unsafe ("" when safe)
    manual: str = ""  # why it cannot be fixed mechanically
    note: str = ""  # what the user must do besides (create the secret)
    #: template paths the fix sets or adds (a change may be at, above or below one)
    paths: list = field(default_factory=list)


@dataclass
class FileFix:
    path: str
    original: str
    text: str
    fixed: list[Plan] = field(default_factory=list)
    skipped: list[Plan] = field(default_factory=list)  # unsafe without --unsafe-fixes, manual
    applied: list[Plan] = field(default_factory=list)  # every plan whose edits were written
    result: FileResult | None = None  # the lint of the fixed text
    error: str | None = None

    @property
    def changed(self) -> bool:
        return self.text != self.original


class FixEngine(Engine):
    """The lint engine, keeping each finding's cfn-lint match path (what fixes need)."""

    def _findings(self, path, matches, secrets=(), template=None):
        findings = super()._findings(path, matches, secrets, template)
        by_finding = {}
        from tmpllint.engine import _to_finding

        for match in matches:
            if match.rule.id != "E0002" and self.selection.enabled(match.rule.id):
                by_finding.setdefault(_to_finding(path, match, secrets, template),
                                      list(getattr(match, "path", None) or ()))
        self.paths = by_finding
        return findings

    def lint_text(self, path: str, text: str) -> tuple[FileResult, dict]:
        """Lint `text` as if it were the file `path`; the result and finding -> path."""
        import tmpllint.engine as engine_module

        _install_reader()
        current = engine_module._tmpllint_fix_current
        self.paths = {}
        current["reader"] = lambda _path: (text, None)
        try:
            result = self.lint_path(path)
        finally:
            current["reader"] = None
        return result, dict(self.paths)


def _install_reader() -> None:
    """Route the engine's file reading through `FixEngine._read` so `lint_text` can
    hand it text that is not on disk yet."""
    import tmpllint.engine as engine_module

    if getattr(engine_module, "_tmpllint_fix_reader", False):
        return
    original = engine_module._read_text
    current: dict[str, Any] = {}

    def read(path):
        reader = current.get("reader")
        return reader(path) if reader else original(path)

    engine_module._read_text = read
    engine_module._tmpllint_fix_reader = True
    engine_module._tmpllint_fix_current = current


def fix_file(engine: FixEngine, path: str, unsafe: bool = False) -> FileFix:
    """Fix one file in memory (nothing is written here)."""
    data = open(path, "rb").read()
    bom = "\ufeff" if data.startswith(b"\xef\xbb\xbf") else ""
    try:
        original = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        original = None
    outcome = FileFix(path, original or "", original or "")
    def lint(text: str):
        return engine.lint_text(path, text)

    if original is None:
        outcome.result = engine.lint_path(path)
        return outcome
    result, paths = lint(original)
    first = {(f.rule, f.resource, f.message): f for f in result.findings}
    text, seen_fixed = original, {}
    skipped: dict[str, Plan] = {}
    for _ in range(MAX_PASSES):
        if result.status != "ok" or any(f.rule == "E0000" for f in result.findings):
            break
        try:
            document = Document(text, text.lstrip().startswith("{"))
        except Exception as err:  # noqa: BLE001 - what cfn-lint parsed, ruamel may not
            outcome.error = f"cannot edit the file: {type(err).__name__}: {err}"
            break
        plans = [plan_fix(document, finding, paths.get(finding)) for finding in result.findings
                 if finding.rule in FIXES]
        edits = []
        for plan in plans:
            if plan.manual or (plan.unsafe and not unsafe) or not plan.edits:
                skipped.setdefault(plan.finding.fingerprint, plan)
            else:
                edits.append(plan)
        if not edits:
            break
        new_text, applied = apply_edits(text, [edit for plan in edits for edit in plan.edits])
        done = set(applied)
        for plan in edits:
            if all(edit in done for edit in plan.edits):
                seen_fixed.setdefault(plan.finding.fingerprint, plan)
                outcome.applied.append(plan)
        if new_text == text:
            break
        new_result, new_paths = lint(new_text)
        if any(f.rule == "E0000" for f in new_result.findings) or new_result.status != "ok":
            outcome.error = "a fix produced a template that does not parse; nothing was changed"
            text = original
            result, paths = lint(original)
            seen_fixed, outcome.applied = {}, []
            break
        text, result, paths = new_text, new_result, new_paths
    remaining = {f.fingerprint for f in result.findings}
    outcome.text = text
    outcome.fixed = [plan for key, plan in seen_fixed.items() if key not in remaining]
    for plan in outcome.fixed:  # report each fix at the line of the finding as it was
        plan.finding = first.get((plan.finding.rule, plan.finding.resource, plan.finding.message),
                                 plan.finding)
    outcome.skipped = [plan for key, plan in skipped.items() if key in remaining]
    outcome.result = result
    if bom and outcome.changed:
        outcome.text = bom + outcome.text
        outcome.original = bom + outcome.original
    elif bom:
        outcome.text = outcome.original = bom + outcome.original
    return outcome


def write_atomic(path: str, text: str) -> None:
    """Replace the file in one step, line ends written as they are in `text`."""
    from tmpllint.atomic import write_text_atomic

    write_text_atomic(path, text, newline="", prefix=".tmpllint-fix-")


# -- planning -------------------------------------------------------------------------
def plan_fix(document: Document, finding: Finding, path: list | None) -> Plan:
    spec = FIXES[finding.rule]
    plan = Plan(finding)
    if path is None:
        plan.manual = "the finding has no property path to fix"
        return plan
    try:
        if spec.planner:
            PLANNERS[spec.planner](document, spec, path, plan)
        else:
            _plan_targets(document, spec, path, plan)
    except Manual as manual:
        plan.manual = str(manual)
    except (ValueError, StopIteration) as err:  # a layout the edits do not handle
        plan.edits, plan.manual = [], f"the template's layout here is not handled ({err or type(err).__name__})"
    if not plan.edits and not plan.manual:
        plan.manual = "nothing at the finding's path can be changed mechanically"
    plan.edits = _merge_same_point(plan.edits)
    if "\r\n" in document.text:  # a Windows file gets Windows line ends in what is added
        plan.edits = [Edit(e.start, e.end, e.text.replace("\r\n", "\n").replace("\n", "\r\n"))
                      for e in plan.edits]
    return plan


def _base(spec: FixSpec, path: list) -> list:
    if spec.scope == "template":
        return []
    section = "Resources" if spec.scope == "resource" else "Parameters"
    if len(path) < 2 or path[0] != section:
        raise Manual(f"the finding is not on a {spec.scope}")
    return path[:2]


def _resource_type(document: Document, base: list) -> str | None:
    node = document.child(document.at(base), "Type") if base else None
    return node.value if isinstance(node, ScalarNode) else None


def _plan_targets(document: Document, spec: FixSpec, path: list, plan: Plan) -> None:
    base = _base(spec, path)
    rtype = _resource_type(document, base) if spec.scope == "resource" else None
    if spec.rule == "W9303":
        default = document.child(document.at(base), "Default")
        if isinstance(default, ScalarNode) and default.value:
            raise Manual("the parameter has a Default, which NoEcho would turn into E9303: "
                         "remove the Default and set NoEcho: true")
    targets = spec.targets(path, rtype) if spec.targets else []
    if not targets:
        raise Manual(f"no mechanical fix for this {rtype or spec.scope}")
    for target in targets:
        reason = replacement_reason(rtype, list(target.keys)) or target.reason
        if reason:
            plan.unsafe = reason
        node = document.at(base)
        if node is None:
            raise Manual("the finding's resource is not in the file as written")
        if target.only_if_missing and document.at(base + list(target.keys)) is not None:
            continue
        if target.parent_must_exist and document.at(base + list(target.keys[:-1])) is None:
            raise Manual(f"{'.'.join(map(str, target.keys[:-1]))} is not set")
        plan.paths.append(base + list(target.keys))
        plan.edits += _set(document, node, list(target.keys), target, plan.paths)
    if spec.rule == "E9301" and plan.edits:
        name = targets[0].value.split(":")[2]
        key = targets[0].value.split(":")[4].rstrip("}")
        plan.note = (f"create the secret first: aws secretsmanager create-secret --name {name} "
                     f"--secret-string '{{\"{key}\":\"<the value now in the template>\"}}'")
    if not plan.unsafe and spec.unsafe and spec.safety == "unsafe":
        plan.unsafe = spec.unsafe


def _intrinsic(document: Document, node: Node) -> tuple[str, Node] | None:
    """(function name, its argument node) for `!Fn x` / {"Fn::X": x}, else None."""
    if node is None:
        return None
    if is_tagged(node):
        return SHORT_TAGS.get(tag_of(node), tag_of(node)), node
    if isinstance(node, MappingNode) and len(node.value) == 1:
        key, value = node.value[0]
        if isinstance(key, ScalarNode) and (key.value.startswith("Fn::") or key.value in ("Ref", "Condition")):
            return key.value, value
    return None


def _nested(keys: list, value: Any) -> Any:
    for key in reversed(keys):
        value = {key: value}
    return value


def _set(document: Document, node: Node, keys: list, target: Target, touched: list) -> list[Edit]:
    function = _intrinsic(document, node)
    if function is not None:
        name, argument = function
        if name == "Fn::If" and isinstance(argument, SequenceNode) and len(argument.value) == 3:
            edits = []
            for branch in argument.value[1:]:
                inner = _intrinsic(document, branch)
                if inner and inner[0] == "Ref" and isinstance(inner[1], ScalarNode) \
                        and inner[1].value == "AWS::NoValue":
                    edits.append(document.replace(branch, _nested(keys, target.value)))
                else:
                    edits += _set(document, branch, keys, target, touched)
            return edits
        if name == "Ref" and not keys and isinstance(argument, ScalarNode):
            if argument.value == "AWS::NoValue":
                return [document.replace(node, target.value)]
            if target.via_parameter:
                return _set_parameter(document, argument.value, target, touched)
            raise Manual(f"the value comes from !Ref {argument.value}; change it by hand")
        raise Manual(f"the value is computed by {name}; change it by hand")
    if not keys:
        if isinstance(node, ScalarNode) and node.value == "" and node.style is None:
            raise Manual("the property is there with no value; set it by hand")
        if isinstance(node, ScalarNode):
            return [] if target.ok(scalar_value(node)) else [document.replace(node, target.value)]
        raise Manual("the value is not a single value; change it by hand")
    key = keys[0]
    if isinstance(node, MappingNode):
        child = document.child(node, key)
        if child is None:
            if not node.value and not node.flow_style:
                raise Manual("the mapping is empty")
            return [document.add_key(node, key, _nested(keys[1:], target.value))]
        return _set(document, child, keys[1:], target, touched)
    if isinstance(node, SequenceNode) and isinstance(key, int) and key < len(node.value):
        return _set(document, node.value[key], keys[1:], target, touched)
    raise Manual(f"{key} sits under a value that is not a mapping; change it by hand")


def _set_parameter(document: Document, name: str, target: Target, touched: list) -> list[Edit]:
    """Fix a value that comes from a parameter in the parameter's Default, when nothing
    else uses the parameter and its AllowedValues allow only passing values."""
    uses = _references(document, name)
    if uses != 1:
        raise Manual(f"the value comes from parameter {name}, which feeds {uses} places; "
                     "change its Default or this value by hand")
    declared = document.at(["Parameters", name])
    default = document.child(declared, "Default")
    if not isinstance(default, ScalarNode):
        raise Manual(f"the value comes from parameter {name}, which has no Default")
    allowed = document.child(declared, "AllowedValues")
    if isinstance(allowed, SequenceNode):
        values = [scalar_value(item) for item in allowed.value if isinstance(item, ScalarNode)]
        if str(target.value).lower() not in {str(v).lower() for v in values}:
            raise Manual(f"parameter {name}'s AllowedValues do not include {target.value}")
        if any(not target.ok(v) for v in values):
            raise Manual(f"parameter {name}'s AllowedValues still allow a failing value")
    touched.append(["Parameters", name, "Default"])
    return [] if target.ok(scalar_value(default)) else [document.replace(default, target.value)]


def _references(document: Document, name: str) -> int:
    """How many `Ref`s and `${name}`s in the template use parameter `name`."""
    count = 0
    pattern = re.compile(r"\$\{" + re.escape(name) + r"\}")
    stack = [document.root]
    while stack:
        node = stack.pop()
        if isinstance(node, ScalarNode):
            if tag_of(node) == "!Ref" and node.value == name:
                count += 1
            elif tag_of(node) == "!Sub":
                count += len(pattern.findall(node.value))
        elif isinstance(node, MappingNode):
            for key, value in node.value:
                if isinstance(key, ScalarNode) and key.value == "Ref" and \
                        isinstance(value, ScalarNode) and value.value == name:
                    count += 1
                elif isinstance(key, ScalarNode) and key.value == "Fn::Sub":
                    text = value if isinstance(value, ScalarNode) else (
                        value.value[0] if isinstance(value, SequenceNode) and value.value else None)
                    if isinstance(text, ScalarNode):
                        count += len(pattern.findall(text.value))
                stack.append(value)
        elif isinstance(node, SequenceNode):
            if tag_of(node) == "!Sub" and node.value and isinstance(node.value[0], ScalarNode):
                count += len(pattern.findall(node.value[0].value))
            stack.extend(node.value)
    return count


def _merge_same_point(edits: list[Edit]) -> list[Edit]:
    """Insertions of one fix at the same place become one (DeletionPolicy and
    UpdateReplacePolicy after the same last key)."""
    merged: list[Edit] = []
    for edit in edits:
        if merged and edit.start == edit.end == merged[-1].start == merged[-1].end:
            previous = merged.pop()
            merged.append(Edit(edit.start, edit.end, previous.text + edit.text))
        else:
            merged.append(edit)
    return merged


# -- block planners -------------------------------------------------------------------
def _plan_bucket_tls(document: Document, spec: FixSpec, path: list, plan: Plan) -> None:
    """W9204: a Deny on aws:SecureTransport false in the bucket's policy, or a new one."""
    bucket = path[1] if len(path) >= 2 and path[0] == "Resources" else None
    resources = document.at(["Resources"])
    if bucket is None or not isinstance(resources, MappingNode):
        raise Manual("the finding is not on a bucket")
    if document.key_node(resources, bucket) is None:
        raise Manual(f"bucket {bucket} is not written in the template (Fn::ForEach?)")
    statement = {
        "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [Fn("Fn::GetAtt", f"{bucket}.Arn"), Fn("Fn::Sub", "${%s.Arn}/*" % bucket)],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    bucket_name = document.at(["Resources", bucket, "Properties", "BucketName"])
    literal_name = bucket_name.value if isinstance(bucket_name, ScalarNode) and not is_tagged(bucket_name) else None
    for key, body in resources.value:
        rtype = document.child(body, "Type")
        if not (isinstance(rtype, ScalarNode) and rtype.value == "AWS::S3::BucketPolicy"):
            continue
        target = document.at(["Resources", key.value, "Properties", "Bucket"])
        function = _intrinsic(document, target) if target is not None else None
        if function and function[0] == "Ref" and isinstance(function[1], ScalarNode):
            if function[1].value != bucket:
                continue
        elif isinstance(target, ScalarNode) and function is None:
            if target.value != literal_name:
                continue
        else:
            raise Manual(f"bucket policy {key.value} may be this bucket's; add the statement by hand")
        statements = document.at(["Resources", key.value, "Properties", "PolicyDocument", "Statement"])
        if isinstance(statements, SequenceNode) and statements.value and not is_tagged(statements):
            plan.paths.append(["Resources", key.value, "Properties", "PolicyDocument", "Statement", len(statements.value)])
            plan.edits.append(document.append_item(statements, statement))
            return
        raise Manual(f"bucket policy {key.value} has no list of statements to extend")
    names = {key.value for key, _ in resources.value}
    candidates = [f"{bucket}Policy", f"{bucket}TlsPolicy"] + [f"{bucket}TlsPolicy{n}" for n in range(2, 99)]
    name = next(candidate for candidate in candidates if candidate not in names)
    policy: dict = {"Type": "AWS::S3::BucketPolicy"}
    condition = document.child(document.at(["Resources", bucket]), "Condition")
    if isinstance(condition, ScalarNode):
        policy["Condition"] = condition.value
    policy["Properties"] = {"Bucket": Fn("Ref", bucket),
                            "PolicyDocument": {"Version": "2012-10-17", "Statement": [statement]}}
    plan.paths.append(["Resources", name])
    plan.edits.append(document.add_key(resources, name, policy, after=bucket))
    plan.unsafe = ("a new bucket policy replaces any policy set on the bucket outside this "
                   "template")


def _plan_tracing(document: Document, spec: FixSpec, path: list, plan: Plan) -> None:
    """I9006 reports once per template: Tracing: Active in Globals when the finding is
    there, and on each function whose own setting fails (SAM `Tracing`, Lambda
    `TracingConfig.Mode`); a function whose value cannot be fixed is left as manual."""
    active = lambda current: current == "Active"  # noqa: E731
    manual = []
    if path[:2] == ["Globals", "Function"]:
        target = Target(("Globals", "Function", "Tracing"), "Active", active)
        plan.paths.append(list(target.keys))
        plan.edits += _set(document, document.root, list(target.keys), target, plan.paths)
    resources = document.at(["Resources"])
    for key, body in resources.value if isinstance(resources, MappingNode) else []:
        rtype = document.child(body, "Type")
        rtype = rtype.value if isinstance(rtype, ScalarNode) else None
        if rtype == "AWS::Serverless::Function":
            if path[:2] == ["Globals", "Function"] and \
                    document.at(["Resources", key.value, "Properties", "Tracing"]) is None:
                continue  # Globals decides
            keys = ("Properties", "Tracing")
        elif rtype == "AWS::Lambda::Function":
            keys = ("Properties", "TracingConfig", "Mode")
        else:
            continue
        target = Target(keys, "Active", active)
        try:
            edits = _set(document, body, list(keys), target, plan.paths)
        except Manual as reason:
            manual.append(f"{key.value}: {reason}")
            continue
        plan.paths.append(["Resources", key.value, *keys])
        plan.edits += edits
    if manual and not plan.edits:
        raise Manual("; ".join(manual))
    if manual:
        plan.note = "by hand: " + "; ".join(manual)


PLANNERS = {"bucket_tls": _plan_bucket_tls, "tracing": _plan_tracing}
