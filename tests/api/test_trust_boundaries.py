"""Issue 22 ("Trust boundaries, round 3"), the provisioning API's items: each test failed on the code before the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from declarations.tenant_loader import validate_files
from tests.api.conftest import NEW_TENANT, auth

ADMIN = {"sub": "pat", "org": "platform", "roles": ("platform-admin",)}


# 8. Cluster-wide owners

@pytest.mark.parametrize("group", ["system:authenticated", "system:serviceaccounts", "system:unauthenticated",
                                   "system:serviceaccounts:kube-system", "system:masters", "System:Authenticated"])
def test_a_system_group_as_owner_is_refused_by_the_tenant_model_with_its_line(tmp_path: Path, group: str):
    tenants = tmp_path / "tenants" / "lagos"
    tenants.mkdir(parents=True)
    source = (Path(__file__).resolve().parents[2] / "tenants" / "lagos" / "acme.yaml").read_text()
    (tenants / "acme.yaml").write_text(source.replace("owners: [acme-admins]", f"owners: [acme-admins, {group}]"))

    [problem] = validate_files([tenants / "acme.yaml"], tmp_path / "tenants")

    assert (problem.line, problem.col, problem.field) == (7, 23, "owners[1]")
    assert problem.message == (f"{group!r} is a Kubernetes system group, which spans the cluster (e.g. "
                               "system:authenticated is every identity); owners must be the tenant's own groups")


def test_a_system_group_as_owner_is_a_422_naming_the_field(client):
    response = client.post("/v1/tenants", json={**NEW_TENANT, "owners": ["fresh-admins", "system:authenticated"]},
                           headers=auth(**ADMIN))

    assert response.status_code == 422, response.text
    assert [(e["loc"], e["field"]) for e in response.json()["detail"]] == [(["body", "owners", 1], "owners[1]")]
    assert "Kubernetes system group" in response.json()["detail"][0]["msg"]
