"""Parallel requests against one repository: no lost update, no duplicate id, no damage."""

from __future__ import annotations

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from api.git_store import Author
from api.settings import ApiSettings
from declarations.tenant_model import Tenant
from tests.api.conftest import JWT_SECRET, NEW_TENANT, auth, git, start_server

ADMIN = auth(sub="pat", org="platform", roles=("platform-admin",))
N = 4


def _parallel(calls):
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(lambda call: call(), calls))


def _provision_branches(repo: Path) -> list[str]:
    return git(repo, "for-each-ref", "--format=%(refname:lstrip=2)", "refs/heads/provision/").split()


def _assert_repository_intact(repo: Path, main_before: str, status_before: str) -> None:
    assert subprocess.run(["git", "-C", str(repo), "fsck", "--strict", "--no-dangling"], capture_output=True).returncode == 0
    assert git(repo, "rev-parse", "main").strip() == main_before
    assert git(repo, "status", "--porcelain", "--ignored") == status_before


def test_parallel_creates_of_distinct_tenants_all_land(api_server, repo):
    main_before, status_before = git(repo, "rev-parse", "main").strip(), git(repo, "status", "--porcelain", "--ignored")
    bodies = [{**NEW_TENANT, "id": f"par-{i}", "name": f"Parallel {i}"} for i in range(N)]

    with api_server.client() as client:
        responses = _parallel([lambda b=b: client.post("/v1/tenants", json=b, headers=ADMIN) for b in bodies])

    assert [r.status_code for r in responses] == [202] * N
    assert sorted(_provision_branches(repo)) == sorted(r.json()["branch"] for r in responses)
    for r in responses:
        commit = r.json()["commit"]
        assert git(repo, "rev-parse", f"{commit}^").strip() == main_before
        assert git(repo, "diff", "--name-only", main_before, commit).split() == [f"tenants/lagos/{r.json()['tenant_id']}.yaml"]
    _assert_repository_intact(repo, main_before, status_before)


def test_parallel_creates_of_one_id_admit_exactly_one(api_server, repo):
    with api_server.client() as client:
        responses = _parallel([lambda i=i: client.post("/v1/tenants", json={**NEW_TENANT, "name": f"Try {i}"}, headers=ADMIN)
                               for i in range(N)])

    assert sorted(r.status_code for r in responses) == [202] + [409] * (N - 1)
    assert len(_provision_branches(repo)) == 1


def test_two_servers_on_one_repository_admit_one_create(repo):
    settings = ApiSettings(repo=repo, jwt_secret=JWT_SECRET)
    servers = [start_server(settings) for _ in range(2)]
    try:
        clients = [running.client() for running, _, _ in servers]
        responses = _parallel([lambda c=c: c.post("/v1/tenants", json=NEW_TENANT, headers=ADMIN) for c in clients])
    finally:
        for _, server, thread in servers:
            server.should_exit = True
            thread.join(timeout=10)

    assert sorted(r.status_code for r in responses) == [202, 409]
    assert len(_provision_branches(repo)) == 1


def test_parallel_updates_with_one_etag_admit_exactly_one(api_server, repo):
    with api_server.client() as client:
        get = client.get("/v1/tenants/acme", headers=ADMIN)
        base = get.json()["tenant"]
        headers = {**ADMIN, "If-Match": get.headers["etag"]}
        responses = _parallel([
            lambda i=i: client.put("/v1/tenants/acme", json={**base, "owners": ["acme-admins", f"team-{i}"]}, headers=headers)
            for i in range(N)
        ])
        winner = next(r for r in responses if r.status_code == 202)
        final = client.get("/v1/tenants/acme", headers=ADMIN)

    assert sorted(r.status_code for r in responses) == [202] + [412] * (N - 1)
    assert final.headers["etag"] == winner.json()["etag"]
    assert final.json()["tenant"]["owners"] == json.loads(winner.request.content)["owners"]


def test_parallel_service_additions_are_all_kept(api_server, repo):
    # kudi-pay is enterprise: its mandatory policies want clustered services (plan-enterprise-clustered)
    services = [{"name": f"svc-{i}", "engine": "dragonfly", "version": "1.25", "topology": "clustered", "replicas": 3,
                 "storage_gb": 5, "backups": {"schedule": "0 3 * * *", "retention_days": 7}} for i in range(N)]
    with api_server.client() as client:
        responses = _parallel([lambda s=s: client.post("/v1/tenants/kudi-pay/services", json=s, headers=ADMIN)
                               for s in services])
        final = client.get("/v1/tenants/kudi-pay", headers=ADMIN).json()

    assert [r.status_code for r in responses] == [202] * N
    names = [s["name"] for s in final["tenant"]["services"]]
    assert names[:2] == ["ledger", "wallets"] and sorted(names[2:]) == [f"svc-{i}" for i in range(N)]
    # the changes form one chain: each is based on the one before it
    commits = {r.json()["base"]: r.json()["commit"] for r in responses}
    chain, cursor = [], git(repo, "rev-parse", "main").strip()
    while cursor in commits:
        cursor = commits[cursor]
        chain.append(cursor)
    assert len(chain) == N


def test_an_unpublished_commit_leaves_no_trace(api_server, repo):
    """A crash between writing the commit and moving the refs: nothing visible, nothing damaged."""
    index_before = (repo / ".git" / "index").read_bytes()
    store = api_server.app.state.service.store

    store.prepare(None, Tenant.model_validate(NEW_TENANT), Author("a", "a@x"), Author("c", "c@x"), "crash", "test")

    assert store.get("lagos-fresh") is None
    assert _provision_branches(repo) == []
    assert (repo / ".git" / "index").read_bytes() == index_before
    assert git(repo, "status", "--porcelain") == ""


def test_a_stale_ref_lock_is_a_503_not_a_500(api_server, repo):
    lock = repo / ".git" / "refs" / "dbaas" / "tenants" / "lagos-fresh.lock"
    lock.parent.mkdir(parents=True)
    lock.write_text("")
    with api_server.client() as client:
        locked = client.post("/v1/tenants", json=NEW_TENANT, headers=ADMIN)
        lock.unlink()
        retried = client.post("/v1/tenants", json=NEW_TENANT, headers=ADMIN)

    assert locked.status_code == 503
    assert locked.json()["detail"].startswith("the repository cannot be updated right now: ")
    assert retried.status_code == 202
