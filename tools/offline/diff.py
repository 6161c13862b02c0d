"""What changes between two offline plans: resources added, removed, updated or replaced, with
property-level paths, and which of those steps destroy data.

`diff_plans(base, head)` is the entry point for other tools (the provisioning API); it accepts
OfflinePlans or PlanSnapshots read from `pulumi preview --json`-shaped files. Replacements are
predicted from the properties the providers cannot update in place for the resource types the
platform uses; a real `pulumi preview` stays authoritative.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Protocol

from tools.offline.diff_detail import child_path, keyed_path, leaves, masked, maybe_document, natural_key
from tools.offline.ignore_changes import apply_ignore_changes
from policies.rules.stateful import stateful_label

OPTIONS_PREFIX = "(options)."

REPLACE_ON: dict[str, tuple[str, ...]] = {
    "aws:s3/bucket:Bucket": ("bucket", "bucketPrefix", "objectLockEnabled"),
    "aws:kms/key:Key": ("customerMasterKeySpec", "keyUsage", "multiRegion"),
    "aws:kms/alias:Alias": ("name",),
    "aws:iam/role:Role": ("name", "path"),
    "aws:iam/rolePolicy:RolePolicy": ("name", "role"),
    "aws:iam/policy:Policy": ("name", "path"),
    "aws:ebs/volume:Volume": ("availabilityZone", "encrypted", "kmsKeyId", "snapshotId"),
    "kubernetes:core/v1:PersistentVolumeClaim": ("spec.storageClassName", "spec.accessModes", "spec.selector",
                                                 "spec.volumeName", "spec.volumeMode"),
    "kubernetes:apps/v1:StatefulSet": ("spec.volumeClaimTemplates", "spec.selector", "spec.serviceName",
                                       "spec.podManagementPolicy"),
    "kubernetes:apps/v1:Deployment": ("spec.selector",),
}
"""Per type, property paths a provider cannot change in place (a change means delete + create)."""

REPLACE_ON_ANY: dict[str, tuple[str, ...]] = {
    "kubernetes:": ("metadata.name", "metadata.namespace"),
    "aws:s3/": ("bucket",),
}
"""Per type prefix: Kubernetes objects are keyed by name and namespace; S3 settings by bucket."""


class _HasRegistrations(Protocol):
    stack: str
    registrations: list[Any]


@dataclass(frozen=True)
class ResourceState:
    """What the diff compares for one resource: its inputs and the options that matter."""

    urn: str
    type: str
    inputs: dict[str, Any]
    protect: bool
    retain_on_delete: bool
    provider: str
    parent: str
    ignore_changes: tuple[str, ...] = ()
    """Offline plans only: a real preview's inputs already have the ignored paths reset by the engine."""

    @classmethod
    def from_registration(cls, reg: Any) -> "ResourceState":
        return cls(reg.urn, reg.type, reg.inputs, reg.protect, reg.retain_on_delete,
                   reg.provider.rsplit("::", 1)[0] if reg.provider else "", reg.parent,
                   tuple(getattr(reg, "ignore_changes", ())))

    @classmethod
    def from_preview_step(cls, step: dict[str, Any]) -> "ResourceState":
        state = step["newState"]
        provider = state.get("provider") or ""
        return cls(state["urn"], state["type"], state.get("inputs") or {}, bool(state.get("protect")),
                   bool(state.get("retainOnDelete")), provider.rsplit("::", 1)[0] if provider else "",
                   state.get("parent") or "")


@dataclass(frozen=True)
class PlanSnapshot:
    """A plan as data, e.g. read from `dbaas plan --json` of another revision."""

    stack: str
    resources: tuple[ResourceState, ...]

    @classmethod
    def from_preview_json(cls, stack: str, document: dict[str, Any]) -> "PlanSnapshot":
        # Only managed resources: a `read` step (a StackReference) is read again by every update and
        # never created, updated or deleted by one.
        return cls(stack, tuple(ResourceState.from_preview_step(s) for s in document.get("steps", [])
                                if s.get("op", "create") != "read"))

    @classmethod
    def of(cls, plan: "PlanSnapshot | _HasRegistrations") -> "PlanSnapshot":
        if isinstance(plan, PlanSnapshot):
            return plan
        return cls(plan.stack, tuple(ResourceState.from_registration(r) for r in plan.registrations))


@dataclass(frozen=True)
class PropertyChange:
    path: str
    old: Any
    new: Any

    @property
    def kind(self) -> str:
        if self.old is _ABSENT:
            return "added"
        return "removed" if self.new is _ABSENT else "changed"


class _Absent:
    def __repr__(self) -> str:
        return "(absent)"


_ABSENT: Any = _Absent()
ABSENT = _ABSENT
"""Marks the side of a PropertyChange where the property does not exist."""


RETAINED = "retained"
"""Leaves the stack, but the engine keeps the object in AWS or the cluster (retainOnDelete)."""
DECOMMISSIONED = "decommissioned"
"""Deleted after its deployed decommission marker took the final backup and lifted protection."""
DELETED = "deleted"
"""Deleted with its data."""


@dataclass(frozen=True)
class ResourceChange:
    urn: str
    type: str
    op: str
    """create, delete, update or replace."""
    changes: tuple[PropertyChange, ...] = ()
    replace_because: tuple[str, ...] = ()
    stateful: str | None = None
    """What the resource is (bucket, key, namespace, ...) when it holds data."""
    disposition: str | None = None
    """For a delete: RETAINED, DECOMMISSIONED or DELETED."""
    protected: bool = False
    """For a delete: the deployed resource is protected, so `pulumi up` refuses to delete it."""

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]

    @property
    def destructive(self) -> bool:
        """Data is lost: a data holder replaced, or deleted without being retained or decommissioned."""
        return self.stateful is not None and (self.op == "replace" or self.disposition == DELETED)


