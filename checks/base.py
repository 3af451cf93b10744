"""What every tmpllint rule shares: its documentation fields and template helpers.

A rule class carries its own documentation (ruff style: what it does, why it matters,
a failing and a passing example, the study notes it comes from), so `tmpllint explain`
and the code cannot drift apart. `Documented` is a plain mixin, not a cfn-lint rule,
so cfn-lint's `--append-rules tmpllint.checks` never instantiates it.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from cfnlint.rules.jsonschema.CfnLintJsonSchema import CfnLintJsonSchema

#: The study notes, by the three-digit prefix that RULES.md cites them with.
SEED_FILES = {
    "000": "seeds/000_9237e2f645326144.txt",
    "001": "seeds/001_16fdc372ae212b63.txt",
    "002": "seeds/002_223e6d5dafe854ce.txt",
    "003": "seeds/003_7b2b37d4eeaedd28.txt",
    "004": "seeds/004_67d0d92d551be2b8.txt",
}

#: RULES.md families by the digit after the 9; each family is one module of checks/.
FAMILIES = {
    "0": "template",
    "1": "encryption",
    "2": "transit",
    "3": "secrets",
    "4": "iam",
    "5": "availability",
    "6": "network",
    "7": "logging",
    "8": "backup",
}

#: Events that make Lambda invoke a function asynchronously (SAM event `Type`s).
ASYNC_EVENT_TYPES = frozenset(
    {"S3", "SNS", "EventBridgeRule", "CloudWatchEvent", "Schedule", "IoTRule", "CodeCommit"}
)


class Documented:
    """Documentation fields of a tmpllint rule, read by `tmpllint rules` and `explain`.

    Subclasses set: `id`, `shortdesc`, `description` (what it checks), `why` (why it
    matters), `seeds` (citations like "000:483"), `example_fail`, `example_pass`, and
    optionally `default_note` (what AWS does when the property is left out).
    """

    why: str = ""
    seeds: tuple[str, ...] = ()
    example_fail: str = ""
    example_pass: str = ""

    @classmethod
    def family(cls) -> str:
        return FAMILIES[cls.id[2]]  # type: ignore[attr-defined]

    @classmethod
    def seed_citations(cls) -> list[str]:
        """`seeds/<file>:<line>` for each citation, as `explain` prints them."""
        cited = []
        for seed in cls.seeds:
            prefix, _, lines = seed.partition(":")
            cited.append(f"{SEED_FILES[prefix]}:{lines}" if lines else SEED_FILES[prefix])
        return cited


# -- reading templates ----------------------------------------------------------------
def resources_of(cfn, *types: str) -> Iterator[tuple[str, dict]]:
    """(logical id, resource) for every resource of one of `types`."""
    for name, resource in cfn.get_resources(list(types)).items():
        if isinstance(resource, dict):
            yield name, resource


def properties(resource: dict) -> dict:
    props = resource.get("Properties")
    return props if isinstance(props, dict) else {}


def scenarios(cfn, obj: Any, names: list[str] | None = None) -> Iterator[tuple[dict | None, Any]]:
    """(scenario, value) for each way the conditions of `obj` can resolve.

    `scenario` is None when no condition is involved, else {"IsProd": False, ...};
    `AWS::NoValue` branches come back with the property removed. With `names`, only
    those properties are looked at, and a scenario that removes all of them still
    comes back (as {}), which cfn-lint's own helper drops.
    """
    if not isinstance(obj, (dict, list)):
        yield None, obj
        return
    results = cfn.get_object_without_conditions(obj, names or [])
    for item in results:
        yield item["Scenario"], item["Object"]
    if names and isinstance(obj, dict):
        seen = [item["Scenario"] for item in results]
        every = cfn.get_conditions_scenarios_from_object({n: obj.get(n) for n in names})
        for scenario in every:
            if scenario not in seen:
                yield scenario, {}
        if not every and not results:
            yield None, {}


def reported_scenarios(failing: list, total: int) -> list:
    """The scenarios a finding is reported under: `[None]` (no condition named) when it
    fails in all `total` scenarios, so it does not depend on a condition; otherwise
    each failing scenario, for the message to name its condition."""
    return [None] if len(failing) >= total else list(failing)


def when(scenario: dict | None) -> str:
    """' when IsProd is false' for a message, or '' when no condition is involved."""
    if not scenario:
        return ""
    parts = [f"{name} is {'true' if value else 'false'}" for name, value in scenario.items()]
    return " when " + " and ".join(parts)


_SUB_REF = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")


def referenced_resource(value: Any) -> str | None:
    """The logical id a `Ref`, `GetAtt` or a `Sub` of one `${Id...}` points at."""
    if not isinstance(value, dict) or len(value) != 1:
        return None
    (function, argument), = value.items()
    if function == "Ref" and isinstance(argument, str):
        return argument
    if function == "Fn::GetAtt":
        if isinstance(argument, list) and argument and isinstance(argument[0], str):
            return argument[0]
        if isinstance(argument, str):
            return argument.split(".", 1)[0]
    if function == "Fn::Sub":
        text = argument[0] if isinstance(argument, list) and argument else argument
        if isinstance(text, str):
            found = _SUB_REF.fullmatch(text.strip())
            return found.group(1) if found else None
    return None


def parameters_of(cfn) -> dict:
    """The template's Parameters section, or {} when it is missing or malformed."""
    parameters = cfn.template.get("Parameters")
    return parameters if isinstance(parameters, dict) else {}


