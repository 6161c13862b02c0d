"""The tenant declaration: the one source of truth for what a tenant may ask for.

Field names are a contract with tools outside this project (the provisioning API, editors
through the exported JSON Schema): add fields, never rename them.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from datetime import timezone
from enum import Enum
from typing import Annotated, Literal

from croniter import CroniterBadDateError, croniter
from pydantic import (
    AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StrictBool, StrictInt, StringConstraints, ValidationInfo,
    field_validator, model_validator,
)

from declarations.engine_catalog import (
    FIXED_INTERVAL_ENGINES, RESTART_WAYS, RESTORE_WAYS, RETIRED_VERSIONS, SUPPORTED_VERSIONS, EngineName, fixed_interval,
)
from declarations.plans import PlanName, plan_for
from declarations.regions import KNOWN_REGIONS

DNS_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"

TenantId = Annotated[str, StringConstraints(min_length=3, max_length=40, pattern=DNS_LABEL)]
ServiceName = Annotated[str, StringConstraints(min_length=1, max_length=24, pattern=DNS_LABEL)]
OrgName = Annotated[str, StringConstraints(min_length=2, max_length=63, pattern=DNS_LABEL)]
GroupName = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@/-]*$")]


BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Unicode's explicit directional marks, embeddings, overrides and isolates (UAX #9, table 4): they reorder what a
reviewer sees in a diff, a log or a terminal without changing the bytes ("Trojan Source", CVE-2021-42574)."""


def printable(value: str) -> str:
    """Free text ends up in labels, commit messages, logs and terminals: no control characters (C0, DEL, C1), line
    or paragraph separators, bidirectional controls, or lone surrogates (which no UTF-8 file can hold)."""
    for char in value:
        if unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp"):
            raise ValueError(f"control character U+{ord(char):04X} is not allowed")
        if char in BIDI_CONTROLS:
            raise ValueError(f"bidirectional control character U+{ord(char):04X} is not allowed")
    return value


FreeText = Annotated[str, AfterValidator(printable)]

CLUSTER_WIDE_PREFIX = "system:"
"""Kubernetes reserves `system:` names for itself, and its groups span the cluster: every authenticated identity
is in `system:authenticated`, every ServiceAccount in `system:serviceaccounts`, anonymous requests in
`system:unauthenticated`, cluster admins in `system:masters` (kubernetes/kubernetes v1.33.0
staging/src/k8s.io/apiserver/pkg/authentication/user/user.go, "well-known user and group names";
staging/src/k8s.io/apiserver/pkg/authentication/serviceaccount/util.go for `system:serviceaccounts[:<ns>]`)."""


def _tenant_scoped_group(value: str) -> str:
    """An owner group is bound to the tenant namespace's admin role (Secret reads included): a `system:` group would
    grant that to identities of the whole cluster (issue 22, 8). Refused in any letter case, so no look-alike passes
    review either."""
    if value.lower().startswith(CLUSTER_WIDE_PREFIX):
        raise ValueError(f"{value!r} is a Kubernetes system group, which spans the cluster (e.g. system:authenticated "
                         "is every identity); owners must be the tenant's own groups")
    return value


OwnerGroup = Annotated[GroupName, AfterValidator(_tenant_scoped_group),
                       Field(json_schema_extra={"not": {"pattern": "^[sS][yY][sS][tT][eE][mM]:"}})]


class DataClass(str, Enum):
    """What kind of data a tenant keeps; the strictest class sets how long backups are kept."""

    financial = "financial"
    operational = "operational"
    analytics = "analytics"
    logs = "logs"


