"""Guards on `restore_from`, checked when the service first appears (the only time it is read).

The source must be a deployed service of the same tenant (same bucket, key and region) and engine that has
backups; the new service must be at least the source's version (exactly it where the engine's restore demands it,
RestoreWay.same_version_only) and size; a point in time must lie inside the
source's retention window (which engines restore to a time at all, the tenant model checks); a new service may not take
the name of one whose backups may still sit under the same `<engine>/<service>` prefix; and where the restored service
keeps naming the source's data (Vitess: the MySQL database), its source may not itself be a restored service.
"""

from __future__ import annotations

import datetime as dt
from typing import Collection

from declarations.engine_catalog import RESTORE_WAYS, SUPPORTED_VERSIONS
from declarations.lifecycle.transitions import Finding, refuse
from declarations.tenant_model import Service, Tenant


def _source_problem(service: Service, base: Tenant | None) -> tuple[Service | None, Finding | None]:
    wanted = service.restore_from.service
    source = next((s for s in base.services if s.name == wanted), None) if base else None
    if source is None:
        return None, refuse(("restore_from", "service"), (
            f"'{wanted}' is not a deployed service of this tenant; restore only from a service of the same tenant "
            "that is already deployed (its backups are in this tenant's bucket under its key)"))
    if source.engine != service.engine:
        return None, refuse(("restore_from", "service"), (
            f"'{wanted}' is a {source.engine.value} service; a {service.engine.value} service can only restore "
            f"from {service.engine.value} backups: use engine: {source.engine.value}"))
    if source.backups is None:
        return None, refuse(("restore_from", "service"), (
            f"'{wanted}' has no backups: block, so there is nothing to restore; add backups to '{wanted}', let a "
            "backup run, then add this service"))
    kept = RESTORE_WAYS[service.engine].keeps_source_names
    if kept and source.restore_from is not None:
        return None, refuse(("restore_from", "service"), (
            f"'{wanted}' was itself restored from '{source.restore_from.service}': {kept}, and a restore names one "
            f"level only; restore from '{source.restore_from.service}' instead, or move the data of '{wanted}' "
            "logically"))
    return source, None


def _shape_problems(service: Service, source: Service) -> list[Finding]:
    found = []
    order = SUPPORTED_VERSIONS[service.engine]
    same_only = RESTORE_WAYS[service.engine].same_version_only
    if same_only and service.version != source.version:
        found.append(refuse(("version",), (
            f"{service.version} is not the source's {source.version}; {same_only}: use version {source.version!r}, "
            "and upgrade the restored service afterwards")))
    elif order.index(service.version) < order.index(source.version):
        found.append(refuse(("version",), (
            f"{service.version} is older than the source's {source.version}; a backup restores only into the same "
            f"or a newer version: use version {source.version!r}")))
    if service.storage_gb < source.storage_gb:
        found.append(refuse(("storage_gb",), (
            f"{service.storage_gb} GB is less than the source's {source.storage_gb} GB; the restored data may not "
            f"fit: use storage_gb: {source.storage_gb} or more")))
    return found


def _point_in_time_problem(service: Service, source: Service, now: dt.datetime) -> Finding | None:
    when = service.restore_from.point_in_time
    if when is None:
        return None
    loc = ("restore_from", "point_in_time")
    oldest = now - dt.timedelta(days=source.backups.retention_days)
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    if not oldest <= when <= now:
        return refuse(loc, (
            f"{when.strftime(stamp)} is outside the source's retained window {oldest.strftime(stamp)} .. "
            f"{now.strftime(stamp)} (retention_days: {source.backups.retention_days}); choose a time inside it"))
    return None


def restore_findings(service: Service, base: Tenant | None, now: dt.datetime) -> list[Finding]:
    """Findings for a service that is new in this change and declares `restore_from`."""
    if service.restore_from is None:
        return []
    source, problem = _source_problem(service, base)
    if problem is not None:
        return [problem]
    found = _shape_problems(service, source)
    pit = _point_in_time_problem(service, source, now)
    return found + ([pit] if pit else [])


def name_reuse_finding(service: Service, earlier_names: Collection[str]) -> Finding | None:
    """A new service named like one declared earlier in the tenant's history would write over (and restore
    from) that service's backups under `<engine>/<name>` in the same bucket."""
    if service.name not in earlier_names:
        return None
    return refuse(("name",), (
        f"a service named '{service.name}' existed in this tenant before, and its backups may still be kept under "
        f"'{service.engine.value}/{service.name}' in the tenant bucket; choose a new name (to get its data back, "
        f"restore_from a service that still exists)"))
