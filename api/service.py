"""The provisioning operations: authorise, build the new declaration, commit it, judge the branch, publish it.

Writes to one tenant are serialised by that tenant's lock (read-modify-write of the tenant, the
commit, the plan diff and the ref update happen as one step; api/tenant_locks.py), and between
servers by the tracking ref's compare-and-swap in `TenantStore.publish`. Every change is judged as
its whole branch against the base branch, with `dbaas diff`'s own review (api/plan_diff.py): a
change CI would refuse is refused here, before any ref moves.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from api.auth import Caller, Role
from api.control_plane import ControlPlane
from api.errors import Conflict, NotFound, PreconditionFailed, PreconditionRequired, RepositoryUnavailable, Unprocessable
from api.field_errors import Loc, field_errors, parse_path
from api.git_store import Author, GitError, GitRepository, RefConflict
from api.metrics import ApiMetrics
from api.permissions import Action, authorize, authorize_create, authorize_org_move, can_see
from api.plan_diff import change_report
from api.schemas import (
    BackupRequest, ChangeResult, Operation, RestartRequest, RestoreRequest, ScaleRequest, TenantView,
)
from api.settings import ApiSettings
from api.status import ServiceStatus, StatusReader
from api.tenant_locks import TenantLocks
from tools.controlplane.apply_records import AuditEvent
from tools.offline.engine_rules import EngineRefusal
from api.tenant_store import TenantRecord, TenantStore
from declarations.lifecycle.review import transition_review
from declarations.decommission import removal_problems
from declarations.tenant_model import Service, Tenant


class ProvisioningService:
    def __init__(self, settings: ApiSettings, metrics: ApiMetrics):
        self.repo = GitRepository(settings.repo)
        self.store = TenantStore(self.repo, settings.base_branch)
        self.committer = Author(settings.committer_name, settings.committer_email)
        self.metrics = metrics
        self._locks = TenantLocks()
        self.control_plane = ControlPlane(settings.database_url)
        self.status = StatusReader(self.repo, self.store, self.control_plane)

    # Reads

    def list(self, caller: Caller) -> list[TenantView]:
        return [_view(r) for r in self._guard(self.store.all) if can_see(caller, r.tenant.org)]

    def get(self, caller: Caller, tenant_id: str) -> TenantView:
        record, statuses = self.with_status(caller, tenant_id)
        return _view(record, statuses)

    def with_status(self, caller: Caller, tenant_id: str) -> tuple[TenantRecord, list[ServiceStatus]]:
        """The tenant (if the caller may read it) and where each of its services stands."""
        record = self._visible(caller, tenant_id, Action.read)
        return record, self._guard(lambda: self.status.of(record))

    # Writes

    def create(self, caller: Caller, tenant: Tenant) -> ChangeResult:
        authorize_create(caller)
        with self._locks.hold(tenant.id):
            existing = self._guard(lambda: self.store.get(tenant.id))
            if existing is not None:
                where = f"pending branch {existing.pending_branch}" if existing.pending_branch else existing.path
                raise Conflict(f"tenant id {tenant.id!r} is already used by {where}")
            self._refuse_reuse_by_another_org(tenant)
            attention = self._check_transitions(tenant, lambda loc: ("body", *loc))
            tracking = self.store.tracking_value(tenant.id)
            return self._commit(caller, Operation.create, None, tenant, tracking,
                                f"create tenant {tenant.id} ({tenant.data_region})", attention)

    def replace(self, caller: Caller, tenant_id: str, tenant: Tenant, if_match: str | None) -> ChangeResult:
        if tenant.id != tenant_id:
            raise _field_error(("body", "id"), f"must equal the tenant id in the path, {tenant_id!r}")
        with self._locks.hold(tenant_id):
            record = self._visible(caller, tenant_id, Action.replace)
            _check_if_match(record, if_match, required=True)
            old = record.tenant
            authorize_org_move(caller, old.org, tenant.org)
            for action in data_decisions(old, tenant):
                authorize(caller, action, tenant_id, old.org)
            if tenant.data_region != old.data_region:
                raise _field_error(("body", "data_region"), f"cannot change from {old.data_region!r}; moving a tenant "
                                   "between regions is a data migration, not an edit")
            _refuse_protected_removal(old, tenant)
            if tenant == old:
                raise Conflict(f"the request does not change tenant {tenant_id!r}")
            attention = self._check_transitions(tenant, lambda loc: ("body", *loc))
            return self._commit(caller, Operation.replace, record, tenant, self.store.tracking_value(tenant_id),
                                f"update tenant {tenant_id}", attention)

    def add_service(self, caller: Caller, tenant_id: str, service: Service | dict[str, Any], if_match: str | None,
                    operation: Operation = Operation.add_service) -> ChangeResult:
        with self._locks.hold(tenant_id):
            record = self._visible(caller, tenant_id, Action.manage_services)
            _check_if_match(record, if_match, required=False)
            old = record.tenant
            name = service.name if isinstance(service, Service) else service["name"]
            if any(s.name == name for s in old.services):
                raise Conflict(f"tenant {tenant_id!r} already has a service named {name!r}")
            services = [*(s.model_dump() for s in old.services),
                        service.model_dump() if isinstance(service, Service) else service]
            new = _revalidated(old, {"services": services}, new_service_index=len(services) - 1)
            attention = self._check_transitions(new, _new_service_relocation(len(services) - 1))
            added = new.services[-1]
            verb = "restore" if operation is Operation.restore_service else "add"
            return self._commit(caller, operation, record, new, self.store.tracking_value(tenant_id),
                                f"{verb} service {added.name} ({added.engine.value}) to tenant {tenant_id}", attention)

    # Service operations: each is the same tenant-file change a person would make, on a branch, with its diff.

    def scale_service(self, caller: Caller, tenant_id: str, name: str, request: ScaleRequest,
                      if_match: str | None) -> ChangeResult:
        changes = request.model_dump(exclude_none=True)
        if not changes:
            raise _field_error(("body",), "give at least one of replicas, topology, storage_gb")
        return self._change_service(caller, tenant_id, name, if_match, Operation.scale_service,
                                    lambda svc: {**svc, **changes},
                                    f"scale service {name} of tenant {tenant_id} ({_describe(changes)})")

    def backup_service(self, caller: Caller, tenant_id: str, name: str, request: BackupRequest,
                       if_match: str | None) -> ChangeResult:
        return self._one_shot(caller, tenant_id, name, if_match, Operation.backup_service, "backup", request.id,
                              "on-demand backup")

    def restart_service(self, caller: Caller, tenant_id: str, name: str, request: RestartRequest,
                        if_match: str | None) -> ChangeResult:
        return self._one_shot(caller, tenant_id, name, if_match, Operation.restart_service, "restart", request.id,
                              "rolling restart")

    def _one_shot(self, caller: Caller, tenant_id: str, name: str, if_match: str | None, operation: Operation,
                  action: str, op_id: str | None, what: str) -> ChangeResult:
        """One `operations` entry of `action` (id default `<b|r>-<UTC yyyymmddhhmmss>`) on an existing service."""
        op_id = op_id or dt.datetime.now(dt.timezone.utc).strftime(f"{action[0]}-%Y%m%d%H%M%S")
        return self._change_service(caller, tenant_id, name, if_match, operation,
                                    lambda svc: {**svc, "operations": [{"id": op_id, "action": action}]},
                                    f"{what} {op_id} of service {name} of tenant {tenant_id}")

    def restore_service(self, caller: Caller, tenant_id: str, source_name: str, request: RestoreRequest,
                        if_match: str | None) -> ChangeResult:
        """A restore is a new service shaped like its source (same engine, size and backups) with restore_from."""
        record = self._visible(caller, tenant_id, Action.manage_services)
        source = next((s for s in record.tenant.services if s.name == source_name), None)
        if source is None:
            raise NotFound(f"tenant {tenant_id!r} has no service named {source_name!r}")
        restore = {"service": source_name, "backup": request.backup, "point_in_time": request.point_in_time}
        service = {**source.model_dump(exclude={"decommission", "operations", "restore_from"}),
                   "name": request.name, "restore_from": restore,
                   **request.model_dump(include={"version", "storage_gb"}, exclude_none=True)}
        return self.add_service(caller, tenant_id, service, if_match, Operation.restore_service)

    def _change_service(self, caller: Caller, tenant_id: str, name: str, if_match: str | None, operation: Operation,
                        change: Callable[[dict[str, Any]], dict[str, Any]], subject: str) -> ChangeResult:
        """Apply `change` to one service; the service's earlier `operations` ran already, so they go."""
        with self._locks.hold(tenant_id):
            record = self._visible(caller, tenant_id, Action.manage_services)
            _check_if_match(record, if_match, required=False)
            old = record.tenant
            index = next((i for i, s in enumerate(old.services) if s.name == name), None)
            if index is None:
                raise NotFound(f"tenant {tenant_id!r} has no service named {name!r}")
            services = [s.model_dump() for s in old.services]
            services[index] = change({**services[index], "operations": []})
            new = _revalidated(old, {"services": services}, new_service_index=index)
            if new == old:
                raise Conflict(f"the request does not change service {name!r}")
            attention = self._check_transitions(new, _new_service_relocation(index))
            return self._commit(caller, operation, record, new, self.store.tracking_value(tenant_id), subject, attention)

    def remove_service(self, caller: Caller, tenant_id: str, name: str, if_match: str | None) -> ChangeResult:
        """A service that holds data on the base branch is decommissioned first (a marker: final backup, protection
        lifted), whether or not the tenant is protected, because dropping it would destroy its data and CI's
        `dbaas diff --fail-on-destroy` refuses that; once the marker is on the base branch (deployed), or when the
        service was never merged, the entry is dropped."""
        with self._locks.hold(tenant_id):
            record = self._visible(caller, tenant_id, Action.remove_data)
            _check_if_match(record, if_match, required=False)
            old = record.tenant
            target = next((s for s in old.services if s.name == name), None)
            if target is None:
                raise NotFound(f"tenant {tenant_id!r} has no service named {name!r}")
            base = self.store.at_base(tenant_id)
            merged = next((s for s in base.tenant.services if s.name == name), None) if base else None
            if merged is not None and merged.decommission is None and base.tenant.decommission is None:
                if target.decommission is not None:
                    raise Conflict(f"decommissioning of service {name!r} was already requested by "
                                   f"{target.decommission.requested_by}; remove it once that has merged and deployed")
                marker = {"requested_by": caller.sub, "final_backup": target.backups is not None}
                services = [s.model_dump() | ({"decommission": marker} if s.name == name else {}) for s in old.services]
                operation, subject = Operation.decommission_service, f"request decommissioning of service {name} of tenant {tenant_id}"
            else:
                services = [s.model_dump() for s in old.services if s.name != name]
                operation, subject = Operation.remove_service, f"remove service {name} from tenant {tenant_id}"
            new = _revalidated(old, {"services": services})
            return self._commit(caller, operation, record, new, self.store.tracking_value(tenant_id), subject)

    def decommission(self, caller: Caller, tenant_id: str, if_match: str | None) -> ChangeResult:
        """Mark the tenant for removal; the file stays and deletion protection is left as it is."""
        with self._locks.hold(tenant_id):
            record = self._visible(caller, tenant_id, Action.decommission)
            _check_if_match(record, if_match, required=False)
            old = record.tenant
            if old.decommission is not None:
                raise Conflict(f"decommissioning of tenant {tenant_id!r} was already requested by "
                               f"{old.decommission.requested_by}")
            new = _revalidated(old, {"decommission": {"requested_by": caller.sub, "final_backup": True}})
            return self._commit(caller, Operation.decommission, record, new, self.store.tracking_value(tenant_id),
                                f"request decommissioning of tenant {tenant_id}")

    def visible(self, caller: Caller, tenant_id: str, action: Action) -> TenantRecord:
        """The tenant's record if the caller may `action` it (404 / 403 otherwise)."""
        return self._visible(caller, tenant_id, action)

    # Helpers

    def _visible(self, caller: Caller, tenant_id: str, action: Action) -> TenantRecord:
        record = self._guard(lambda: self.store.get(tenant_id))
        if record is None:
            raise NotFound(f"tenant {tenant_id!r} not found")
        authorize(caller, action, tenant_id, record.tenant.org)
        return record

    def _commit(self, caller: Caller, operation: Operation, previous: TenantRecord | None, tenant: Tenant,
                tracking_old: str, subject: str, attention: list[str] | None = None) -> ChangeResult:
        name, email = caller.author
        body = f"Requested through the provisioning API by {caller.sub} (org {caller.org})."

        def write() -> ChangeResult:
            change = self.store.prepare(previous, tenant, Author(name, email), self.committer, f"provision: {subject}", body)
            main = self.store.base_commit()
            started = time.perf_counter()
            try:
                report = change_report(self.repo, change.region, change.tenant_id, main, change.written.commit,
                                       self.store.earlier_service_names)
            except EngineRefusal as exc:  # SchemaRefusal too: what `dbaas plan` of the branch would refuse
                raise Conflict(f"refused: the branch would fail `dbaas plan {change.region}.{change.tenant_id}` "
                               f"(nothing was published):\n" + "\n".join(exc.reasons)) from None
            self.metrics.plan_seconds.observe(time.perf_counter() - started)
            if report.refusals:
                raise Conflict(f"refused: the branch would fail `dbaas diff {change.region} --base {self.store.base_name} "
                               f"--fail-on-destroy` (nothing was published):\n" + "\n".join(report.refusals))
            audit = {"operation": operation.value, "branch": change.branch, "org": caller.org}
            with self.control_plane.recording_change(tenant, caller.sub, f"tenant.{operation.name}",
                                                     change.written.commit, audit):
                self.store.publish(change, tracking_old)
            return ChangeResult(tenant_id=tenant.id, operation=operation, branch=change.branch,
                                commit=change.written.commit, base=change.base, compared_with=main, path=change.path,
                                etag=f'"{change.written.blob}"', attention=attention or [], **report.model_dump())

        result = self._guard(write)
        self.metrics.changes.labels(operation.value).inc()
        return result

    def _refuse_reuse_by_another_org(self, tenant: Tenant) -> None:
        """An id once declared on the base branch (in any revision, any region) belongs to that org for good: the
        control-plane database keys a tenant's rows (applies, connection details, audit trail) by a key derived from
        the id alone (tools/controlplane/tenant_identity.py), so a new org under a retired id would inherit them."""
        for revision in self.store.history_on_base(tenant.id):
            if revision.org != tenant.org:
                raise Conflict(f"tenant id {tenant.id!r} was used on {self.store.base_name} by another org "
                               f"({revision.path} in commit {revision.commit[:12]}); an id is never handed to another "
                               "org, because the control-plane records are keyed by it: choose another id")

    def audit(self, caller: Caller, tenant_id: str, limit: int) -> list[AuditEvent]:
        """The tenant's audit trail, newest first; only its current owner's events unless the caller is
        platform-admin (an event belongs to the org the tenant file declared at the event's commit)."""
        record = self._visible(caller, tenant_id, Action.read)
        events = self.control_plane.audit(tenant_id, limit)
        if caller.has(Role.platform_admin):
            return events
        owners = self._guard(lambda: self.store.owners_at(record.path, [e.commit for e in events if e.commit]))
        return [e for e in events if e.commit and owners.get(e.commit) == record.tenant.org]

    def _check_transitions(self, new: Tenant, relocate: Callable[[Loc], Loc]) -> list[str]:
        """The same lifecycle guards as `dbaas diff` (declarations/lifecycle), against the tenant as the base branch
        declares it (what the branch will be merged into, not the pending change): a restore must name a service of
        this tenant that has backups, a change must not shrink storage, a new service must not reuse a name from
        the file's history, etc. Refusals are 422 field errors; the attention items are returned as `field: message`."""
        base = self.store.at_base(new.id)
        review = transition_review([base.tenant] if base else [], [new], None, dt.datetime.now(dt.timezone.utc),
                                   self.store.earlier_service_names)
        if review.refused:
            raise Unprocessable(field_errors(
                [{"loc": parse_path(p.field), "msg": p.message, "type": "value_error"} for p in review.refused], relocate))
        return [f"{p.field}: {p.message}" for p in review.attention]

    @staticmethod
    def _guard(action: Callable[[], Any]) -> Any:
        """Repository trouble becomes 409 (raced) or 503 (cannot write), never a 500."""
        try:
            return action()
        except RefConflict:
            raise Conflict("the tenant was changed by another request at the same time; read it again and retry") from None
        except GitError as exc:
            raise RepositoryUnavailable(f"the repository cannot be updated right now: {exc}") from None


