"""The provisioning loop end to end: live API, real git, real PostgreSQL, `dbaas record-apply`.

A tenant goes create (pending) -> merge (merged) -> a recorded successful apply (applied, with
its connection) -> a merged change whose apply fails (failed, the last good connection kept) ->
decommission (merged, then decommissioned once applied). Another org sees none of it: 404 from
the API, and no rows in the control-plane database under its own tenant scope.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.settings import ApiSettings
from declarations.controlplane_schema.roles import APP, RECORDER
from tools.controlplane.tenant_identity import tenant_key
from tools.controlplane.tenant_scope import tenant_transaction
from dbaas.cli import main
from tests.api.conftest import JWT_SECRET, NEW_TENANT, RunningServer, auth, git, start_server
from tests.controlplane.conftest import db, pg_server, template_db  # noqa: F401 (fixtures)
from tests.spine.test_tenant_outputs import exported_tenant_outputs

TENANT = NEW_TENANT["id"]  # lagos-fresh, org fresh, one MongoDB service "orders"
STACK = f"lagos.{TENANT}"
ADMIN = auth(sub="alice", org="platform", roles=("platform-admin",))
OWNER = auth(sub="fiona", org="fresh", roles=("org-owner",))
OTHER = auth(sub="nina", org="naija-stream", roles=("org-owner",))


@pytest.fixture
def loop_server(repo: Path, db) -> Iterator[RunningServer]:  # noqa: F811 (db is the imported fixture)
    settings = ApiSettings(repo=repo, jwt_secret=JWT_SECRET, rate_limit_per_minute=100_000, rate_limit_burst=10_000,
                           database_url=db.dsn(APP))
    running, server, thread = start_server(settings)
    yield running
    server.should_exit = True
    thread.join(timeout=10)


def merge(repo: Path, branch: str) -> str:
    git(repo, "merge", "--no-ff", "-q", "-m", f"Merge {branch}", branch)
    return git(repo, "rev-parse", "HEAD").strip()


def record(capsys, db, repo: Path, stack: str, commit: str, *argv: str) -> str:  # noqa: F811
    code = main(["record-apply", "--database-url", db.dsn(RECORDER), "--tenants-dir", str(repo / "tenants"),
                 "--actor", "ci-apply", "--stack", stack, "--commit", commit, *argv])
    out, err = capsys.readouterr()
    assert (code, err) == (0, ""), out + err
    return out


def stack_outputs(repo: Path, tmp_path: Path, name: str) -> Path:
    """What `pulumi stack output --json` prints for the tenant's stack: the contract as the real
    program computes it for the tenants at this commit, plus a secret the CLI masks."""
    contract = exported_tenant_outputs("lagos", repo / "tenants")[TENANT]
    path = tmp_path / name
    path.write_text(json.dumps({**contract, "admin_password": "[secret]"}, indent=2))
    return path


def statuses(client, headers=OWNER) -> list[dict]:
    response = client.get(f"/v1/tenants/{TENANT}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["service_status"]


def status(name: str, state: str, commit=None, at=None, error=None, connection=None) -> dict:
    return {"name": name, "status": state, "commit": commit, "applied_at": at, "error": error, "connection": connection}


def test_a_tenant_walks_the_whole_loop_and_another_org_sees_none_of_it(loop_server, repo, db, capsys, tmp_path):  # noqa: F811
    client = loop_server.client()

    # create: only on a provision branch
    created = client.post("/v1/tenants", json=NEW_TENANT, headers=ADMIN)
    assert created.status_code == 202, created.text
    assert statuses(client) == [status("orders", "pending")]

    # merged into main, not applied yet
    m1 = merge(repo, created.json()["branch"])
    assert statuses(client) == [status("orders", "merged")]

    # CI applied main and recorded it
    outputs = stack_outputs(repo, tmp_path, "m1.json")
    assert record(capsys, db, repo, STACK, m1, "--result", "succeeded", "--outputs", str(outputs),
                  "--time", "2026-03-01T10:00:00Z") == (
        f"dropped secret output admin_password\nrecorded {STACK} at {m1}: succeeded\n")
    orders = {"engine": "mongodb", "host": f"orders-mongodb-rs0.t-{TENANT}.svc.cluster.local", "port": 27017,
              "tls_required": True, "ca_secret": "orders-mongodb-ssl", "credentials_secret": "orders-mongodb-credentials"}
    applied = status("orders", "applied", m1, "2026-03-01T10:00:00Z", connection=orders)
    assert statuses(client) == [applied]
    assert client.get(f"/v1/tenants/{TENANT}/services/orders", headers=OWNER).json() == {
        "tenant_id": TENANT, "service": client.get(f"/v1/tenants/{TENANT}", headers=OWNER).json()["tenant"]["services"][0],
        "status": applied}
    # recording the same apply again changes nothing
    assert record(capsys, db, repo, STACK, m1, "--result", "succeeded", "--outputs", str(outputs),
                  "--time", "2026-03-02T00:00:00Z").splitlines()[-1].startswith(f"already recorded {STACK} at {m1}: succeeded")
    assert statuses(client) == [applied]

    # a second service is added and merged; its apply fails: the last good connection stays
    cache = {"name": "cache", "engine": "dragonfly", "version": "1.25", "topology": "single", "replicas": 1,
             "storage_gb": 10}
    added = client.post(f"/v1/tenants/{TENANT}/services", json=cache, headers=OWNER)
    assert added.status_code == 202, added.text
    assert statuses(client) == [applied, status("cache", "pending")]
    m2 = merge(repo, added.json()["branch"])
    assert statuses(client) == [{**applied, "status": "merged"}, status("cache", "merged")]
    error = "error: update failed: kubernetes:dragonflydb.io/v1alpha1:Dragonfly t-lagos-fresh/cache-dragonfly: timed out"
    assert record(capsys, db, repo, STACK, m2, "--result", "failed", "--error", error,
                  "--time", "2026-03-02T10:00:00Z") == f"recorded {STACK} at {m2}: failed\n"
    assert statuses(client) == [{**applied, "status": "failed", "error": error}, status("cache", "failed", error=error)]

    # decommissioning: requested on a branch (status unchanged), merged (not applied yet), applied
    requested = client.delete(f"/v1/tenants/{TENANT}", headers=OWNER)
    assert requested.status_code == 202, requested.text
    assert statuses(client) == [{**applied, "status": "failed", "error": error}, status("cache", "failed", error=error)]
    m3 = merge(repo, requested.json()["branch"])
    assert statuses(client) == [{**applied, "status": "merged"}, status("cache", "merged")]
    outputs = stack_outputs(repo, tmp_path, "m3.json")
    assert record(capsys, db, repo, STACK, m3, "--result", "succeeded", "--outputs", str(outputs),
                  "--time", "2026-03-03T10:00:00Z").endswith(f"recorded {STACK} at {m3}: succeeded\n")
    assert statuses(client) == [status("orders", "decommissioned", m3, "2026-03-03T10:00:00Z"),
                                status("cache", "decommissioned", m3, "2026-03-03T10:00:00Z")]

    # the tenant's own audit trail: every API change and every apply, who and which commit
    trail = client.get(f"/v1/tenants/{TENANT}/audit", headers=OWNER)
    assert trail.status_code == 200, trail.text
    assert [(e["action"], e["actor"], e["commit"], e["target"]) for e in trail.json()["items"]] == [
        ("stack.apply_succeeded", "ci-apply", m3, STACK),
        ("tenant.decommission", "fiona", requested.json()["commit"], TENANT),
        ("stack.apply_failed", "ci-apply", m2, STACK),
        ("tenant.add_service", "fiona", added.json()["commit"], TENANT),
        ("stack.apply_succeeded", "ci-apply", m1, STACK),
        ("tenant.create", "alice", created.json()["commit"], TENANT),
    ]
    assert trail.json()["items"][-1]["detail"] == {"operation": "create", "branch": created.json()["branch"],
                                                   "org": "platform"}

    # another org: its own tenant has its own records ...
    other_m = git(repo, "rev-parse", "HEAD").strip()
    record(capsys, db, repo, "lagos.naija-stream", other_m, "--result", "failed", "--error", "boom")
    own = client.get("/v1/tenants/naija-stream/audit", headers=OTHER).json()["items"]
    assert [(e["action"], e["target"]) for e in own] == [("stack.apply_failed", "lagos.naija-stream")]
    # ... and nothing of the first: the API answers 404 everywhere ...
    for path in (f"/v1/tenants/{TENANT}", f"/v1/tenants/{TENANT}/services", f"/v1/tenants/{TENANT}/services/orders",
                 f"/v1/tenants/{TENANT}/audit"):
        response = client.get(path, headers=OTHER)
        assert (response.status_code, response.json()) == (404, {"detail": f"tenant {TENANT!r} not found"}), path
    assert TENANT not in [t["tenant"]["id"] for t in client.get("/v1/tenants", headers=OTHER).json()["items"]]
    # ... and under its own tenant scope the database has no row of the first
    with db.connect(APP) as conn, tenant_transaction(conn, tenant_key("naija-stream")):
        assert conn.execute("SELECT slug FROM dbaas.tenants").fetchall() == [("naija-stream",)]
        assert conn.execute("SELECT stack FROM dbaas.stack_applies").fetchall() == [("lagos.naija-stream",)]
        assert conn.execute("SELECT count(*) FROM dbaas.audit_events WHERE target LIKE %s OR detail::text LIKE %s",
                            (f"%{TENANT}%", f"%{TENANT}%")).fetchone() == (0,)
    with db.connect(APP) as conn, tenant_transaction(conn, tenant_key(TENANT)):
        assert conn.execute("SELECT count(*) FROM dbaas.stack_applies").fetchone() == (3,)
        assert conn.execute("SELECT count(*) FROM dbaas.audit_events").fetchone() == (6,)
    # no record holds a secret value
    with db.connect() as admin:
        stored = json.dumps(admin.execute("SELECT json_agg(outputs) FROM dbaas.stack_applies").fetchone()[0])
    assert "[secret]" not in stored and "admin_password" not in stored


def test_without_a_database_the_api_serves_the_declaration_with_status_unknown(api_server, repo):
    client = api_server.client()
    assert client.get("/v1/tenants/acme", headers=ADMIN).json()["service_status"] == [
        status("orders", "unknown"), status("sessions", "unknown")]
    created = client.post("/v1/tenants", json=NEW_TENANT, headers=ADMIN)
    assert created.status_code == 202
    assert statuses(client, ADMIN) == [status("orders", "pending")]
    response = client.get("/v1/tenants/acme/audit", headers=ADMIN)
    assert (response.status_code, response.json()) == (
        503, {"detail": "no control-plane database is configured (DBAAS_API_DATABASE_URL)"})
    assert client.get("/v1/tenants/acme/services/nope", headers=ADMIN).status_code == 404
