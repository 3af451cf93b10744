"""ruamel.yaml with CloudFormation's short tags, for templates that read as hand-written.

Generators build templates out of `CommentedMap`s and the tag helpers below (`ref`,
`sub`, `get_att`, ...), attach comments to keys, and `dump` them with a stable layout:
block style, two-space indent, lists indented under their key, no line wrapping.
"""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar

#: The order of a template's top-level sections.
SECTIONS = ("AWSTemplateFormatVersion", "Transform", "Description", "Metadata", "Parameters",
            "Rules", "Mappings", "Conditions", "Globals", "Resources", "Outputs")


def _scalar(tag: str, value: str) -> TaggedScalar:
    return TaggedScalar(value=value, tag=tag)


def _sequence(tag: str, items: list) -> CommentedSeq:
    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    seq.yaml_set_ctag(_ctag(tag))
    return seq


def _ctag(tag: str):
    from ruamel.yaml.tag import Tag

    return Tag(suffix=tag)


def ref(name: str) -> TaggedScalar:
    return _scalar("!Ref", name)


def get_att(target: str) -> TaggedScalar:
    return _scalar("!GetAtt", target)


def sub(text: str) -> TaggedScalar:
    return _scalar("!Sub", text)


def get_azs(region: str = "") -> TaggedScalar:
    return _scalar("!GetAZs", region)


def cidr(block: Any, count: int, bits: int) -> CommentedSeq:
    return _sequence("!Cidr", [block, count, bits])


def join(delimiter: str, items: list) -> CommentedSeq:
    return _sequence("!Join", [delimiter, items])


def select(index: int, items: Any) -> CommentedSeq:
    return _sequence("!Select", [index, items])


def if_(condition: str, true: Any, false: Any) -> CommentedSeq:
    return _sequence("!If", [condition, true, false])


def equals(left: Any, right: Any) -> CommentedSeq:
    return _sequence("!Equals", [left, right])


def not_(condition: Any) -> CommentedSeq:
    return _sequence("!Not", [condition])


def condition(name: str) -> TaggedScalar:
    return _scalar("!Condition", name)


def no_value() -> TaggedScalar:
    return ref("AWS::NoValue")


def find_in_map(name: str, key: Any, attribute: Any) -> CommentedSeq:
    return _sequence("!FindInMap", [name, key, attribute])


def mapping(*pairs: tuple[str, Any], comment: str | None = None, **items: Any) -> CommentedMap:
    """A mapping from (key, value) pairs and/or keyword items, keeping their order."""
    result = CommentedMap()
    for key, value in pairs:
        result[key] = value
    for key, value in items.items():
        result[key] = value
    if comment:
        result.yaml_set_start_comment(comment)
    return result


def comment_before(parent: CommentedMap, key: str, text: str, indent: int) -> None:
    """A comment line (or lines) above `key` of `parent`."""
    parent.yaml_set_comment_before_after_key(key, before=text, indent=indent)


def extend(target: CommentedMap, source: CommentedMap) -> None:
    """`target.update(source)` keeping the comments `comment_before` put above `source`'s
    keys (a plain `update` copies the values and drops them)."""
    for key, value in source.items():
        target[key] = value
        if key in source.ca.items:
            target.ca.items[key] = source.ca.items[key]


def dump(template: CommentedMap) -> str:
    """The template as YAML, sections in the conventional order."""
    ordered = CommentedMap()
    for section in SECTIONS:
        if section in template:
            ordered[section] = template[section]
    for key, value in template.items():
        if key not in ordered:
            ordered[key] = value
    if template.ca.comment:
        ordered.ca.comment = template.ca.comment
    ordered.ca.items.update(template.ca.items)
    yaml = YAML()
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    yaml.preserve_quotes = True
    stream = io.StringIO()
    yaml.dump(ordered, stream)
    return stream.getvalue()


def split(delimiter: str, text: Any) -> CommentedSeq:
    return _sequence("!Split", [delimiter, text])