def parameter(cfn, name: Any) -> dict | None:
    """One parameter's declaration, or None."""
    found = parameters_of(cfn).get(name) if isinstance(name, str) else None
    return found if isinstance(found, dict) else None


def literal_values(cfn, value: Any) -> list[Any] | None:
    """The literal values `value` can take, or None when that is unknown.

    A literal is itself; a `Ref` to a parameter is its `Default` plus its
    `AllowedValues` (RULES.md conventions); anything else (imports, GetAtt) is unknown
    and must never be flagged.
    """
    if not isinstance(value, dict):
        return [value]
    if set(value) == {"Ref"} and isinstance(value["Ref"], str):
        declared = parameter(cfn, value["Ref"])
        if declared is not None:
            found = []
            if "Default" in declared:
                found.append(declared["Default"])
            allowed = declared.get("AllowedValues")
            if isinstance(allowed, list):
                found.extend(v for v in allowed if v not in found)
            return found or None
    return None


def walk(value: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """(path, node) for `value` and every mapping and list item below it."""
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from walk(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk(item, path + (index,))


def load_data(name: str) -> Any:
    """A JSON file shipped with the pack: `schemas/<x>.json` or `data/<x>.json`."""
    import json
    from importlib.resources import files

    return json.loads(files("tmpllint.checks").joinpath(name).read_text(encoding="utf-8"))


def references_in(value: Any) -> set[str]:
    """Every logical id that `Ref`, `GetAtt` or `Sub` `${Id}` inside `value` points at."""
    found: set[str] = set()
    for _, node in walk(value):
        if isinstance(node, dict) and len(node) == 1:
            direct = referenced_resource(node)
            if direct:
                found.add(direct)
            sub = node.get("Fn::Sub")
            text = sub[0] if isinstance(sub, list) and sub else sub
            if isinstance(text, str):
                found.update(match.group(1) for match in _SUB_REF.finditer(text))
    return found


#: At most this many parameter-value combinations are validated per resource.
MAX_PARAMETER_VARIANTS = 16
NO_VALUE = {"Ref": "AWS::NoValue"}
_SCENARIO = "\x00scenario\x00"  # stands for the condition text while messages are built


def _parameter_candidates(parameters: dict, name: str) -> list[Any]:
    parameter = parameters.get(name)
    if parameter is None:
        return []
    found = [] if getattr(parameter, "default", None) is None else [parameter.default]
    for value in getattr(parameter, "allowed_values", None) or []:
        if value not in found:
            found.append(value)
    return found


def parameter_variants(parameters: dict, instance: Any) -> list[Any]:
    """`instance` with each `Ref` to a parameter replaced by its Default or an AllowedValue.

    RULES.md judges a `Ref` to a parameter by its `Default` and `AllowedValues`; cfn-lint's
    schema rules leave the `Ref` unresolved, so the schema rules validate these variants.
    """
    refs = [
        (path, _parameter_candidates(parameters, node["Ref"]))
        for path, node in walk(instance)
        if isinstance(node, dict) and set(node) == {"Ref"} and isinstance(node["Ref"], str)
    ]
    refs = [(path, values) for path, values in refs if values and path]
    variants = [instance]
    for path, values in refs:
        variants = [_replaced(variant, path, value) for variant in variants
                    for value in values][:MAX_PARAMETER_VARIANTS]
    return variants


def _replaced(node: Any, path: tuple, value: Any) -> Any:
    """A copy of `node` with the value at `path` replaced; only the containers along
    the path are copied, the rest is shared (a deep copy of a resource is slow)."""
    if not path:
        return value
    key, rest = path[0], path[1:]
    if isinstance(node, dict):
        copied = dict(node)
    else:
        copied = list(node)
    copied[key] = _replaced(node[key], rest, value)
    return copied


def condition_variants(cfn, instance: Any) -> list[tuple[dict | None, Any]]:
    """(scenario, `instance` with every `Fn::If` resolved for it) per condition scenario.

    A property whose branch is `AWS::NoValue` is removed, as CloudFormation would. cfn-lint
    decides which scenarios are possible (related conditions are not combined freely).
    """
    names = condition_names(instance)
    if not names:
        return [(None, instance)]
    found = [(scenario, resolve(instance, scenario))
             for scenario in cfn.conditions.build_scenarios(dict.fromkeys(sorted(names)))]
    return found or [(None, instance)]


def condition_names(value: Any) -> set[str]:
    """The conditions that `Fn::If`s anywhere inside `value` name."""
    return {
        node["Fn::If"][0] for _, node in walk(value)
        if isinstance(node, dict) and len(node) == 1 and isinstance(node.get("Fn::If"), list)
        and len(node["Fn::If"]) == 3 and isinstance(node["Fn::If"][0], str)
    }


def resolve(value: Any, scenario: dict | None) -> Any:
    """`value` with each `Fn::If` replaced by its branch in `scenario` (NoValue dropped)."""
    if not scenario:
        return value
    if isinstance(value, dict):
        branch = value.get("Fn::If") if len(value) == 1 else None
        if isinstance(branch, list) and len(branch) == 3 and isinstance(branch[0], str) \
                and branch[0] in scenario:
            return resolve(branch[1] if scenario[branch[0]] else branch[2], scenario)
        resolved = {key: resolve(item, scenario) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item != NO_VALUE}
    if isinstance(value, list):
        return [item for item in (resolve(v, scenario) for v in value) if item != NO_VALUE]
    return value


def existing_prefix(instance: Any, path) -> list:
    """The longest start of `path` that exists in `instance` (so a finding inside a
    resolved `!If` branch points at the property that holds the `!If`)."""
    kept, node = [], instance
    for key in path:
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            node = node[key]
        else:
            break
        kept.append(key)
    return kept


def _locate(instance: Any, err) -> list:
    """Where in the template as written an error on a resolved variant belongs.

    A property that a scenario removed (`!If [C, x, !Ref AWS::NoValue]`) is "missing"
    in that scenario; the finding then points at the property holding the `!If`.
    """
    path = existing_prefix(instance, err.path)
    if err.validator == "required" and len(path) == len(err.path):
        holder = instance
        for key in path:
            holder = holder[key]
        for name in err.validator_value or []:
            if isinstance(holder, dict) and name in holder and name not in (err.instance or {}):
                return path + [name]
    return path


class ResourceSchemaRule(CfnLintJsonSchema):
    """A rule that validates whole resources of `resource_types` against its own JSON
    schema, `checks/schemas/<schema_file>` (written for the resource: Type, Properties,
    DeletionPolicy...), so a resource with no Properties at all is judged too.

    Every condition scenario and every parameter value (Default, AllowedValues) is
    validated separately; `self.scenario` holds " when IsProd is false" (or "") while
    `message()` runs, for the message to name the condition.
    """

    resource_types: tuple[str, ...] = ()
    schema_file: str = ""

    def __init__(self) -> None:
        super().__init__(keywords=["Resources/*"])
        self._schema = load_data(f"schemas/{self.schema_file}")
        self._use_schema_arg = False
        self.scenario = ""

    def _iter_errors(self, validator, instance):
        """Every failed check (not just cfn-lint's "best" one), each with our message."""
        for err in validator.iter_errors(instance):
            if err.unknown:
                continue
            err.message = self.message(instance, err)
            err.context = []
            err.rule = self
            yield err

    def validate(self, validator, keywords, instance, schema):
        if not isinstance(instance, dict) or instance.get("Type") not in self.resource_types:
            return
        parameters = getattr(validator.context, "parameters", {}) or {}
        variants = condition_variants(validator.cfn, instance)
        found: dict[tuple, list] = {}  # (path, message) -> [(scenario, error), ...]
        self.scenario = _SCENARIO
        for scenario, resolved in variants:
            for variant in parameter_variants(parameters, resolved):
                for err in super().validate(validator, keywords, variant, schema):
                    err.path = type(err.path)(_locate(instance, err))
                    key = (tuple(err.path), err.message)
                    if not any(seen is scenario for seen, _ in found.get(key, [])):
                        found.setdefault(key, []).append((scenario, err))
        self.scenario = ""
        for (_, message), hits in found.items():
            scenarios = reported_scenarios([scenario for scenario, _ in hits], len(variants))
            for scenario, (_, err) in zip(scenarios, hits):
                err.message = message.replace(_SCENARIO, when(scenario))
                yield err


def values_at(node: Any, path, prefix: tuple = ()) -> Iterator[tuple[list, Any]]:
    """(path, value) for every value at `path` below `node`; `*` is every list item."""
    if not path:
        yield list(prefix), node
        return
    key, rest = path[0], path[1:]
    if key == "*":
        for index, item in enumerate(node if isinstance(node, list) else []):
            yield from values_at(item, rest, prefix + (index,))
    elif isinstance(node, dict) and key in node:
        yield from values_at(node[key], rest, prefix + (key,))
