"""Transition guards: pure functions of a service's deployed (base) and proposed (head) declarations.

Each guard answers one question about one change and returns at most one `Finding`: a refusal (the
engine or operator cannot do it, or it loses data) that says what to do instead, or an attention item
(allowed, but risky: a reviewer should look). They add what the CRD schemas cannot know; the operators'
own `oldSelf` rules are checked from the schemas by the diff.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from declarations.engine_catalog import RESTORE_WAYS, SUPPORTED_VERSIONS, EngineName
from declarations.lifecycle.capabilities import lifecycle
from declarations.safe_yaml import Loc
from declarations.tenant_model import DATA_CLASS_RETENTION_DAYS, Service, Tenant


@dataclass(frozen=True)
class Finding:
    loc: Loc
    """Where in the service (or tenant) declaration, e.g. ('storage_gb',)."""
    message: str
    refused: bool
    """True: the change is refused (exit 1). False: allowed, listed under 'needs attention'."""


def refuse(loc: Loc, message: str) -> Finding:
    return Finding(loc, message, True)


def attention(loc: Loc, message: str) -> Finding:
    return Finding(loc, message, False)


ServiceGuard = Callable[[Service, Service], "Finding | None"]


def _version_index(service: Service) -> int:
    return SUPPORTED_VERSIONS[service.engine].index(service.version)


def storage_shrink(base: Service, head: Service) -> Finding | None:
    if head.storage_gb >= base.storage_gb:
        return None
    return refuse(("storage_gb",), (
        f"{base.storage_gb} -> {head.storage_gb} GB shrinks the data volumes, which Kubernetes refuses for a "
        f"PersistentVolumeClaim (and some operators silently ignore); keep storage_gb at {base.storage_gb} or "
        "more, or create a smaller new service and move the data into it logically (dump and load)"))


def storage_growth(base: Service, head: Service) -> Finding | None:
    if head.storage_gb <= base.storage_gb:
        return None
    why = lifecycle(head.engine).storage_growth_refused
    if why is None:
        return None
    return refuse(("storage_gb",), (
        f"{base.storage_gb} -> {head.storage_gb} GB cannot be applied to a running {head.engine.value} instance: "
        f"{why}; keep storage_gb at {base.storage_gb}, and to get the space create a new service with "
        f"`restore_from: {{service: {base.name}}}` and storage_gb: {head.storage_gb}, then move clients to it"))


def version_downgrade(base: Service, head: Service) -> Finding | None:
    if _version_index(head) >= _version_index(base):
        return None
    return refuse(("version",), (
        f"{base.version} -> {head.version} is a downgrade: {head.engine.value} data files written by "
        f"{base.version} cannot be opened by {head.version} and the operator does not downgrade; keep "
        f"version {base.version!r}, or create a new {head.version} service and move the data into it logically"))


def version_skip(base: Service, head: Service) -> Finding | None:
    steps = _version_index(head) - _version_index(base)
    why = lifecycle(head.engine).one_version_at_a_time
    if steps <= 1 or why is None:
        return None
    nxt = SUPPORTED_VERSIONS[head.engine][_version_index(base) + 1]
    return refuse(("version",), (
        f"{base.version} -> {head.version} skips {steps - 1} version(s): {why}; upgrade to {nxt!r} first, "
        f"let it deploy, then to {head.version!r} in a later change"))


def durability_drop(base: Service, head: Service) -> Finding | None:
    if not (base.topology == "clustered" and head.topology == "single"):
        return None
    return refuse(("topology",), (
        f"clustered -> single drops {base.engine.value} service '{base.name}' from {base.replicas} replicas to "
        "one copy of the data: a single disk or node failure would then lose it; keep topology: clustered with "
        f"at least 3 replicas, or create a new single service with `restore_from: {{service: {base.name}}}` and "
        "decommission this one"))


def topology_change(base: Service, head: Service) -> Finding | None:
    why = lifecycle(head.engine).topology_change_refused
    if base.topology == head.topology or why is None or durability_drop(base, head) is not None:
        return None
    return refuse(("topology",), (
        f"{base.topology} -> {head.topology} cannot be applied to a running {head.engine.value} instance: {why}; "
        f"keep topology: {base.topology}, and create a new {head.topology} service with "
        f"`restore_from: {{service: {base.name}}}` instead"))


def retention_cut(base: Service, head: Service) -> Finding | None:
    if base.backups is None or head.backups is None or head.backups.retention_days >= base.backups.retention_days:
        return None
    old, new = base.backups.retention_days, head.backups.retention_days
    return refuse(("backups", "retention_days"), (
        f"{old} -> {new} days cuts the retention of backups already written, which were promised {old} days: "
        f"the engine prunes every stored backup by the new setting on its next run; keep retention_days: {old}"))


def restore_from_edit(base: Service, head: Service) -> Finding | None:
    if base.restore_from == head.restore_from:
        return None
    if base.restore_from is None:
        what = "adding restore_from to an existing service"
    elif head.restore_from is None:
        kept = RESTORE_WAYS[head.engine].keeps_source_names
        if not kept:
            return None  # dropping the marker after the restore deployed changes nothing
        return refuse(("restore_from",), (
            f"removing restore_from from a {head.engine.value} service: {kept}; without it the platform would point "
            f"'{head.name}' at an empty database; keep restore_from as it is"))
    else:
        what = "changing restore_from"
    return refuse(("restore_from",), (
        f"{what} would create a new restore object that restores over the live data of '{base.name}'; "
        "a restore always creates a NEW service: add a service with a new name and this restore_from, "
        "and leave this one as it is"))


def _last_restart(service: Service) -> tuple[int, str] | None:
    """(index, id) of the service's last `restart` entry: the marker its engine module deploys."""
    found = [(i, op.id) for i, op in enumerate(service.operations) if op.action == "restart"]
    return found[-1] if found else None


