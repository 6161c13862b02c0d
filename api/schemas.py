"""Response bodies of the API (request bodies are the tenant model's own Tenant and Service)."""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, Field

from api.errors import FieldError
from api.plan_diff import PlanDiffSummary, PolicyResult
from api.status import ServiceStatus
from dbaas.tenant_model import Tenant


class Operation(str, Enum):
    create = "create"
    replace = "replace"
    add_service = "add-service"
    remove_service = "remove-service"
    decommission_service = "decommission-service"
    decommission = "decommission"


class ChangeResult(BaseModel):
    """An accepted change: where it was committed, and what it would do to the region."""

    tenant_id: str
    operation: Operation
    branch: str = Field(description="New branch holding the change, `provision/<id>-<change>`.")
    commit: str
    base: str = Field(description="The commit the change was made on (base branch or the tenant's pending change).")
    path: str = Field(description="The tenant file, `tenants/<region>/<id>.yaml`.")
    etag: str = Field(description="ETag of the tenant after this change, for a following If-Match.")
    plan: PlanDiffSummary
    policies: list[PolicyResult]
    policies_passed: bool


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
