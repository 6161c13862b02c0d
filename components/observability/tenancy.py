"""Who is who in the observability backends: namespace -> tenant -> org ID (X-Scope-OrgID).

Loki and Tempo keep each org's data apart; the collector sends every record under exactly one
org ID, looked up here. Tenant ids are DNS labels, so they can never equal the platform's own
org ID, which contains an underscore.
"""

from __future__ import annotations

from dataclasses import dataclass

from declarations.naming import tenant_namespace

PLATFORM_ORG_ID = "_platform"
"""Org of platform components' own logs and traces. Not a DNS label, so no tenant id can equal it."""
ORG_ID_HEADER = "X-Scope-OrgID"
NAMESPACE_HEADER = "X-Dbaas-Namespace"
"""Header the tenant's Prometheus datasource sends; prom-label-proxy enforces `namespace=<value>`."""
TENANT_ATTRIBUTE = "dbaas.tenant"
"""Resource attribute the collector stamps on every tenant record."""


@dataclass(frozen=True)
class TenantRoute:
    tenant_id: str

    @property
    def namespace(self) -> str:
        return tenant_namespace(self.tenant_id)

    @property
    def org_id(self) -> str:
        return self.tenant_id
