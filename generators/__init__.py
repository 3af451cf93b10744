"""Reference templates for `tmpllint new`: one module per pattern of the notes.

Each pattern module has `NAME`, `SUMMARY`, `SEEDS` (the notes it follows), an `Options`
dataclass and `build(options) -> CommentedMap`; its templates pass `tmpllint lint
--fail-on info` with zero findings (a test holds every option combination to that).
"""

from __future__ import annotations

from tmpllint.generators import (dr, ecs_fargate, event_driven, fanout, serverless_api, static_site, stream,
                                 three_tier, vpc, workflow)

#: pattern name -> module, in the order `tmpllint new --list` shows them.
PATTERNS = {module.NAME: module for module in (vpc, three_tier, serverless_api, static_site, fanout,
                                               event_driven, stream, workflow, ecs_fargate, dr)}


def render(pattern: str, options) -> str:
    """The template of `pattern` with `options`, as YAML text."""
    from tmpllint.yamlio import dump

    return dump(PATTERNS[pattern].build(options))
