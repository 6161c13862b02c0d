"""Read endpoints of the provisioning loop: per-service status and the tenant's audit trail."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import FastAPI, Path, Query
from pydantic import BaseModel, Field

from api.errors import NotFound
from api.service import ProvisioningService
from api.status import ServiceStatus
from declarations.tenant_model import Service, ServiceName, TenantId


TenantIdPath = Annotated[TenantId, Path(description="Tenant id (DNS-1123 label).")]
"""No `from __future__ import annotations` here: FastAPI must see the route annotations as objects."""


class ServiceView(BaseModel):
    tenant_id: str
    service: Service = Field(description="The declaration (a pending change included).")
    status: ServiceStatus


class ServiceList(BaseModel):
    items: list[ServiceView]


class AuditEntry(BaseModel):
    occurred_at: datetime
    action: str = Field(description="`tenant.<operation>` for API changes, `stack.apply_succeeded|failed` for applies.")
    target: str
    actor: str = Field(description="The token's subject, or the CI identity that recorded an apply.")
    commit: str | None
    detail: dict[str, Any]


class AuditTrail(BaseModel):
    items: list[AuditEntry]


def add_status_routes(app: FastAPI, service: ProvisioningService, who: Any, responses: dict) -> None:
    """Register the routes on `app`; `who` is the app's authenticated-caller dependency."""

    def views(caller, tenant_id: str) -> list[ServiceView]:
        record, statuses = service.with_status(caller, tenant_id)
        return [ServiceView(tenant_id=tenant_id, service=s, status=st) for s, st in zip(record.tenant.services, statuses)]

    @app.get("/v1/tenants/{tenant_id}/services", response_model=ServiceList, responses=responses, tags=["services"])
    def list_services(tenant_id: TenantIdPath, caller: who) -> ServiceList:
        return ServiceList(items=views(caller, tenant_id))

    @app.get("/v1/tenants/{tenant_id}/services/{name}", response_model=ServiceView, responses=responses, tags=["services"])
    def get_service(tenant_id: TenantIdPath, name: Annotated[ServiceName, Path()], caller: who) -> ServiceView:
        found = [v for v in views(caller, tenant_id) if v.service.name == name]
        if not found:
            raise NotFound(f"tenant {tenant_id!r} has no service named {name!r}")
        return found[0]

    @app.get("/v1/tenants/{tenant_id}/audit", response_model=AuditTrail, responses=responses, tags=["tenants"])
    def get_audit(tenant_id: TenantIdPath, caller: who,
                  limit: Annotated[int, Query(ge=1, le=1000, description="Newest first.")] = 100) -> AuditTrail:
        events = service.audit(caller, tenant_id, limit)
        return AuditTrail(items=[AuditEntry(occurred_at=e.occurred_at, action=e.action, target=e.target, actor=e.actor,
                                            commit=e.commit, detail=e.detail) for e in events])
