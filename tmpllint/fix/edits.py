"""Edits that change only the nodes a fix names, in YAML and JSON templates alike.

ruamel.yaml's round-trip composer parses the template (JSON is YAML's flow style, and
CloudFormation's short tags `!Ref`, `!If`... are kept as tagged nodes) and gives every
node its exact place in the text. An edit is a splice of that text: a scalar is
replaced where it stands, a new key is written after its last sibling in the mapping's
own style (block, flow or JSON, at the siblings' indentation). Every line a fix does not
name stays byte for byte as it was: comments, blank lines, quoting, key order, tags.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

#: Long names of the short tags, so a path from cfn-lint (`Fn::If`) finds `!If`.
SHORT_TAGS = {"!Ref": "Ref", "!Condition": "Condition"} | {
    f"!{name}": f"Fn::{name}" for name in (
        "If", "Sub", "GetAtt", "Join", "Select", "Split", "FindInMap", "ImportValue",
        "Base64", "Cidr", "GetAZs", "Equals", "Not", "And", "Or", "Transform", "ToJsonString",
        "Length")}


class Fn:
    """An intrinsic function in a value a fix writes: `!Sub x` in YAML, {"Fn::Sub": x} in JSON."""

    def __init__(self, name: str, argument: Any) -> None:
        self.name, self.argument = name, argument  # name: "Ref", "Fn::Sub", "Fn::GetAtt"

    def as_json(self) -> dict:
        argument = self.argument
        if self.name == "Fn::GetAtt" and isinstance(argument, str):
            argument = argument.split(".", 1)
        return {self.name: to_json(argument)}

    def short(self) -> str:
        return "!" + self.name.removeprefix("Fn::")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Fn) and (self.name, self.argument) == (other.name, other.argument)

    def __repr__(self) -> str:
        return f"{self.short()} {self.argument!r}"


def to_json(value: Any) -> Any:
    if isinstance(value, Fn):
        return value.as_json()
    if isinstance(value, dict):
        return {key: to_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [to_json(item) for item in value]
    return value


@dataclass(frozen=True, order=True)
class Edit:
    """Replace text[start:end] with `text` (start == end: an insertion)."""

    start: int
    end: int
    text: str


class Document:
    """A template's text and its composed node tree."""

    def __init__(self, text: str, is_json: bool) -> None:
        self.text = text
        self.is_json = is_json
        yaml = YAML(typ="rt")
        self.root: Node = yaml.compose(text)
        self.step = self._detect_step()
        self.seq_offset = self._detect_seq_offset()

    # -- reading ----------------------------------------------------------------------
    def child(self, node: Node | None, key: Any) -> Node | None:
        """The value under `key` (a mapping key, a list index, or `Fn::If` of `!If`)."""
        if node is None:
            return None
        if isinstance(node, MappingNode):
            for key_node, value in node.value:
                if isinstance(key_node, ScalarNode) and key_node.value == str(key):
                    return value
            return None
        if isinstance(node, SequenceNode):
            if isinstance(key, int) and 0 <= key < len(node.value):
                return node.value[key]
            if is_tagged(node) and SHORT_TAGS.get(tag_of(node)) == key:
                return node
        if isinstance(node, ScalarNode) and is_tagged(node) and SHORT_TAGS.get(tag_of(node)) == key:
            return node
        return None

    def at(self, path) -> Node | None:
        node = self.root
        for key in path:
            node = self.child(node, key)
        return node

    def key_node(self, mapping: Node, key: str) -> Node | None:
        for key_node, _ in mapping.value if isinstance(mapping, MappingNode) else []:
            if isinstance(key_node, ScalarNode) and key_node.value == key:
                return key_node
        return None

    def end(self, node: Node) -> int:
        """Where `node`'s text ends (a block collection: where its last value ends)."""
        if isinstance(node, ScalarNode) or node.flow_style:
            return node.end_mark.index
        if isinstance(node, MappingNode):
            if not node.value:
                return node.start_mark.index
            key, value = node.value[-1]
            if _is_empty(value):  # `Key:` with no value: its marks sit at the next token
                return key.end_mark.index
            return self.end(value)
        if node.value and _is_empty(node.value[-1]):
            raise ValueError("a list that ends with an empty item")
        return self.end(node.value[-1]) if node.value else node.start_mark.index

    def line_end(self, index: int) -> int:
        """The index just after the newline ending the line that holds `index - 1`."""
        if index > 0 and self.text[index - 1] == "\n":
            return index
        found = self.text.find("\n", index)
        return len(self.text) if found < 0 else found + 1

    # -- writing ----------------------------------------------------------------------
    def replace(self, node: Node, value: Any) -> Edit:
        """`node` (a scalar or a whole value) becomes `value`, in the node's quoting."""
        start, end = node.start_mark.index, self.end(node)
        style = node.style if isinstance(node, ScalarNode) else None
        if style in ('"', "'") and not isinstance(value, (dict, list, Fn)):
            text = _quoted(_plain_text(value), style)
        else:
            text = self.inline(value)
        return Edit(start, end, text)

    def add_key(self, mapping: MappingNode, key: str, value: Any, after: str | None = None) -> Edit:
        """`key: value` as the last pair of `mapping` (or right after the pair `after`)."""
        pairs = mapping.value
        index = len(pairs) - 1
        if after is not None:
            index = next(i for i, (k, _) in enumerate(pairs) if k.value == after)
        if mapping.flow_style or self.is_json:
            return self._add_flow(mapping, key, value, index)
        first_key = pairs[0][0]
        indent = first_key.start_mark.column
        position = self.line_end(self.end(pairs[index][1]))
        text = self.block_pair(key, value, indent)
        if position == len(self.text) and not self.text.endswith("\n"):
            text = "\n" + text.rstrip("\n")
        return Edit(position, position, text)

    def append_item(self, sequence: SequenceNode, value: Any) -> Edit:
        """`value` as the last item of `sequence`, in its style."""
        last = sequence.value[-1]
        if sequence.flow_style or self.is_json:
            if self.is_json and last.start_mark.line != sequence.start_mark.line:
                column = last.start_mark.column
                body = self._json(value, column)
                return Edit(self.end(last), self.end(last), f",\n{' ' * column}{body}")
            return Edit(self.end(last), self.end(last), ", " + self.inline(value))
        dash = sequence.start_mark.column
        position = self.line_end(self.end(last))
        return Edit(position, position, self.block_item(value, dash, last.start_mark.column - dash))

    def _add_flow(self, mapping: MappingNode, key: str, value: Any, index: int) -> Edit:
        pairs = mapping.value
        key_text = json.dumps(key) if self.is_json else _plain_text(key)
        if not pairs:
            brace = mapping.start_mark.index  # at "{"
            return Edit(brace + 1, brace + 1, f"{key_text}: {self.inline(value)}" if not self.is_json
                        else f"{key_text}: {self._json(value, 0)}")
        last_key, last_value = pairs[index]
        position = self.end(last_value)
        multiline = last_key.start_mark.line != mapping.start_mark.line
        if self.is_json:
            column = last_key.start_mark.column
            body = self._json(value, column)
            if multiline:
                return Edit(position, position, f",\n{' ' * column}{key_text}: {body}")
            return Edit(position, position, f", {key_text}: {json.dumps(to_json(value))}")
        if multiline:
            column = last_key.start_mark.column
            return Edit(position, position, f",\n{' ' * column}{key_text}: {self.inline(value)}")
        return Edit(position, position, f", {key_text}: {self.inline(value)}")

    # -- rendering --------------------------------------------------------------------
    def inline(self, value: Any) -> str:
        """`value` on one line: JSON in a JSON template, YAML flow style otherwise."""
        if self.is_json:
            return json.dumps(to_json(value))
        if isinstance(value, Fn):
            if isinstance(value.argument, (dict, list)):
                return f"{{{_plain_text(value.name)}: {self.inline(value.argument)}}}"
            return f"{value.short()} {_plain_text(value.argument)}"
        if isinstance(value, dict):
            return "{" + ", ".join(f"{_plain_text(k)}: {self.inline(v)}" for k, v in value.items()) + "}"
        if isinstance(value, list):
            return "[" + ", ".join(self.inline(item) for item in value) + "]"
        return _plain_text(value)

    def _json(self, value: Any, column: int) -> str:
        text = json.dumps(to_json(value), indent=self.step)
        return text.replace("\n", "\n" + " " * column)

    def block_pair(self, key: str, value: Any, indent: int) -> str:
        """`key: value` in block style at `indent`, ending with a newline."""
        pad = " " * indent
        if isinstance(value, dict) and value:
            inner = "".join(self.block_pair(k, v, indent + self.step) for k, v in value.items())
            return f"{pad}{_plain_text(key)}:\n{inner}"
        if isinstance(value, list) and value:
            dash = indent + self.seq_offset
            items = "".join(self.block_item(item, dash, 2) for item in value)
            return f"{pad}{_plain_text(key)}:\n{items}"
        return f"{pad}{_plain_text(key)}: {self.inline(value)}\n"

    def block_item(self, value: Any, dash: int, gap: int) -> str:
        """`- value` with the dash at column `dash`, the value `gap` columns after it."""
        lead = " " * dash + "-" + " " * (gap - 1)
        if isinstance(value, dict) and value:
            pairs = [self.block_pair(k, v, dash + gap) for k, v in value.items()]
            return lead + pairs[0].lstrip(" ") + "".join(pairs[1:])
        return lead + self.inline(value) + "\n"

    # -- layout detection -------------------------------------------------------------
    def _detect_step(self) -> int:
        """The indentation step: how far a resource's keys sit right of its name."""
        resources = self.child(self.root, "Resources")
        if isinstance(resources, MappingNode) and resources.value:
            name, body = resources.value[0]
            if isinstance(body, MappingNode) and body.value and \
                    body.value[0][0].start_mark.line != name.start_mark.line:
                step = body.value[0][0].start_mark.column - name.start_mark.column
                if step > 0:
                    return step
        return 2

    def _detect_seq_offset(self) -> int:
        """How far a block list's dash sits right of its key (0 or the step)."""
        def search(node: Node, depth: int = 0):
            if depth > 50:
                return None
            if isinstance(node, MappingNode):
                for key, value in node.value:
                    if isinstance(value, SequenceNode) and not value.flow_style and value.value \
                            and value.start_mark.line != key.start_mark.line:
                        return value.start_mark.column - key.start_mark.column
                    found = search(value, depth + 1)
                    if found is not None:
                        return found
            elif isinstance(node, SequenceNode):
                for item in node.value:
                    found = search(item, depth + 1)
                    if found is not None:
                        return found
            return None

        found = None if self.is_json else search(self.root)
        return found if found is not None and found >= 0 else self.step


