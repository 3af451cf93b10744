"""Is a fix safe to apply unasked? CloudFormation's own resource schemas decide the
main case: a property in the type's `createOnlyProperties` replaces the resource
(a new database, an emptied bucket) when it changes."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=None)
def create_only(resource_type: str) -> tuple[tuple[str, ...], ...]:
    """The type's createOnlyProperties as key paths (list items as "*"), from the
    schemas cfn-lint ships (us-east-1); () for types without a schema (SAM)."""
    try:
        from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", resource_type).schema
    except Exception:  # noqa: BLE001 - an unknown type has no schema: nothing is create-only
        return ()
    paths = []
    for pointer in schema.get("createOnlyProperties", []):
        parts = pointer.strip("/").split("/")
        if parts and parts[0] == "properties":
            paths.append(tuple(parts[1:]))
    return tuple(paths)


def replacement_reason(resource_type: str | None, keys) -> str:
    """Why setting `keys` (["Properties", "A", 0, "B"]) replaces the resource, or ""."""
    if not resource_type or not keys or keys[0] != "Properties":
        return ""
    wanted = tuple("*" if isinstance(key, int) else str(key) for key in keys[1:])
    for path in create_only(resource_type):
        if wanted[:len(path)] == path:
            return (f"{'.'.join(path)} is create-only for {resource_type}: changing it "
                    "replaces the resource")
    return ""