DATA_CLASS_RETENTION_DAYS: dict[DataClass, int] = {
    DataClass.financial: 7 * 365,
    DataClass.operational: 3 * 365,
    DataClass.analytics: 365,
    DataClass.logs: 90,
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


CRON_PROBE_START = datetime.datetime(2024, 1, 1)
"""A fixed start for the "does it ever fire" probe, so validation does not depend on today;
croniter gives up when no date matches within its search window (years, so 29 February fires)."""


class Backups(_Strict):
    schedule: str = Field(description="Five-field cron expression, in UTC.", examples=["0 2 * * *"])
    retention_days: StrictInt = Field(ge=1, description="How long each backup is kept.")

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        if len(value.split()) != 5 or not croniter.is_valid(value):
            raise ValueError(f"'{value}' is not a five-field cron expression such as '0 2 * * *'")
        try:
            croniter(value, CRON_PROBE_START).get_next(datetime.datetime)
        except CroniterBadDateError:
            raise ValueError(f"'{value}' never fires (no such day in those months); "
                             "choose days that every listed month has") from None
        return value


class Decommission(_Strict):
    """Marks a service (or tenant) for removal; see README 'Decommissioning'."""

    requested_by: FreeText = Field(min_length=1)
    final_backup: StrictBool = True


LATEST_BACKUP = "latest"
BACKUP_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}$")
OperationId = Annotated[str, StringConstraints(min_length=1, max_length=20, pattern=DNS_LABEL)]


class RestoreFrom(_Strict):
    """Create this (new) service from another service's backups: restore, point-in-time restore or clone.

    Read once, when the service is created; `dbaas diff` refuses adding it to an existing service or
    editing it afterwards (dbaas/lifecycle), because a new restore object would restore over live data.
    """

    service: ServiceName = Field(description="A service of the same tenant and engine, with backups.")
    backup: str = Field(
        default=LATEST_BACKUP,
        description="'latest' (a clone), or an engine-native backup id from the source's backup location: MongoDB "
                    "the PBM backup name, YugabyteDB a Backup object's name, Aerospike the backup's data path, "
                    "DragonflyDB the snapshot's timestamp (2026-11-20T02:00:00), ScyllaDB the Scylla Manager "
                    "snapshot tag (sm_20261120020000UTC), Vitess the backup's name "
                    "(2026-11-20.020000.zone1-0000000101).",
    )
    point_in_time: AwareDatetime | None = Field(
        default=None,
        description="Restore to this instant (UTC, e.g. '2026-11-20T10:15:00Z'); only engines with PITR, inside the "
                    "source's retention_days; `backup` then names the base backup, taken before that instant.",
    )

    @field_validator("backup")
    @classmethod
    def _backup_id(cls, value: str) -> str:
        if not BACKUP_ID.match(value) or ".." in value.split("/"):
            raise ValueError(f"{value!r} is neither 'latest' nor a backup id (letters, digits and . _ : / -, at most "
                             "200 characters, no '..' segment)")
        return value

    @field_validator("point_in_time")
    @classmethod
    def _utc(cls, value: AwareDatetime | None) -> AwareDatetime | None:
        """In UTC; an instant a UTC datetime cannot hold (0001-01-01T00:00:00+14:00 is in year 0) is refused
        instead of overflowing."""
        if value is None:
            return None
        try:
            return value.astimezone(timezone.utc)
        except OverflowError:
            raise ValueError(f"{value.isoformat()} is outside the years 1-9999 in UTC") from None

    @model_validator(mode="after")
    def _pitr_from_a_base(self) -> "RestoreFrom":
        if self.point_in_time is not None and self.backup == LATEST_BACKUP:
            raise ValueError("backup: a point-in-time restore replays the log from a base backup taken before that "
                             "time; name it with backup: <id> instead of 'latest'")
        return self


class Operation(_Strict):
    """A one-shot operation on a running service; it becomes one object named after `id`, so it runs once.

    The next change to the service removes it; an id is never reused for another action.
    """

    id: OperationId = Field(description="Names the operation's object (or restart marker); new ids only.")
    action: Literal["backup", "restart"] = Field(
        description="backup: an on-demand backup. restart: a rolling restart of the service's pods, through the "
                    "operator (engines README); the id is the restart marker, so the same entry restarts once and "
                    "removing it restarts nothing.")