def _new_restart(base: Service, head: Service) -> tuple[int, str] | None:
    """The restart this change deploys: head's marker when it differs from base's."""
    restart = _last_restart(head)
    if restart is None or (_last_restart(base) or (None, None))[1] == restart[1]:
        return None
    return restart


def restart_with_reshape(base: Service, head: Service) -> Finding | None:
    restart = _new_restart(base, head)
    if head.engine is not EngineName.aerospike or restart is None:
        return None
    if head.replicas > base.replicas:
        what = f"a scale-up ({base.replicas} -> {head.replicas} replicas)"
    elif head.version != base.version:
        what = f"an image change ({base.version} -> {head.version})"
    else:
        return None
    return refuse(("operations", restart[0]), (
        f"the Aerospike operator refuses an on-demand restart in the same update as {what} (AKO webhook "
        "validateOperationUpdate); the new pods start fresh anyway: drop the restart, or restart in a change of "
        "its own"))


def restart(base: Service, head: Service) -> Finding | None:
    found = _new_restart(base, head)
    if found is None:
        return None
    return attention(("operations", found[0]), (
        f"restart {found[1]!r}: the operator restarts every {head.engine.value} pod of '{head.name}' one at a "
        "time; clients reconnect, and a single replica is unavailable while it restarts"))


def new_service_restart(service: Service) -> Finding | None:
    """A restart entry on a service this change creates: nothing runs yet (and AKO refuses an operation at creation,
    webhook validateOperation)."""
    found = _last_restart(service)
    if found is None:
        return None
    return refuse(("operations", found[0]), (
        f"'{service.name}' is created by this change, so there is nothing to restart; remove this entry, and add a "
        "restart in a later change once the service runs"))


def upgrade(base: Service, head: Service) -> Finding | None:
    if _version_index(head) <= _version_index(base) or version_skip(base, head) is not None:
        return None
    return attention(("version",), (
        f"{head.engine.value} {base.version} -> {head.version}: rolling in-place upgrade by the operator; take a "
        "backup first (`operations: [{id: <new id>, action: backup}]` in an earlier change) and check client "
        "compatibility"))


def scale_in(base: Service, head: Service) -> Finding | None:
    if head.replicas >= base.replicas or base.topology != head.topology:
        return None
    return attention(("replicas",), (
        f"{base.replicas} -> {head.replicas}: the operator removes nodes one at a time and moves their data to "
        f"the rest; check that {head.replicas} x {head.storage_gb} GB holds the data with headroom"))


def storage_growth_attention(base: Service, head: Service) -> Finding | None:
    if head.storage_gb <= base.storage_gb or storage_growth(base, head) is not None:
        return None
    return attention(("storage_gb",), (
        f"{base.storage_gb} -> {head.storage_gb} GB: volumes grow in place (the storage class must allow volume "
        "expansion); volumes cannot shrink back later"))


def backups_removed(base: Service, head: Service) -> Finding | None:
    if base.backups is None or head.backups is not None:
        return None
    return attention(("backups",), (
        "removing backups stops new backups; existing ones stay in the bucket until its lifecycle expires them"))


SERVICE_GUARDS: tuple[ServiceGuard, ...] = (
    storage_shrink, storage_growth, version_downgrade, version_skip, durability_drop, topology_change,
    retention_cut, restore_from_edit, restart_with_reshape,
    upgrade, scale_in, storage_growth_attention, backups_removed, restart,
)
"""Every guard on a service that exists on both sides with the same engine (engine changes are removals)."""


def service_findings(base: Service, head: Service) -> list[Finding]:
    return [f for f in (guard(base, head) for guard in SERVICE_GUARDS) if f is not None]


def data_class_retention_cut(base: Tenant, head: Tenant) -> Finding | None:
    old, new = base.backup_retention_days, head.backup_retention_days
    if new >= old:
        return None
    kept = max(base.data_classes, key=lambda c: DATA_CLASS_RETENTION_DAYS[c])
    return refuse(("data_classes",), (
        f"the bucket's retention would drop from {old} to {new} days, but the backups already in it were "
        f"promised {old} days (Object Lock and lifecycle of the tenant bucket); keep {kept.value!r} in "
        "data_classes"))


def tenant_findings(base: Tenant, head: Tenant) -> list[Finding]:
    found = data_class_retention_cut(base, head)
    return [found] if found else []
