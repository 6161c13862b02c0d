"""Grafana through the Grafana operator: the instance, and per tenant a folder only platform
admins and the tenant's viewers reach, plus datasources that can only return that tenant's data
(metrics via prom-label-proxy, logs and traces under the tenant's org ID)."""

from __future__ import annotations

import json

from components.observability.endpoints import Endpoints
from components.observability.tenancy import NAMESPACE_HEADER, ORG_ID_HEADER, TenantRoute

INSTANCE_LABELS = {"dbaas.io/grafana": "platform"}
INSTANCE_SELECTOR = {"matchLabels": INSTANCE_LABELS}
FOLDER_ADMIN_ONLY = json.dumps({"items": [{"role": "Admin", "permission": 4}]}, sort_keys=True)
"""Folder permissions replace Grafana's default Viewer/Editor grants: only admins, plus the
tenant's team once it is synced (see README 'Grafana access')."""


def grafana_spec() -> dict:
    return {"config": {
        "log": {"mode": "console"},
        "auth": {"disable_login_form": "false"},
        "auth.anonymous": {"enabled": "false"},
        "users": {"viewers_can_edit": "false", "allow_sign_up": "false", "auto_assign_org_role": "Viewer"},
        "security": {"cookie_secure": "true"},
    }}


def datasource_uid(route: TenantRoute, kind: str) -> str:
    return f"{route.tenant_id}-{kind}"


def folder_uid(route: TenantRoute) -> str:
    return f"tenant-{route.tenant_id}"


def folder_spec(route: TenantRoute) -> dict:
    return {"instanceSelector": INSTANCE_SELECTOR, "title": f"Tenant {route.tenant_id}", "uid": folder_uid(route),
            "permissions": FOLDER_ADMIN_ONLY}


def datasource_specs(route: TenantRoute, endpoints: Endpoints) -> dict[str, dict]:
    """kind -> GrafanaDatasource spec. Each pins the tenant with a header the proxy or backend enforces."""
    def ds(kind: str, type_: str, url: str, header: str, value: str, extra: dict | None = None) -> dict:
        return {
            "instanceSelector": INSTANCE_SELECTOR,
            "uid": datasource_uid(route, kind),
            "datasource": {
                "name": f"{route.tenant_id} {kind}", "type": type_, "access": "proxy", "url": url,
                "editable": False, "isDefault": False,
                "jsonData": {"httpHeaderName1": header, **(extra or {})},
                "secureJsonData": {"httpHeaderValue1": value},
            },
        }
    return {
        "metrics": ds("metrics", "prometheus", endpoints.tenant_metrics_proxy, NAMESPACE_HEADER, route.namespace,
                      {"timeInterval": "30s"}),
        "logs": ds("logs", "loki", endpoints.loki, ORG_ID_HEADER, route.org_id),
        "traces": ds("traces", "tempo", endpoints.tempo_query, ORG_ID_HEADER, route.org_id),
    }