class Service(_Strict):
    name: ServiceName
    engine: EngineName
    version: str
    topology: Literal["single", "clustered"]
    replicas: StrictInt = Field(ge=1)
    storage_gb: StrictInt = Field(ge=1)
    backups: Backups | None = None
    cdc: StrictBool = False
    decommission: Decommission | None = Field(
        default=None, description="Set to remove a protected service; the platform takes a final backup first."
    )
    restore_from: RestoreFrom | None = Field(
        default=None, description="Create this new service from another service's backups (restore, PITR, clone)."
    )
    operations: list[Operation] = Field(
        default_factory=list, description="One-shot operations (on-demand backup, restart); each id runs once."
    )

    @field_validator("version")
    @classmethod
    def _supported_version(cls, value: str, info: ValidationInfo) -> str:
        engine = info.data.get("engine")
        if engine is not None and value not in SUPPORTED_VERSIONS[engine]:
            retired = RETIRED_VERSIONS.get(engine, {}).get(value)
            why = f" any more: {retired};" if retired else ";"
            raise ValueError(
                f"{engine.value} {value!r} is not supported{why} choose one of {', '.join(SUPPORTED_VERSIONS[engine])}"
            )
        return value

    @model_validator(mode="after")
    def _topology(self) -> "Service":
        if self.topology == "single" and self.replicas != 1:
            raise ValueError(f"replicas: a single topology has exactly 1 replica, not {self.replicas}")
        if self.topology == "clustered" and self.replicas < 3:
            raise ValueError(f"replicas: a clustered topology needs at least 3 replicas, not {self.replicas}")
        return self

    @model_validator(mode="after")
    def _engine_backups(self) -> "Service":
        """What the engines can do with a schedule, and what a final backup needs (components/engines/README.md)."""
        if self.backups and self.engine in FIXED_INTERVAL_ENGINES and fixed_interval(self.backups.schedule) is None:
            raise ValueError(
                f"backups.schedule: {self.engine.value} backups run at a fixed interval, but "
                f"'{self.backups.schedule}' fires at irregular intervals; use one such as '0 2 * * *' or '0 */6 * * *'"
            )
        if self.decommission and self.decommission.final_backup and self.backups is None:
            raise ValueError("decommission.final_backup: a final backup needs a 'backups:' block on the service")
        if any(op.action == "backup" for op in self.operations) and self.backups is None:
            raise ValueError("operations: an on-demand backup needs a 'backups:' block on the service (its target)")
        way = RESTART_WAYS[self.engine]
        for i, op in enumerate(self.operations):
            if op.action == "restart" and not way.declarative:
                raise ValueError(f"operations[{i}].action: {self.engine.value} cannot be restarted through its "
                                 f"operator: {way.missing}")
        ids = [op.id for op in self.operations]
        for i, op_id in enumerate(ids):
            if op_id in ids[:i]:
                raise ValueError(f"operations[{i}].id: operation id {op_id!r} is used twice in this service")
        if self.restore_from is not None:
            self._restorable(self.restore_from)
        return self

    def _restorable(self, restore: RestoreFrom) -> None:
        """What this engine's restore can do (declarations/engine_catalog.py RESTORE_WAYS)."""
        if restore.service == self.name:
            raise ValueError("restore_from.service: a service cannot restore from itself; a restore always creates a "
                             "new service: give this one a new name")
        way = RESTORE_WAYS[self.engine]
        engine = self.engine.value
        if not (way.clone or way.named):
            raise ValueError(f"restore_from: {engine} cannot restore into a new service yet: {way.missing}")
        if restore.backup == LATEST_BACKUP and not way.clone:
            raise ValueError(f"restore_from.backup: {engine} cannot clone the latest state: {way.missing}")
        if restore.point_in_time is not None and not way.point_in_time:
            pitr = ", ".join(sorted(e.value for e, w in RESTORE_WAYS.items() if w.point_in_time))
            raise ValueError(f"restore_from.point_in_time: {engine} cannot restore to a point in time through its "
                             f"operator (engines that can: {pitr}); remove point_in_time to restore a backup")
        if restore.backup != LATEST_BACKUP and way.backup_id and not re.fullmatch(way.backup_id, restore.backup):
            raise ValueError(f"restore_from.backup: {restore.backup!r} is not a {engine} backup; name "
                             f"{way.backup_id_form}, or 'latest'")


