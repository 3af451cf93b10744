"""Cheaper versions of two cfn-lint hot spots, installed by `Engine` (issue 16).

Both return exactly what cfn-lint's own code returns; they only stop repeating work
(the profile and the same-findings check are in `bench/cpu_profile.py` and
`bench/same_findings.py`):

- `cfnlint.jsonschema.validators.create` builds a new dataclass *type* on every call, and
  every schema rule calls it (through `Validator.extend`) once per resource it checks:
  about a fifth of a run's CPU went into `dataclasses`. The type depends only on the
  three arguments, so it is built once per distinct set of arguments (the callables
  compared by identity, and kept alive with the cache entry so an identity cannot be
  reused; the function filter, a small dataclass that is never changed in place, by
  value) and reused. `extend_validator` then stopped building a throw-away validator
  (with an empty `Template`) on the way to the one it returns.
- `evolve` (of the validator classes, `Context` and `FunctionFilter`) asks
  `dataclasses.fields()` for the class's fields on every call (~170,000 calls per 80
  files); they are fixed once the class exists, so their names are read once.
- E1101 (`CfnLint.cfnLint`) hands every `cfnLint` keyword of a schema to the child rules
  that registered it by scanning all ~300 child rules and their keywords, for every
  property of every resource. `index_keywords` replaces that scan with a lookup in a
  keyword -> rules index built once per file, in the same order as the scan.
- `Rules.run` wires every rule's children at the start of every file by comparing each
  child id with every rule id (`any(key == r for r in self.data.keys())`: ~5 million
  comparisons per 80 files); `rules_run` is the same function with a dictionary lookup
  there; and it does not call `matchall_resource_properties` for a rule and resource
  where cfn-lint's `matching` wrapper would return at once (the resource type is not
  in the rule's `resource_property_types`): ~160,000 four-deep generator chains per 80
  files. The engine uses it only when cfn-lint's `run` and `matching` are the versions
  it was written against (`engine._CFN_LINT_RUN`, hashes of their sources), and
  cfn-lint's own `run` otherwise.
"""

from __future__ import annotations

import types
from collections import OrderedDict

_CREATE_CACHE_SIZE = 512
_installed = False

#: sha256 (first 16 hex digits) of the source of each cfn-lint function replaced here,
#: in the cfn-lint versions it was written against (1.58); a function whose source
#: differs (another cfn-lint) is left alone.
CFN_LINT_CREATE = frozenset({"2d1dd51fbc7a640b"})  # also holds Validator.evolve
CFN_LINT_EXTEND_VALIDATOR = frozenset({"512d7e20846250f7"})
CFN_LINT_CONTEXT_EVOLVE = frozenset({"05aa695393629cc4"})
CFN_LINT_FILTER_EVOLVE = frozenset({"58dfb27d5ccfea44"})
CFN_LINT_KEYWORD = frozenset({"23947c8987cd5a17"})  # CfnLint.cfnLint (E1101)


def same_source(function, digests) -> bool:
    """Is `function`'s source one of `digests` (see above)? Computed once per function."""
    cached = getattr(function, "_tmpllint_digest", None)
    if cached is None:
        import hashlib
        import inspect

        try:
            source = inspect.getsource(function)
        except (OSError, TypeError):
            source = ""
        cached = hashlib.sha256(source.encode()).hexdigest()[:16]
        try:
            function._tmpllint_digest = cached
        except AttributeError:
            pass
    return cached in digests


def _identity(value) -> tuple:
    """What makes two callables the same validator: the function and, for a bound
    method, the object it is bound to (a new bound method is made on every getattr)."""
    if isinstance(value, types.MethodType):
        return (id(value.__self__), id(value.__func__))
    return (id(value),)


def _value_key(value) -> tuple:
    """A dataclass such as cfn-lint's `FunctionFilter` (a new, equal one is made for
    nearly every call; none is changed after it is made) by its type and field values."""
    import dataclasses

    if value is None or not dataclasses.is_dataclass(value):
        return (id(value),)
    parts = []
    for field in dataclasses.fields(value):
        item = getattr(value, field.name)
        if isinstance(item, list):
            item = tuple(item)
        hash(item)  # TypeError for anything unhashable: the caller falls back
        parts.append((field.name, item))
    return (type(value), tuple(parts))