def _is_empty(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.value == "" and node.style is None \
        and not is_tagged(node)


def tag_of(node: Node) -> str:
    tag = node.tag
    return tag if isinstance(tag, str) else str(getattr(tag, "value", None) or tag or "")


def is_tagged(node: Node) -> bool:
    """True for a short-tag function (`!Ref x`, `!If [...]`), not for YAML's own tags."""
    tag = tag_of(node)
    return tag.startswith("!") and not tag.startswith("!!")


def scalar_value(node: Node) -> Any:
    """A plain scalar's value as CloudFormation reads it (true/false/numbers), else text."""
    text = node.value
    if node.style in ('"', "'"):
        return text
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    return text


_PLAIN = re.compile(r"[A-Za-z_/][A-Za-z0-9_./:+-]*")
_RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


def _plain_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    if _PLAIN.fullmatch(text) and text.lower() not in _RESERVED:
        return text
    return _quoted(text, "'")


def _quoted(text: str, style: str) -> str:
    if style == '"':
        return json.dumps(text)
    return "'" + text.replace("'", "''") + "'"


def apply_edits(text: str, edits: list[Edit]) -> tuple[str, list[Edit]]:
    """`text` with the edits that do not touch one another applied (the rest wait for
    the next pass); returns the new text and the edits applied."""
    chosen: list[Edit] = []
    for edit in sorted(set(edits)):
        if chosen and edit.start <= chosen[-1].end:
            continue
        chosen.append(edit)
    for edit in reversed(chosen):
        text = text[:edit.start] + edit.text + text[edit.end:]
    return text, chosen