class Tenant(_Strict):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"title": "dbaas tenant declaration"},
    )

    id: TenantId = Field(description="DNS-1123 label, 3-40 chars, unique across all regions; equals the file name.")
    name: FreeText = Field(min_length=1, max_length=120)
    org: OrgName
    plan: PlanName
    data_region: str = Field(description="Equals the folder name; only this region's stack deploys the tenant.")
    owners: list[OwnerGroup] = Field(min_length=1, description=(
        "Groups bound to the namespace admin role: the tenant's own groups, never a Kubernetes `system:` group."))
    deletion_protection: StrictBool = True
    data_classes: list[DataClass] = Field(min_length=1)
    services: list[Service] = Field(default_factory=list)
    decommission: Decommission | None = Field(
        default=None,
        description="Set to request removal of the whole tenant; the file stays and deletion protection still applies.",
    )

    @field_validator("data_region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        if value not in KNOWN_REGIONS:
            raise ValueError(f"unknown region {value!r}; known regions: {', '.join(KNOWN_REGIONS)}")
        return value

    @field_validator("owners", "data_classes")
    @classmethod
    def _unique(cls, value: list) -> list:
        seen = set()
        for item in value:
            if item in seen:
                raise ValueError(f"{getattr(item, 'value', item)!r} is listed twice")
            seen.add(item)
        return value

    @model_validator(mode="after")
    def _plan_limits(self) -> "Tenant":
        """Enforce the plan catalog. Errors name the offending service by index."""
        plan = plan_for(self.plan)
        errors: list[str] = []
        names: set[str] = set()
        for i, svc in enumerate(self.services):
            where = f"services[{i}]"
            if svc.name in names:
                errors.append(f"{where}.name: service name {svc.name!r} is used twice in this tenant")
            names.add(svc.name)
            if svc.topology not in plan.allowed_topologies:
                errors.append(
                    f"{where}.topology: plan {plan.name.value} allows {', '.join(plan.allowed_topologies)}, not {svc.topology}"
                )
            if svc.replicas > plan.max_replicas:
                errors.append(f"{where}.replicas: plan {plan.name.value} allows at most {plan.max_replicas} replicas")
            if svc.storage_gb > plan.max_storage_gb_per_service:
                errors.append(
                    f"{where}.storage_gb: plan {plan.name.value} allows at most {plan.max_storage_gb_per_service} GB per service"
                )
            if svc.backups and svc.backups.retention_days > plan.max_backup_retention_days:
                errors.append(
                    f"{where}.backups.retention_days: plan {plan.name.value} keeps backups at most "
                    f"{plan.max_backup_retention_days} days"
                )
        if len(self.services) > plan.max_services:
            errors.append(f"services: plan {plan.name.value} allows at most {plan.max_services} services, not {len(self.services)}")
        total = sum(s.storage_gb * s.replicas for s in self.services)
        if total > plan.quota.requests_storage_gb:
            errors.append(
                f"services: total storage {total} GB (storage_gb x replicas) exceeds the plan's quota of "
                f"{plan.quota.requests_storage_gb} GB"
            )
        if errors:
            raise PlanLimitError(errors)
        return self

    @property
    def backup_retention_days(self) -> int:
        """Bucket lifecycle: the strictest declared data class governs the whole bucket."""
        return max(DATA_CLASS_RETENTION_DAYS[c] for c in self.data_classes)


class PlanLimitError(ValueError):
    """Several plan violations at once, each already prefixed with its field path."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("; ".join(errors))


_FIELD_PREFIX = re.compile(r"^(?P<field>[a-z_]+(?:\[\d+\])?(?:\.[a-z_]+(?:\[\d+\])?)*): (?P<msg>.*)$", re.S)


def split_field_prefix(message: str) -> tuple[str | None, str]:
    """Validators prefix messages with a relative field path; split it off."""
    m = _FIELD_PREFIX.match(message)
    if m:
        return m.group("field"), m.group("msg")
    return None, message