def install() -> None:
    """Replace `cfnlint.jsonschema.validators.create` by a memoised version (once)."""
    global _installed
    if _installed:
        return
    import cfnlint.jsonschema.validators as module

    _installed = True
    _install_extend_validator()
    _install_evolve()
    original = module.create
    if not same_source(original, CFN_LINT_CREATE):
        return
    cache: OrderedDict = OrderedDict()

    def create(validators=None, function_filter=None, fn_resolvers=None):
        try:
            key = (
                tuple((name, _identity(value)) for name, value in (validators or {}).items()),
                _value_key(function_filter),
                tuple((name, _identity(value)) for name, value in (fn_resolvers or {}).items()),
            )
        except TypeError:  # not a mapping of callables: leave it to cfn-lint
            return original(validators, function_filter, fn_resolvers)
        entry = cache.get(key)
        if entry is not None:
            cache.move_to_end(key)
            return entry[0]
        made = original(validators, function_filter, fn_resolvers)
        _fast_evolve(made)
        # the arguments stay referenced with the entry: the ids in the key stay theirs
        cache[key] = (made, validators, function_filter, fn_resolvers)
        if len(cache) > _CREATE_CACHE_SIZE:
            cache.popitem(last=False)
        return made

    create.__wrapped__ = original
    module.create = create


def _install_extend_validator() -> None:
    """`BaseJsonSchema.extend_validator` makes a validator with cfn-lint's defaults (an
    empty `Template`, its context, a resolver) and at once replaces the three; this
    makes the same validator directly with the final values."""
    from cfnlint.rules.jsonschema.Base import BaseJsonSchema
    from cfnlint.schema.resolver import RefResolver

    original = BaseJsonSchema.extend_validator
    if not same_source(original, CFN_LINT_EXTEND_VALIDATOR):
        return

    def extend_validator(self, validator, schema, context, validators=None):
        all_validators = self._get_validators()
        if validators:
            all_validators.update(validators)
        return validator.extend(validators=all_validators)(
            schema=schema,
            cfn=validator.cfn,
            context=context,
            resolver=RefResolver.from_schema(schema),
        )

    extend_validator.__wrapped__ = original
    BaseJsonSchema.extend_validator = extend_validator


def _init_names(cls) -> tuple[str, ...]:
    import dataclasses

    return tuple(f.name for f in dataclasses.fields(cls) if f.init)


def _fast_evolve(validator_cls) -> None:
    """`Validator.evolve` as cfn-lint writes it, with the field names read once."""
    names = _init_names(validator_cls)

    def evolve(self, **kwargs):
        for name in names:
            kwargs.setdefault(name, getattr(self, name))
        return self.__class__(**kwargs)

    evolve.__wrapped__ = validator_cls.evolve
    validator_cls.evolve = evolve


def _install_evolve() -> None:
    """`Context.evolve` and `FunctionFilter.evolve`, with the field names read once."""
    from cfnlint.context.context import Context
    from cfnlint.jsonschema._filter import FunctionFilter

    if not (same_source(Context.evolve, CFN_LINT_CONTEXT_EVOLVE)
            and same_source(FunctionFilter.evolve, CFN_LINT_FILTER_EVOLVE)):
        return
    context_names = _init_names(Context)

    def context_evolve(self, **kwargs):
        cls = self.__class__
        if "ref_values" in kwargs:
            new_ref_values = self.ref_values.copy()
            new_ref_values.update(kwargs["ref_values"])
            kwargs["ref_values"] = new_ref_values
        for name in context_names:
            kwargs.setdefault(name, getattr(self, name))
        return cls(**kwargs)

    filter_names = _init_names(FunctionFilter)

    def filter_evolve(self, **kwargs):
        for name in filter_names:
            kwargs.setdefault(name, getattr(self, name))
        return self.__class__(**kwargs)

    context_evolve.__wrapped__ = Context.evolve
    filter_evolve.__wrapped__ = FunctionFilter.evolve
    Context.evolve = context_evolve
    FunctionFilter.evolve = filter_evolve