def data_decisions(old: Tenant, new: Tenant) -> list[Action]:
    """The data-losing decisions a replacement makes, each needing its own permission."""
    actions = []
    if old.decommission != new.decommission:
        actions.append(Action.decommission)
    if old.deletion_protection and not new.deletion_protection:
        actions.append(Action.lower_protection)
    kept = {(s.name, s.engine) for s in new.services}
    marked = {s.name for s in new.services if s.decommission is not None}
    if any((s.name, s.engine) not in kept or (s.name in marked and s.decommission is None) for s in old.services):
        actions.append(Action.remove_data)
    return actions


def _refuse_protected_removal(old: Tenant, new: Tenant) -> None:
    """A protected service is decommissioned (final backup, then removal), never deleted by an edit;
    the rule is the diff's (declarations/decommission.py), with the API's way to request it."""
    problems = removal_problems([old], [new])
    if problems:
        how = (f"request it with DELETE /v1/tenants/{old.id}/services/<name> (or DELETE /v1/tenants/{old.id} for "
               "the tenant), then remove it once the decommission has deployed")
        raise Conflict("; ".join(p.message.split(";", 1)[0] for p in problems) + f"; a protected service is "
                       f"decommissioned, never deleted: {how}")


def _view(record: TenantRecord, statuses: list[ServiceStatus] | None = None) -> TenantView:
    return TenantView(tenant=record.tenant, path=record.path, etag=record.etag, pending_branch=record.pending_branch,
                      decommission_requested=record.tenant.decommission is not None, service_status=statuses)


