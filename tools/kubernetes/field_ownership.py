"""Server-side apply field ownership: which appliers of one Kubernetes object would conflict.

Several stacks apply parts of one object (the region's OpenTelemetryCollector: the platform stack
creates it, each tenant stack patches its own pipelines in). The API server tracks, per field, the
field managers that applied it; an apply that sets a field another manager owns to a different
value is refused with a conflict unless forced (pulumi-kubernetes forces only with the
`pulumi.com/patchForce` annotation or the provider's enablePatchForce: pulumi/pulumi-kubernetes
v4.32.0 provider/pkg/await/await.go:1030-1040). Equal values are shared, not a conflict.

Fields are compared as structured-merge-diff compares them for a schema that preserves unknown
fields (the collector's `spec.config`): maps per key, lists and scalars whole (atomic). The
object's identity (apiVersion, kind, metadata.name, metadata.namespace) is not an owned value.

The field manager of a pulumi-kubernetes resource: the value of its `pulumi.com/patchFieldManager`
annotation if it has one, else one generated for that resource (`pulumi-kubernetes-<random>`,
kept in its state) (provider/pkg/provider/provider.go:2878-2907). The annotation is an ordinary
annotation of the body the provider applies (await.go:190-207 marshals `c.Inputs.Object`; only
`pulumi.com/autonamed` is internal, provider/pkg/metadata/annotations.go:46-57), so it is itself
a field its manager owns.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

PATCH_FIELD_MANAGER = "pulumi.com/patchFieldManager"
IDENTITY_FIELDS = frozenset({("apiVersion",), ("kind",), ("metadata", "name"), ("metadata", "namespace")})


@dataclass(frozen=True)
class Apply:
    """One applier's body for one object, and who applies it."""

    applier: str
    """Who declares it (a URN), for the message."""
    body: Mapping[str, Any]

    @property
    def field_manager(self) -> str:
        annotations = (self.body.get("metadata") or {}).get("annotations") or {}
        return annotations.get(PATCH_FIELD_MANAGER) or f"(generated for {self.applier})"


def owned_fields(body: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    """Leaf field path -> value: maps descend per key, anything else is one atomic value."""
    fields: dict[tuple[str, ...], Any] = {}
    for key, value in body.items():
        path = (*prefix, str(key))
        if path in IDENTITY_FIELDS:
            continue
        if isinstance(value, Mapping) and value:
            fields.update(owned_fields(value, path))
        else:
            fields[path] = value
    return fields


def conflicts(applies: Iterable[Apply]) -> list[str]:
    """Every field two managers of one object set to different values, as the second apply's refusal."""
    owners: dict[tuple[str, ...], tuple[Apply, Any]] = {}
    found = []
    for apply in applies:
        for path, value in owned_fields(apply.body).items():
            if path not in owners:
                owners[path] = (apply, value)
                continue
            first, first_value = owners[path]
            if first.field_manager != apply.field_manager and _canonical(first_value) != _canonical(value):
                found.append(f"{apply.applier}: server-side apply conflict on {'.'.join(path)}: field manager "
                             f"{apply.field_manager!r} sets {value!r}, which {first.field_manager!r} "
                             f"({first.applier}) owns as {first_value!r}")
    return found


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)
