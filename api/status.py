"""Where each service of a tenant stands: pending, merged, applied, failed or decommissioned.

The declaration comes from git, the outcome from the recorded applies of the tenant's stack
`<region>.<tenant-id>` (tools/controlplane/apply_records.py). An apply counts for the current
declaration when its commit contains the last base-branch commit that changed the tenant file,
so a newer merge that is not applied yet reads `merged` again, with the connection of the last
good apply kept:

| status | when |
|---|---|
| pending | the service is declared only on a provision branch, not on the base branch |
| merged | on the base branch; no recorded apply contains that declaration yet |
| applied | the newest apply containing it succeeded |
| failed | the newest apply containing it failed (`error` says why) |
| decommissioned | decommissioning was declared and an apply containing that succeeded |
| unknown | no control-plane database is configured (or it cannot be reached) |
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import Enum

from pydantic import BaseModel, Field, ValidationError

from api.control_plane import ControlPlane
from api.git_store import GitRepository
from api.tenant_store import TenantRecord, TenantStore
from tools.controlplane.apply_records import ApplyResult, StackName, StoredApply
from declarations.outputs_contract import ServiceConnection, TenantOutputs, tenant_contract
from declarations.tenant_model import Tenant


class ServiceState(str, Enum):
    pending = "pending"
    merged = "merged"
    applied = "applied"
    failed = "failed"
    decommissioned = "decommissioned"
    unknown = "unknown"


class ServiceStatus(BaseModel):
    name: str
    status: ServiceState
    commit: str | None = Field(default=None, description="Commit of the last successful apply that built the service.")
    applied_at: datetime | None = Field(default=None, description="When that apply finished.")
    error: str | None = Field(default=None, description="Why the newest apply failed (status `failed` only).")
    connection: ServiceConnection | None = Field(
        default=None, description="Endpoint, TLS and Secret names from the last successful apply; never a password.")


def stack_name(tenant: Tenant) -> str:
    return str(StackName(tenant.data_region, tenant.id))


def service_statuses(shown: Tenant, base: Tenant | None, applies: list[StoredApply] | None,
                     covers: Callable[[str], bool]) -> list[ServiceStatus]:
    """One status per service of the declaration `shown` (pending change included).

    `base` is the declaration on the base branch, `applies` the stack's records newest first
    (None: no database), `covers(commit)` whether an applied commit contains `base`.
    """
    base_services = {s.name: s for s in base.services} if base else {}
    current = next((a for a in applies or () if covers(a.commit)), None)
    statuses = []
    for service in shown.services:
        declared = base_services.get(service.name)
        if declared is None:
            statuses.append(ServiceStatus(name=service.name, status=ServiceState.pending))
            continue
        if applies is None:
            statuses.append(ServiceStatus(name=service.name, status=ServiceState.unknown))
            continue
        good, connection = _last_good(applies, shown.id, service.name)
        decommissioning = declared.decommission is not None or (base is not None and base.decommission is not None)
        if current is None:
            state = ServiceState.merged
        elif current.result is ApplyResult.failed:
            state = ServiceState.failed
        else:
            state = ServiceState.decommissioned if decommissioning else ServiceState.applied
        statuses.append(ServiceStatus(
            name=service.name, status=state,
            commit=good.commit if good else None, applied_at=good.applied_at if good else None,
            error=current.error if state is ServiceState.failed and current else None,
            connection=None if state is ServiceState.decommissioned else connection,
        ))
    return statuses


def _last_good(applies: list[StoredApply], tenant_id: str, service: str) -> tuple[StoredApply | None, ServiceConnection | None]:
    """The newest successful apply whose outputs hold the service, and its connection."""
    for apply in applies:
        if apply.result is not ApplyResult.succeeded:
            continue
        contract = tenant_contract(apply.outputs, tenant_id)
        if contract is None:
            continue
        try:
            outputs = TenantOutputs.model_validate(contract)
        except ValidationError:
            continue  # record-apply validates; a row written some other way is not trusted
        if service in outputs.services:
            return apply, outputs.services[service]
    return None, None


class StatusReader:
    """Joins the git side (TenantStore) and the database side (ControlPlane) for one tenant."""

    def __init__(self, repo: GitRepository, store: TenantStore, control_plane: ControlPlane):
        self.repo = repo
        self.store = store
        self.control_plane = control_plane

    def of(self, record: TenantRecord) -> list[ServiceStatus]:
        base = self.store.at_base(record.tenant.id)
        if base is None:
            return service_statuses(record.tenant, None, [], lambda _: False)
        declared_at = self.repo.last_commit_touching(base.head, base.path)
        applies = self.control_plane.applies(base.tenant.id, stack_name(base.tenant))
        if applies:  # only the current owner's: an apply belongs to the org the file declared at its commit
            owners = self.store.owners_at(base.path, [a.commit for a in applies])
            applies = [a for a in applies if owners.get(a.commit) == record.tenant.org]
        return service_statuses(record.tenant, base.tenant, applies,
                                lambda commit: declared_at is not None and self.repo.is_ancestor(declared_at, commit))
