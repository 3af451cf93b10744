"""What every tmpllint rule shares: its documentation fields and template helpers.

A rule class carries its own documentation (ruff style: what it does, why it matters,
a failing and a passing example, the study notes it comes from), so `tmpllint explain`
and the code cannot drift apart. `Documented` is a plain mixin, not a cfn-lint rule,
so cfn-lint's `--append-rules tmpllint.checks` never instantiates it.
"""

from __future__ import annotations

import copy
import itertools
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


def failing_scenarios(cfn, obj: Any, names: list[str], fails) -> list:
    """The scenarios to report a finding under (see `reported_scenarios`): those of
    `scenarios(cfn, obj, names)` whose resolved value `fails(value)`, collapsed; [] when
    none fails, [None] when all do."""
    found = list(scenarios(cfn, obj, names))
    failing = [scenario for scenario, chosen in found if fails(chosen)]
    if not failing:
        return []
    possible = [scenario for scenario, _ in found]
    return reported_scenarios(failing, possible if None not in possible else len(possible))


def one_finding(failing: list, total: "int | list") -> list:
    """`[terms]` (one finding naming every collapsed scenario, for `when`) when something
    fails, else `[]`: the loop form call sites use to report a thing once."""
    terms = reported_scenarios(failing, total)
    return [terms] if terms else []


def reported_scenarios(failing: list, total: "int | list") -> list:
    """The scenarios a finding is reported under: `[None]` (no condition named) when it
    fails in all scenarios, so it does not depend on a condition; otherwise the failing
    scenarios collapsed (`collapse_scenarios`), for the message to name only the
    conditions the finding depends on. `total` is the number of possible scenarios, or
    the possible scenarios themselves (which lets more conditions be dropped)."""
    possible = total if isinstance(total, list) else None
    count = len(possible) if possible is not None else total
    if len(failing) >= count:
        return [None]
    return collapse_scenarios(failing, possible)


#: Above this many conditions in one finding's scenarios, they are not collapsed
#: (the check enumerates 2**n combinations).
MAX_COLLAPSED_CONDITIONS = 10


def collapse_scenarios(failing: list, possible: list | None = None) -> list:
    """`failing` scenarios merged where they differ only in conditions the finding does
    not depend on: {A: true, B: true} and {A: true, B: false} become {A: true}.

    A condition is dropped from a scenario when every possible scenario that agrees on
    the remaining conditions fails too. `possible` lists the scenarios that can happen
    (cfn-lint's, which knows that related conditions are not free); without it every
    combination of the conditions counts as possible, which never drops too much.
    Order follows the first failing scenario each result covers; `[None]` means the
    finding depends on no condition.
    """
    if not failing:
        return []
    if any(not scenario for scenario in failing):
        return [None]
    names = sorted({name for scenario in failing for name in scenario})
    failed = {frozenset(scenario.items()) for scenario in failing}
    if possible is not None:
        universe = [dict(s) for s in possible if s]
    elif len(names) <= MAX_COLLAPSED_CONDITIONS:
        universe = [dict(zip(names, values))
                    for values in itertools.product((True, False), repeat=len(names))]
    else:
        universe = None
    if universe is None or any(set(s) != set(names) for s in universe):
        return _unique([dict(scenario) for scenario in failing])

    def only_failing(term: dict) -> bool:
        return all(frozenset(s.items()) in failed for s in universe
                   if all(s.get(name) == value for name, value in term.items()))

    terms = []
    for scenario in failing:
        term = dict(scenario)
        for name in names:
            trial = {key: value for key, value in term.items() if key != name}
            if len(trial) < len(term) and only_failing(trial):
                term = trial
        terms.append(term)
    terms = _unique([dict(sorted(term.items())) for term in terms])
    general = [t for t in terms
               if not any(o is not t and o.items() < t.items() for o in terms)]
    # a stable order (cfn-lint's scenario order varies between runs)
    general.sort(key=lambda term: [(name, not value) for name, value in term.items()])
    return [None] if general == [{}] else general


def _unique(scenarios: list) -> list:
    kept: list = []
    for scenario in scenarios:
        if scenario not in kept:
            kept.append(scenario)
    return kept


def when(scenario: "dict | list | None") -> str:
    """' when IsProd is false' for a message, or '' when no condition is involved; a list
    (the collapsed terms of `reported_scenarios`) reads ' when A is false or B is true'."""
    if isinstance(scenario, list):
        return when_any(scenario)
    if not scenario:
        return ""
    parts = [f"{name} is {'true' if value else 'false'}" for name, value in scenario.items()]
    return " when " + " and ".join(parts)


def scenario_matches(hits: dict, total, **extra) -> list:
    """RuleMatches from `{(path, message with "{when}"): [failing scenarios]}`: one per
    path and message, naming the condition only when it fails in fewer than `total`
    scenarios (an int, or a dict giving each key's total). `extra` goes to every match
    (e.g. `tmpllint_severity`)."""
    from cfnlint.rules import RuleMatch

    matches = []
    for key, failing in hits.items():
        path, message = key
        count = total[key] if isinstance(total, dict) else total
        condition = when_any(reported_scenarios(failing, count))
        matches.append(RuleMatch(list(path), message.replace("{when}", condition), **extra))
    return matches


def when_any(terms: list) -> str:
    """' when IsProd is false or HasDlq is false' for the collapsed scenarios of one
    finding (`reported_scenarios`), or '' when it depends on no condition."""
    if not terms or any(not term for term in terms):
        return ""
    return " when " + " or ".join(when(term)[len(" when "):] for term in terms)


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
        possible = [scenario for scenario, _ in variants]
        for (_, message), hits in found.items():
            failing = [scenario for scenario, _ in hits]
            terms = reported_scenarios(failing, possible if None not in possible else len(possible))
            err = copy.copy(hits[0][1])
            err.message = message.replace(_SCENARIO, when_any(terms))
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