@dataclass(frozen=True)
class DiffSummary:
    create: int
    update: int
    replace: int
    delete: int
    same: int

@dataclass
class PlanDiff:
    stack: str
    changes: list[ResourceChange] = field(default_factory=list)
    unchanged: int = 0

    @property
    def summary(self) -> DiffSummary:
        count = {op: sum(1 for c in self.changes if c.op == op) for op in ("create", "update", "replace", "delete")}
        return DiffSummary(same=self.unchanged, **count)

    @property
    def destructive(self) -> list[ResourceChange]:
        return [c for c in self.changes if c.destructive]

    @property
    def retained(self) -> list[ResourceChange]:
        return [c for c in self.changes if c.disposition == RETAINED]

    @property
    def decommissioned(self) -> list[ResourceChange]:
        return [c for c in self.changes if c.op == "delete" and c.disposition == DECOMMISSIONED and c.stateful]

    @property
    def refused(self) -> list[ResourceChange]:
        """Deletes the engine would refuse (`protect`): `pulumi up` fails on them."""
        return [c for c in self.changes if c.protected]


def property_changes(old: Any, new: Any, path: str = "") -> Iterator[PropertyChange]:
    """Leaf-level differences, with paths like `spec.hard['requests.cpu']` or `rules[0].verbs[2]`;
    lists of named items are matched by name (`containers[name='app'].image`, see diff_detail)."""
    old, new = maybe_document(old), maybe_document(new)
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new), key=str):
            yield from property_changes(old.get(key, _ABSENT), new.get(key, _ABSENT), child_path(path, key))
    elif isinstance(old, list) and isinstance(new, list):
        key = natural_key(old, new)
        if key is not None:
            before, after = {item[key]: item for item in old}, {item[key]: item for item in new}
            for name in [*before, *(n for n in after if n not in before)]:
                yield from property_changes(before.get(name, _ABSENT), after.get(name, _ABSENT), keyed_path(path, key, name))
            return
        for i in range(max(len(old), len(new))):
            yield from property_changes(old[i] if i < len(old) else _ABSENT, new[i] if i < len(new) else _ABSENT,
                                        f"{path}[{i}]")
    elif old != new or type(old) is not type(new):
        yield PropertyChange(path, old, new)


def created_properties(state: ResourceState) -> tuple[PropertyChange, ...]:
    """A create's inputs, leaf by leaf, as `pulumi preview --diff` lists them (secrets masked)."""
    return tuple(PropertyChange(path, _ABSENT, masked(state.type, path, value)) for path, value in leaves(state.inputs))


def _masked_changes(type_: str, changes: list[PropertyChange]) -> list[PropertyChange]:
    return [PropertyChange(c.path, c.old if c.old is _ABSENT else masked(type_, c.path, c.old),
                           c.new if c.new is _ABSENT else masked(type_, c.path, c.new)) for c in changes]


def _replace_triggers(type_: str, changes: list[PropertyChange]) -> tuple[str, ...]:
    triggers = list(REPLACE_ON.get(type_, ()))
    for prefix, paths in REPLACE_ON_ANY.items():
        if type_.startswith(prefix):
            triggers.extend(paths)
    hits = []
    for change in changes:
        for trigger in triggers:
            if change.path == trigger or change.path.startswith((trigger + ".", trigger + "[")):
                hits.append(change.path)
                break
        if change.path == OPTIONS_PREFIX + "provider":
            hits.append(change.path)
    return tuple(dict.fromkeys(hits))


def _changes(old: ResourceState, new: ResourceState) -> list[PropertyChange]:
    found = list(property_changes(old.inputs, apply_ignore_changes(old.inputs, new.inputs, new.ignore_changes)))
    for option in ("protect", "retain_on_delete", "provider"):
        before, after = getattr(old, option), getattr(new, option)
        if before != after:
            found.append(PropertyChange(OPTIONS_PREFIX + option.replace("_on_d", "OnD"), before, after))
    return found


def _disposition(before: ResourceState, decommissioned: frozenset[str]) -> str:
    if before.retain_on_delete:
        return RETAINED
    return DECOMMISSIONED if before.urn in decommissioned else DELETED


def diff_plans(base: PlanSnapshot | _HasRegistrations, head: PlanSnapshot | _HasRegistrations,
               decommissioned: frozenset[str] = frozenset()) -> PlanDiff:
    """Resources of `head` compared with `base` by URN, in URN order. `decommissioned` holds the
    base resources whose deletion a deployed decommission marker authorises
    (tools.offline.retention.decommissioned_urns)."""
    old = {r.urn: r for r in PlanSnapshot.of(base).resources}
    new_snapshot = PlanSnapshot.of(head)
    new = {r.urn: r for r in new_snapshot.resources}
    diff = PlanDiff(stack=new_snapshot.stack)
    for urn in sorted(set(old) | set(new)):
        before, after = old.get(urn), new.get(urn)
        if before is None:
            diff.changes.append(ResourceChange(urn, after.type, "create", created_properties(after),
                                               stateful=stateful_label(after.type)))
        elif after is None:
            diff.changes.append(ResourceChange(urn, before.type, "delete", stateful=stateful_label(before.type),
                                               disposition=_disposition(before, decommissioned),
                                               protected=before.protect))
        else:
            changes = _masked_changes(after.type, _changes(before, after))
            if not changes:
                diff.unchanged += 1
                continue
            triggers = _replace_triggers(after.type, changes)
            diff.changes.append(ResourceChange(urn, after.type, "replace" if triggers else "update", tuple(changes),
                                               triggers, stateful_label(after.type)))
    return diff
