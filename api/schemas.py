"""Response bodies of the API (request bodies are the tenant model's own Tenant and Service)."""

from __future__ import annotations

from enum import Enum

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from api.errors import FieldError
from api.plan_diff import PlanDiffSummary, PolicyResult
from api.status import ServiceStatus
from declarations.tenant_model import LATEST_BACKUP, OperationId, ServiceName, Tenant


class Operation(str, Enum):
    create = "create"
    replace = "replace"
    add_service = "add-service"
    remove_service = "remove-service"
    decommission_service = "decommission-service"
    decommission = "decommission"
    scale_service = "scale-service"
    backup_service = "backup-service"
    restart_service = "restart-service"
    restore_service = "restore-service"


class ChangeResult(BaseModel):
    """An accepted change: where it was committed, and what it would do to the region."""

    tenant_id: str
    operation: Operation
    branch: str = Field(description="New branch holding the change, `provision/<id>-<change>`.")
    commit: str
    base: str = Field(description="The commit the change was made on (base branch or the tenant's pending change).")
    compared_with: str = Field(description=(
        "The base branch's commit the whole branch was judged against: `plan`, `policies` and the refusals are "
        "this branch against it, what CI's `dbaas diff --base <base branch>` sees."))
    path: str = Field(description="The tenant file, `tenants/<region>/<id>.yaml`.")
    etag: str = Field(description="ETag of the tenant after this change, for a following If-Match.")
    plan: PlanDiffSummary
    policies: list[PolicyResult]
    policies_passed: bool
    attention: list[str] = Field(default_factory=list, description=(
        "Allowed but risky changes (upgrade, scale-in, storage growth) as `field: message`, the diff's "
        "'needs attention' section."))


class ScaleRequest(BaseModel):
    """New size of a service; fields left out keep their value. The lifecycle guards apply (no shrink, ...)."""

    model_config = ConfigDict(extra="forbid")
    replicas: int | None = Field(default=None, ge=1)
    topology: Literal["single", "clustered"] | None = None
    storage_gb: int | None = Field(default=None, ge=1)


class BackupRequest(BaseModel):
    """An on-demand backup: one `operations` entry (replacing the service's earlier, already-run ones)."""

    model_config = ConfigDict(extra="forbid")
    id: OperationId | None = Field(default=None, description="Defaults to `b-<UTC yyyymmddhhmmss>`.")


class RestartRequest(BaseModel):
    """A rolling restart: one `operations` entry (replacing the service's earlier, already-run ones); its id is the
    restart marker, so the entry restarts once and the next change, which drops it, restarts nothing."""

    model_config = ConfigDict(extra="forbid")
    id: OperationId | None = Field(default=None, description="Defaults to `r-<UTC yyyymmddhhmmss>`.")


class RestoreRequest(BaseModel):
    """Restore (or clone) a service into a NEW service of the same tenant; shape defaults to the source's."""

    model_config = ConfigDict(extra="forbid")
    name: ServiceName = Field(description="The new service's name.")
    backup: str = Field(default=LATEST_BACKUP, description="'latest' (a clone) or an engine-native backup id.")
    point_in_time: AwareDatetime | None = None
    version: str | None = Field(default=None, description="At least the source's; defaults to it.")
    storage_gb: int | None = Field(default=None, ge=1, description="At least the source's; defaults to it.")


class TenantView(BaseModel):
    """A tenant as the API sees it, including a change that is still waiting for review."""

    tenant: Tenant
    path: str
    etag: str
    pending_branch: str | None = Field(description="Branch of the tenant's latest change not yet merged, if any.")
    decommission_requested: bool
    service_status: list[ServiceStatus] | None = Field(
        default=None, description="Per service: pending, merged, applied, failed, decommissioned or unknown, with the "
                                  "connection of the last successful apply (GET of one tenant only; null in lists).")


class TenantList(BaseModel):
    items: list[TenantView]


class Health(BaseModel):
    status: str
    base_branch: str
    base_commit: str


class ErrorResponse(BaseModel):
    detail: str


class ValidationErrorResponse(BaseModel):
    detail: list[FieldError]