def _check_if_match(record: TenantRecord, if_match: str | None, required: bool) -> None:
    if if_match is None:
        if required:
            raise PreconditionRequired(f"send If-Match with the ETag from GET /v1/tenants/{record.tenant.id}",
                                       headers={"ETag": record.etag})
        return
    tags = {t.strip().removeprefix("W/") for t in if_match.split(",")}
    if "*" not in tags and record.etag not in tags:
        raise PreconditionFailed(f"tenant {record.tenant.id!r} changed since that ETag; the current one is {record.etag}",
                                 headers={"ETag": record.etag})


def _revalidated(old: Tenant, update: dict[str, Any], new_service_index: int | None = None) -> Tenant:
    """The old tenant with `update` applied, through the full model (plan limits included)."""
    try:
        return Tenant.model_validate({**old.model_dump(), **update})
    except ValidationError as exc:
        def relocate(loc: Loc) -> Loc:
            if new_service_index is not None and loc[:2] == ("services", new_service_index):
                return ("body", *loc[2:])
            return ("tenant", *loc)

        raise Unprocessable(field_errors(exc.errors(include_url=False), relocate)) from None


def _describe(changes: dict[str, Any]) -> str:
    return ", ".join(f"{key} {value}" for key, value in changes.items())


def _new_service_relocation(index: int) -> Callable[[Loc], Loc]:
    def relocate(loc: Loc) -> Loc:
        return ("body", *loc[2:]) if loc[:2] == ("services", index) else ("tenant", *loc)
    return relocate


def _field_error(loc: Loc, message: str) -> Unprocessable:
    return Unprocessable(field_errors([{"loc": loc, "msg": message, "type": "value_error"}]))