def index_keywords(rule) -> None:
    """Give cfn-lint's E1101 rule object an indexed `cfnLint` (see the module docstring).
    `reset(rule)` must be called whenever its child rules may have changed (the engine
    does it at the start of every file, after which cfn-lint re-wires the children)."""
    from cfnlint.jsonschema._utils import Unset

    rule._tmpllint_keyword_index = None

    def build() -> dict:
        index: dict = {}
        for child in rule.child_rules.values():
            if child is None or not child.id:
                continue
            for keyword in child.keywords:
                index.setdefault(keyword, []).append(child)
        return index

    def cfnLint(validator, keywords, instance, schema):  # noqa: N802 - cfn-lint's name
        validator = validator.evolve(
            function_filter=validator.function_filter.evolve(add_cfn_lint_keyword=False)
        )
        index = rule._tmpllint_keyword_index
        if index is None:
            index = rule._tmpllint_keyword_index = build()
        for keyword in keywords:
            try:
                children = index.get(keyword, ())
            except TypeError:  # an unhashable keyword: compare as cfn-lint does
                children = [c for c in rule.child_rules.values() if c is not None and c.id
                            for k in c.keywords if k == keyword]
            for child in children:
                for err in child.validate(validator, keyword, instance, schema):
                    if err.rule is None:
                        if isinstance(err.validator, Unset):
                            err.rule = child
                    yield err

    rule.cfnLint = cfnLint


def reset(rules) -> None:
    """Forget the keyword indexes of `rules` (a mapping of rule id to rule)."""
    for rule in rules.values():
        if getattr(rule, "_tmpllint_keyword_index", None) is not None:
            rule._tmpllint_keyword_index = None


def _plain_resource_properties(rule) -> bool:
    """True when `rule.matchall_resource_properties` is cfn-lint's own (the `matching`
    wrapper that skips resource types outside `resource_property_types`)."""
    from cfnlint.rules import CloudFormationLintRule

    return ("matchall_resource_properties" not in vars(rule)
            and type(rule).matchall_resource_properties
            is CloudFormationLintRule.matchall_resource_properties)


def rules_run(self, filename, cfn, config):
    """cfn-lint 1.58's `Rules.run` (cfnlint/rules/_rules.py), with `key in self.data`
    for `any(key == r for r in self.data.keys())` and the per-resource call skipped
    where cfn-lint's wrapper would return at once; everything else as written there."""
    enabled_rule_ids = set()
    for rule_id, rule in self.data.items():
        rule.configure(
            config.configure_rules.get(rule_id, None), config.include_experimental
        )
        rule.initialize(cfn)
        if self.is_rule_enabled(rule_id, config):
            enabled_rule_ids.add(rule_id)

    for rule_id, rule in self.data.items():
        for key in rule.child_rules.keys():
            if key not in self.data:
                continue
            rule.child_rules[key] = self.data.get(key)
        for parent_rule in rule.parent_rules:
            if parent_rule in self.data:
                self.data[parent_rule].child_rules[rule_id] = rule

    for rule_id, rule in self.data.items():
        yield from self._filter_matches(
            enabled_rule_ids,
            self.run_check(
                rule.matchall,
                filename,
                rule_id,
                config,
                enabled_rule_ids,
                filename,
                cfn,
            ),
        )

    # cfn-lint's `matching` wrapper of `matchall_resource_properties` returns at once
    # unless the resource type is in the rule's `resource_property_types`; asking that
    # here, for rules that keep cfn-lint's own method, saves a chain of four generators
    # per rule and resource (the rule was already recorded as used by `matchall`)
    plain = {rule_id: _plain_resource_properties(rule) for rule_id, rule in self.data.items()}
    for resource_name, resource_attributes in cfn.get_resources().items():
        resource_type = resource_attributes.get("Type")
        resource_properties = resource_attributes.get("Properties")
        if isinstance(resource_type, str) and isinstance(resource_properties, dict):
            path = ["Resources", resource_name, "Properties"]
            for rule_id, rule in self.data.items():
                if plain[rule_id] and resource_type not in rule.resource_property_types:
                    continue
                yield from self._filter_matches(
                    enabled_rule_ids,
                    self.run_check(
                        rule.matchall_resource_properties,
                        filename,
                        rule_id,
                        config,
                        enabled_rule_ids,
                        filename,
                        cfn,
                        resource_properties,
                        resource_type,
                        path,
                    ),
                )


# -- start-up ------------------------------------------------------------------------
#: cfn-lint rule data that its rules load in their constructors but that only a template
#: with that resource uses: (package, file) -> what it is. Together ~0.2 s CPU of every
#: start-up (measured: bench/cpu_profile.py --one-file); loaded on first use instead.
DEFERRED_DATA = {
    ("cfnlint.data.AdditionalSpecs", "Policies.json"): "IAM actions per service (W3037, I3510)",
    ("cfnlint.data.schemas.extensions.aws_rds_dbinstance", "dbinstanceclass_enum.json"):
        "RDS instance classes per region (E3025)",
    ("cfnlint.data.schemas.extensions.aws_rds_dbinstance", "db_instance_class.json"):
        "RDS instance classes per engine (E3062)",
}
_deferring = False


