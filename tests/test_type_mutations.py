"""No tmpllint rule crashes on a schema-invalid template (issue 13, item 5).

Every value under Resources, Globals and Parameters of every rule fixture is replaced by
a value of another type (a string by a list, a mapping or list by a string, a number or
boolean by a mapping, anything by null), and the whole engine lints the result: cfn-lint's
own stages may refuse such a template (reported per file, as always), but no tmpllint rule
may raise. CI runs every 80th mutation (a few hundred); `TMPLLINT_FUZZ_TYPES=N` runs every
Nth (1: all of them, about 18,000), e.g. `TMPLLINT_FUZZ_TYPES=8 python -m pytest
tests/test_type_mutations.py -s`, which prints the count.
"""

from __future__ import annotations

import json
import os
import re

from conftest import FIXTURES

#: Every Nth mutation is linted.
STRIDE = int(os.environ.get("TMPLLINT_FUZZ_TYPES") or 80)
OUR_RULE_CRASH = re.compile(r"internal error in rule [EWI]9\d{3}")


def type_mutations(document):
    """(path, replacement) for each value under Resources/Globals/Parameters."""
    from tmpllint.checks.base import walk

    for path, node in walk(document):
        if not path or path[0] not in ("Resources", "Globals", "Parameters") or len(path) < 3:
            continue
        if isinstance(node, str):
            yield path, [node]
        elif isinstance(node, (dict, list)):
            yield path, "not-a-" + type(node).__name__
        elif isinstance(node, (int, float, bool)):
            yield path, {"Value": node}
        yield path, None


def replaced(document, path, value):
    copied = json.loads(json.dumps(document))
    node = copied
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return copied


def test_no_tmpllint_rule_crashes_on_type_mutations_of_the_fixtures(engine, tmp_path):
    from cfnlint.decode.decode import decode_str

    tried, crashed, index = 0, [], 0
    for fixture in sorted((FIXTURES / "checks").glob("*/*.yaml")):
        template, errors = decode_str(fixture.read_text(encoding="utf-8"))
        if errors or not isinstance(template, dict):
            continue
        document = json.loads(json.dumps(template, default=str))
        for path, value in type_mutations(document):
            index += 1
            if index % STRIDE:
                continue
            target = tmp_path / "mutated.json"
            target.write_text(json.dumps(replaced(document, path, value)), encoding="utf-8")
            result = engine.lint_path(str(target), timeout=60)
            tried += 1
            if result.error and OUR_RULE_CRASH.search(result.error):
                crashed.append(f"{fixture.parent.name}/{fixture.name} {list(path)} = {value!r}: "
                               f"{result.error}")
    print(f"{tried} type mutations linted")
    assert tried >= (2000 if STRIDE <= 8 else 100), tried
    assert crashed == []
