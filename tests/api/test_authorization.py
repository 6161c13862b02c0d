"""Who may do what: the role matrix against the running server (another org's tenant is a 404)."""

from __future__ import annotations

import pytest

from tests.api.conftest import NEW_TENANT, auth

SERVICE = {"name": "extra", "engine": "dragonfly", "version": "1.25", "topology": "single", "replicas": 1,
           "storage_gb": 5, "backups": {"schedule": "0 3 * * *", "retention_days": 7}}

# acme (org acme) is the target tenant; every caller below is in org acme unless named "other-*".
CALLERS = {
    "platform-admin": ("pat", "platform", ("platform-admin",)),
    "org-owner": ("olu", "acme", ("org-owner",)),
    "org-admin": ("ada", "acme", ("org-admin",)),
    "org-member": ("meg", "acme", ("org-member",)),
    "service-admin": ("sam", "acme", ("service-admin",)),
    "service-viewer": ("vic", "acme", ("service-viewer",)),
    "no-roles": ("nob", "acme", ()),
    "other-org-owner": ("oto", "kudi", ("org-owner",)),
}

# Expected status per (caller, operation). Writes that are allowed answer 202. Removing (or
# decommissioning) a service removes data: org-owner or platform-admin only (issue 15).
MATRIX = {
    #                    create read  add-svc del-svc decommission
    "platform-admin":   (202,   200,  202,    202,    202),
    "org-owner":        (403,   200,  202,    202,    202),
    "org-admin":        (403,   200,  202,    403,    403),
    "org-member":       (403,   200,  403,    403,    403),
    "service-admin":    (403,   200,  202,    403,    403),
    "service-viewer":   (403,   200,  403,    403,    403),
    "no-roles":         (403,   404,  404,    404,    404),
    "other-org-owner":  (403,   404,  404,    404,    404),
}


@pytest.mark.parametrize("who", sorted(CALLERS))
def test_role_matrix(client, who):
    sub, org, roles = CALLERS[who]
    headers = auth(sub=sub, org=org, roles=roles)
    create, read, add, delete, decommission = MATRIX[who]

    assert client.post("/v1/tenants", json=NEW_TENANT, headers=headers).status_code == create
    assert client.get("/v1/tenants/acme", headers=headers).status_code == read
    assert client.post("/v1/tenants/acme/services", json=SERVICE, headers=headers).status_code == add
    assert client.delete("/v1/tenants/acme/services/sessions", headers=headers).status_code == delete
    assert client.delete("/v1/tenants/acme", headers=headers).status_code == decommission


def test_another_orgs_tenant_looks_exactly_like_a_missing_one(client):
    headers = auth(sub="oto", org="kudi", roles=("org-owner",))

    foreign = client.get("/v1/tenants/acme", headers=headers)
    missing = client.get("/v1/tenants/no-such-tenant", headers=headers)

    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == {"detail": "tenant 'acme' not found"}
    assert missing.json() == {"detail": "tenant 'no-such-tenant' not found"}


def test_listing_shows_only_the_callers_org(client):
    mine = client.get("/v1/tenants", headers=auth(sub="kemi", org="kudi", roles=("org-member",)))
    everything = client.get("/v1/tenants", headers=auth(sub="pat", org="platform", roles=("platform-admin",)))

    assert [v["tenant"]["id"] for v in mine.json()["items"]] == ["kudi-pay"]
    assert [v["tenant"]["id"] for v in everything.json()["items"]] == [
        "acme", "bergbahn", "hanse-ledger", "kudi-pay", "naija-stream", "rhein-analytics"]


def test_only_platform_admin_moves_a_tenant_to_another_org(client):
    owner = auth(sub="olu", org="acme", roles=("org-owner",))
    get = client.get("/v1/tenants/acme", headers=owner)

    response = client.put("/v1/tenants/acme", json={**get.json()["tenant"], "org": "kudi"},
                          headers={**owner, "If-Match": get.headers["etag"]})

    assert response.status_code == 403
    assert response.json() == {"detail": "only platform-admin moves a tenant to another org"}


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "missing 'Authorization: Bearer <token>' header"),
        ({"Authorization": "Bearer not-a-jwt"}, "malformed bearer token"),
        ({"Authorization": f"Bearer {'x'}"}, "malformed bearer token"),
    ],
)
def test_unauthenticated_requests_get_401(client, headers, message):
    response = client.get("/v1/tenants", headers=headers)

    assert response.status_code == 401
    assert response.json() == {"detail": message}
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_unauthenticated_writes_are_refused_before_validation(client):
    response = client.post("/v1/tenants", json={"id": "X"})

    assert response.status_code == 401
