"""The tenant declaration: the one source of truth for what a tenant may ask for.

Field names are a contract with tools outside this project (the provisioning API, editors
through the exported JSON Schema): add fields, never rename them.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from enum import Enum
from typing import Annotated, Literal

from croniter import CroniterBadDateError, croniter
from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictInt, StringConstraints, ValidationInfo,
                      field_validator, model_validator)

from dbaas.engine_catalog import FIXED_INTERVAL_ENGINES, SUPPORTED_VERSIONS, EngineName, fixed_interval
from dbaas.plans import PlanName, plan_for
from dbaas.regions import KNOWN_REGIONS

DNS_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"

TenantId = Annotated[str, StringConstraints(min_length=3, max_length=40, pattern=DNS_LABEL)]
ServiceName = Annotated[str, StringConstraints(min_length=1, max_length=24, pattern=DNS_LABEL)]
OrgName = Annotated[str, StringConstraints(min_length=2, max_length=63, pattern=DNS_LABEL)]
GroupName = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@/-]*$")]


def _printable(value: str) -> str:
    """Free text ends up in labels, commit messages and terminals: no control characters or
    lone surrogates (which no UTF-8 file can hold)."""
    for char in value:
        if unicodedata.category(char) in ("Cc", "Cs"):
            raise ValueError(f"control character U+{ord(char):04X} is not allowed")
    return value


FreeText = Annotated[str, AfterValidator(_printable)]


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

    @field_validator("version")
    @classmethod
    def _supported_version(cls, value: str, info: ValidationInfo) -> str:
        engine = info.data.get("engine")
        if engine is not None and value not in SUPPORTED_VERSIONS[engine]:
            raise ValueError(
                f"{engine.value} {value!r} is not supported; choose one of {', '.join(SUPPORTED_VERSIONS[engine])}"
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
        return self


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
    owners: list[GroupName] = Field(min_length=1, description="Groups bound to the namespace admin role.")
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