class _Deferred:
    """Stands in for one of `DEFERRED_DATA` while the rules are built."""

    def __init__(self, load, package, filename) -> None:
        self.load = lambda: load(package, filename=filename)


class _LoadOnUse:
    """A rule attribute whose data is loaded the first time it is read (a non-data
    descriptor: once loaded the value sits in the instance's `__dict__`, which wins)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        pending = obj.__dict__.get("_tmpllint_deferred") or {}
        if self.name not in pending:
            raise AttributeError(self.name)
        value = pending.pop(self.name).load()
        obj.__dict__[self.name] = value
        return value


class deferred_data:
    """While rules are built, `load_resource` of a `DEFERRED_DATA` file returns a
    `_Deferred` token (collected in `.tokens`); `attach(rules)` then makes each token a
    load-on-first-use attribute, or says it cannot (and the caller builds again)."""

    def __enter__(self):
        global _deferring
        import sys

        import cfnlint.helpers
        import cfnlint.rules.jsonschema.CfnLintJsonSchema  # noqa: F401

        # (the package's __init__ binds the class under the module's name)
        schema_module = sys.modules["cfnlint.rules.jsonschema.CfnLintJsonSchema"]

        self.tokens: list[_Deferred] = []
        original = cfnlint.helpers.load_resource
        original = getattr(original, "__wrapped__", original)

        def load_resource(package, filename="us-east-1.json"):
            key = (getattr(package, "__name__", package), filename)
            if _deferring and key in DEFERRED_DATA:
                token = _Deferred(original, package, filename)
                self.tokens.append(token)
                return token
            return original(package, filename)

        load_resource.__wrapped__ = original
        # the rule modules cfn-lint loads from its rules folder bind the name when they
        # are executed (inside this block); CfnLintJsonSchema was imported before
        self._patched = [(module, module.load_resource)
                         for module in (cfnlint.helpers, schema_module)
                         if getattr(module.load_resource, "__wrapped__", None) is None]
        for module, _ in self._patched:
            module.load_resource = load_resource
        _deferring = True
        return self

    def __exit__(self, *exc) -> None:
        global _deferring
        _deferring = False
        for module, function in self._patched:
            module.load_resource = function

    def attach(self, rules) -> bool:
        """Every token must be a plain attribute of a rule, on a class that does not
        define that name itself; then (and only then) each becomes load-on-use."""
        found = []
        for rule in rules:
            for name, value in vars(rule).items():
                if isinstance(value, _Deferred):
                    if name in vars(type(rule)) or name == "_tmpllint_deferred":
                        return False
                    found.append((rule, name, value))
        if sorted(map(id, (token for _, _, token in found))) != sorted(map(id, self.tokens)):
            return False  # a token went somewhere else (inside a container, computed on)
        for rule, name, token in found:
            del rule.__dict__[name]
            rule.__dict__.setdefault("_tmpllint_deferred", {})[name] = token
            setattr(type(rule), name, _LoadOnUse(name))
        return True


def load_deferred(rules) -> None:
    """Load every deferred data file now (before worker processes are forked, so that
    they share it instead of each loading it)."""
    for rule in rules:
        for name in list((rule.__dict__.get("_tmpllint_deferred") or {})):
            getattr(rule, name)


class gc_paused:
    """Start-up (imports, ~400 rule objects, their schemas) makes a few hundred thousand
    long-lived objects and no garbage to speak of; the cyclic collector ran ~400 times
    over them (~0.18 s CPU of ~0.75). Collection is off inside the block (restored as it
    was); with `freeze=True` what exists at the end goes to the permanent generation,
    which later collections skip (for a process that builds one engine and keeps it:
    the CLI; frozen objects are never freed)."""

    def __init__(self, freeze: bool = False) -> None:
        self.freeze = freeze

    def __enter__(self):
        import gc

        self.was_enabled = gc.isenabled()
        gc.disable()
        return self

    def __exit__(self, *exc) -> None:
        import gc

        if self.was_enabled:
            gc.enable()
            if self.freeze:
                gc.freeze()
