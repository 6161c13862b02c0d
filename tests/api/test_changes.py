"""End to end: the real server on loopback, a real repository, and what lands in git."""

from __future__ import annotations

import copy
from pathlib import Path

from api.tenant_file import render_tenant
from declarations.tenant_loader import load_tenant_tree, validate_files
from declarations.tenant_model import Tenant
from tests.api.conftest import NEW_TENANT, auth, git

ADMIN = {"sub": "pat", "org": "platform", "roles": ("platform-admin",), "email": "pat@platform.example"}
FRESH_ADMIN = {"sub": "ola", "org": "fresh", "roles": ("org-admin",), "email": "ola@fresh.example"}
CACHE = {"name": "cache", "engine": "dragonfly", "version": "1.25", "topology": "single", "replicas": 1, "storage_gb": 5}


def _materialise(repo: Path, commit: str, target: Path) -> Path:
    """Export a commit's tenants tree with git itself, independent of the API's own reader."""
    target.mkdir()
    for path in git(repo, "ls-tree", "-r", "--name-only", commit, "--", "tenants").splitlines():
        out = target / path
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(git_bytes(repo, "show", f"{commit}:{path}"))
    return target / "tenants"


def git_bytes(repo: Path, *args: str) -> bytes:
    import subprocess

    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True).stdout


def test_create_commits_the_exact_file_on_a_new_branch(client, repo, tmp_path):
    main_before = git(repo, "rev-parse", "main").strip()
    status_before = git(repo, "status", "--porcelain", "--ignored")

    response = client.post("/v1/tenants", json=NEW_TENANT, headers=auth(**ADMIN))

    assert response.status_code == 202, response.text
    result = response.json()
    assert result["operation"] == "create"
    assert result["branch"].startswith("provision/lagos-fresh-") and len(result["branch"]) == len("provision/lagos-fresh-") + 8
    assert git(repo, "rev-parse", result["branch"]).strip() == result["commit"]
    assert git(repo, "rev-parse", f"{result['commit']}^").strip() == main_before == result["base"]
    assert git(repo, "log", "-1", "--format=%an <%ae>|%cn", result["commit"]).strip() == \
        "pat <pat@platform.example>|dbaas provisioning API"
    assert git(repo, "diff", "--name-status", main_before, result["commit"]).splitlines() == ["A\ttenants/lagos/lagos-fresh.yaml"]
    expected = render_tenant(Tenant.model_validate(NEW_TENANT))
    assert git_bytes(repo, "show", f"{result['commit']}:tenants/lagos/lagos-fresh.yaml") == expected
    assert expected.startswith(b"# yaml-language-server: $schema=../schema.json\nid: lagos-fresh\n")
    assert response.headers["etag"] == result["etag"] == f'"{git(repo, "rev-parse", result["commit"] + ":tenants/lagos/lagos-fresh.yaml").strip()}"'

    # the new tree is what `dbaas validate` accepts, and it loads back to the same model
    tenants_dir = _materialise(repo, result["commit"], tmp_path / "after")
    written = tenants_dir / "lagos" / "lagos-fresh.yaml"
    assert validate_files([written], tenants_dir) == []
    assert [t for t in load_tenant_tree(tenants_dir) if t.id == "lagos-fresh"] == [Tenant.model_validate(NEW_TENANT)]

    # the plan diff is the new tenant's own stack: every resource created, nothing else touched
    # (the platform stack reads no tenant file, so a tenant's change never changes it)
    plan = result["plan"]
    assert plan["stack"] == "lagos.lagos-fresh"
    assert (plan["delete"], plan["change"], plan["replace"]) == (0, 0, 0)
    assert plan["add"] == len(plan["added"]) > 10
    assert all(urn.startswith("urn:pulumi:lagos.lagos-fresh::dbaas-tenant::") for urn in plan["added"])  # its own stack
    assert "urn:pulumi:lagos.lagos-fresh::dbaas-tenant::dbaas:tenant:TenantEnvironment::lagos-fresh" in plan["added"]
    introduced = [p for p in result["policies"] if p["introduced"]]
    assert all("lagos-fresh" in p["urn"] for p in introduced)  # a tenant's change can only break its own resources
    assert result["policies_passed"] is not any(p["enforcement"] == "mandatory" for p in introduced)

    # main and the working tree are untouched
    assert git(repo, "rev-parse", "main").strip() == main_before
    assert git(repo, "status", "--porcelain", "--ignored") == status_before
    assert not (repo / "tenants" / "lagos" / "lagos-fresh.yaml").exists()


def test_create_then_add_service_stacks_on_the_pending_change(client, repo):
    created = client.post("/v1/tenants", json=NEW_TENANT, headers=auth(**ADMIN)).json()

    view = client.get("/v1/tenants/lagos-fresh", headers=auth(**FRESH_ADMIN))
    assert view.status_code == 200
    assert view.json()["pending_branch"] == created["branch"]
    assert view.headers["etag"] == created["etag"]

    response = client.post("/v1/tenants/lagos-fresh/services", json=CACHE, headers=auth(**FRESH_ADMIN))

    assert response.status_code == 202, response.text
    added = response.json()
    assert added["operation"] == "add-service"
    assert added["base"] == created["commit"]
    assert git(repo, "log", "-1", "--format=%an <%ae>", added["commit"]).strip() == "ola <ola@fresh.example>"
    stored = Tenant.model_validate({**NEW_TENANT, "services": [*NEW_TENANT["services"], CACHE]})
    assert git_bytes(repo, "show", f"{added['commit']}:tenants/lagos/lagos-fresh.yaml") == render_tenant(stored)
    assert client.get("/v1/tenants/lagos-fresh", headers=auth(**FRESH_ADMIN)).json()["tenant"]["services"][1]["name"] == "cache"


def test_a_merged_change_is_read_from_main_again(client, repo):
    created = client.post("/v1/tenants", json=NEW_TENANT, headers=auth(**ADMIN)).json()
    git(repo, "merge", "-q", "--ff-only", created["branch"])

    view = client.get("/v1/tenants/lagos-fresh", headers=auth(**FRESH_ADMIN)).json()

    assert view["pending_branch"] is None
    following = client.post("/v1/tenants/lagos-fresh/services", json=CACHE, headers=auth(**FRESH_ADMIN)).json()
    assert following["base"] == git(repo, "rev-parse", "main").strip()


def test_a_deleted_branch_ends_the_pending_change(client, repo):
    created = client.post("/v1/tenants", json=NEW_TENANT, headers=auth(**ADMIN)).json()
    git(repo, "branch", "-q", "-D", created["branch"])

    assert client.get("/v1/tenants/lagos-fresh", headers=auth(**ADMIN)).status_code == 404
    assert client.post("/v1/tenants", json=NEW_TENANT, headers=auth(**ADMIN)).status_code == 202


def test_ids_are_unique_across_regions(client):
    clash = {**NEW_TENANT, "id": "bergbahn"}  # bergbahn lives in frankfurt; this one asks for lagos

    response = client.post("/v1/tenants", json=clash, headers=auth(**ADMIN))

    assert response.status_code == 409
    assert response.json() == {"detail": "tenant id 'bergbahn' is already used by tenants/frankfurt/bergbahn.yaml"}


def test_put_needs_a_current_if_match(client, repo):
    get = client.get("/v1/tenants/acme", headers=auth(**ADMIN))
    tenant = get.json()["tenant"]
    tenant["owners"] = ["acme-admins", "acme-dba"]

    missing = client.put("/v1/tenants/acme", json=tenant, headers=auth(**ADMIN))
    stale = client.put("/v1/tenants/acme", json=tenant, headers={**auth(**ADMIN), "If-Match": '"0000"'})
    fresh = client.put("/v1/tenants/acme", json=tenant, headers={**auth(**ADMIN), "If-Match": get.headers["etag"]})
    replay = client.put("/v1/tenants/acme", json={**tenant, "name": "Acme 3"},
                        headers={**auth(**ADMIN), "If-Match": get.headers["etag"]})

    assert missing.status_code == 428
    assert stale.status_code == 412 and stale.headers["etag"] == get.headers["etag"]
    assert fresh.status_code == 202, fresh.text
    assert fresh.json()["plan"]["change"] >= 1 and fresh.json()["plan"]["add"] == fresh.json()["plan"]["delete"] == 0
    assert replay.status_code == 412 and replay.headers["etag"] == fresh.json()["etag"]


def test_put_cannot_move_a_tenant_between_regions(client):
    get = client.get("/v1/tenants/acme", headers=auth(**ADMIN))
    moved = {**get.json()["tenant"], "data_region": "frankfurt"}

    response = client.put("/v1/tenants/acme", json=moved, headers={**auth(**ADMIN), "If-Match": get.headers["etag"]})

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["detail"]] == ["data_region"]


def test_invalid_bodies_get_field_paths(client):
    body = copy.deepcopy(NEW_TENANT)
    body["services"][0]["replicas"] = 3
    body["services"][0]["topology"] = "clustered"
    body["owners"] = []

    response = client.post("/v1/tenants", json=body, headers=auth(**ADMIN))

    assert response.status_code == 422
    fields = {e["field"]: e["msg"] for e in response.json()["detail"]}
    assert fields == {"owners": "List should have at least 1 item after validation, not 0"}
    body["owners"] = ["fresh-admins"]
    response = client.post("/v1/tenants", json=body, headers=auth(**ADMIN))
    assert response.status_code == 422
    assert {e["field"]: e["msg"] for e in response.json()["detail"]} == {
        "services[0].topology": "plan starter allows single, not clustered",
        "services[0].replicas": "plan starter allows at most 1 replicas",
    }
    assert response.json()["detail"][0]["loc"][:3] == ["body", "services", 0]


def test_malformed_json_is_a_422_not_a_500(client):
    response = client.post("/v1/tenants", content=b"{not json", headers={**auth(**ADMIN), "Content-Type": "application/json"})

    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"


def test_a_body_that_is_not_utf8_is_a_422(client):
    response = client.post("/v1/tenants", content=b"\xff\xfe", headers={**auth(**ADMIN), "Content-Type": "application/json"})

    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "body"


def test_add_service_over_the_plan_limit_names_the_field(client):
    too_big = {**CACHE, "name": "metrics", "storage_gb": 80}

    response = client.post("/v1/tenants/naija-stream/services", json=too_big, headers=auth(**ADMIN))

    assert response.status_code == 422
    assert {e["field"]: e["msg"] for e in response.json()["detail"]} == {
        "storage_gb": "plan starter allows at most 50 GB per service",
        "tenant.services": "plan starter allows at most 2 services, not 3",
    }
    assert [e["loc"] for e in response.json()["detail"]] == [["body", "storage_gb"], ["tenant", "services"]]


def test_removing_a_service_of_a_protected_tenant_only_marks_it(client, repo):
    response = client.delete("/v1/tenants/acme/services/sessions", headers=auth(**ADMIN))

    assert response.status_code == 202, response.text
    result = response.json()
    assert result["operation"] == "decommission-service"
    text = git_bytes(repo, "show", f"{result['commit']}:tenants/lagos/acme.yaml").decode()
    assert "  - name: sessions\n" in text
    assert "    decommission: {requested_by: pat, final_backup: true}\n" in text
    assert result["plan"]["delete"] == 0
    again = client.delete("/v1/tenants/acme/services/sessions", headers=auth(**ADMIN))
    assert again.status_code == 409


def test_removing_a_live_service_of_an_unprotected_tenant_decommissions_it_first(client, repo):
    """Dropping a deployed service destroys its data, which CI's `dbaas diff --fail-on-destroy` refuses even
    without deletion protection; so DELETE writes the marker first, and drops the entry once that has merged."""
    marked = client.delete("/v1/tenants/naija-stream/services/cache", headers=auth(**ADMIN))
    assert marked.status_code == 202, marked.text
    assert marked.json()["operation"] == "decommission-service"
    text = git_bytes(repo, "show", f"{marked.json()['commit']}:tenants/lagos/naija-stream.yaml").decode()
    assert "  - name: cache\n" in text and "    decommission: {requested_by: pat, final_backup: false}\n" in text  # cache has no backups
    assert marked.json()["plan"]["destructive"] == []
    git(repo, "merge", "-q", "--ff-only", marked.json()["branch"])

    response = client.delete("/v1/tenants/naija-stream/services/cache", headers=auth(**ADMIN))

    assert response.status_code == 202, response.text
    assert response.json()["operation"] == "remove-service"
    text = git_bytes(repo, "show", f"{response.json()['commit']}:tenants/lagos/naija-stream.yaml").decode()
    assert "cache" not in text and "  - name: events\n" in text
    assert response.json()["plan"]["delete"] > 0 and response.json()["plan"]["destructive"] == []
    assert client.delete("/v1/tenants/naija-stream/services/nope", headers=auth(**ADMIN)).status_code == 404


def test_decommission_keeps_the_file_and_its_protection(client, repo):
    owner = {"sub": "kemi", "org": "kudi", "roles": ("org-owner",)}

    response = client.delete("/v1/tenants/kudi-pay", headers=auth(**owner))

    assert response.status_code == 202, response.text
    result = response.json()
    text = git_bytes(repo, "show", f"{result['commit']}:tenants/lagos/kudi-pay.yaml").decode()
    assert text.endswith("decommission: {requested_by: kemi, final_backup: true}\n")
    assert "deletion_protection: true\n" in text
    assert result["plan"]["delete"] == 0
    view = client.get("/v1/tenants/kudi-pay", headers=auth(**owner)).json()
    assert view["decommission_requested"] is True
    assert client.delete("/v1/tenants/kudi-pay", headers=auth(**owner)).status_code == 409


def test_dropping_a_service_after_lowering_protection_is_judged_against_main(client, repo):
    """Issue 22 (1): each change is judged as the whole branch against main, as CI will see it. Protection lowered
    in one change and the service dropped in the next (stacked) is the removal of a protected service: 409 with
    `dbaas diff`'s own located lines, and nothing published."""
    get = client.get("/v1/tenants/acme", headers=auth(**ADMIN))
    tenant = {**get.json()["tenant"], "deletion_protection": False}
    lowered = client.put("/v1/tenants/acme", json=tenant, headers={**auth(**ADMIN), "If-Match": get.headers["etag"]})
    assert lowered.status_code == 202, lowered.text
    assert lowered.json()["compared_with"] == git(repo, "rev-parse", "main").strip()
    tenant["services"] = [s for s in tenant["services"] if s["name"] != "sessions"]
    refs_before = git(repo, "for-each-ref")

    response = client.put("/v1/tenants/acme", json=tenant, headers={**auth(**ADMIN), "If-Match": lowered.json()["etag"]})

    assert response.status_code == 409, response.text
    lines = response.json()["detail"].splitlines()
    assert lines[0] == "refused: the branch would fail `dbaas diff lagos --base main --fail-on-destroy` " \
                       "(nothing was published):"
    assert lines[1] == (
        "removal blocked: tenants/lagos/acme.yaml:10:1: services: removing the service would delete the dragonfly "
        "instance of service 'sessions' of protected tenant 'acme'; to decommission it, first merge a change that "
        "adds `decommission: {requested_by: <you>, final_backup: true}` to services[1] ('sessions') and let it deploy "
        "(it takes a final backup and lifts the protection); remove the service in a later change")
    assert "removal refused: engine instance urn:pulumi:lagos.acme::dbaas-tenant::dbaas:tenant:TenantEnvironment$" \
           "dbaas:engines:DragonflyInstance$kubernetes:dragonflydb.io/v1alpha1:Dragonfly::acme.sessions.dragonfly is " \
           "protected; `pulumi up` would refuse to delete it" in lines
    assert git(repo, "for-each-ref") == refs_before  # no branch, the tracking ref unmoved


def test_marking_then_dropping_on_one_branch_is_refused(client, repo):
    """Issue 22 (1): a decommission marker that is only on the pending branch has not deployed: no final backup was
    taken, so dropping the entry on top of it is refused as `dbaas diff` against main refuses it."""
    owner = {"sub": "kemi", "org": "kudi", "roles": ("org-owner",)}
    marked = client.delete("/v1/tenants/kudi-pay/services/wallets", headers=auth(**owner))
    assert marked.status_code == 202, marked.text
    view = client.get("/v1/tenants/kudi-pay", headers=auth(**owner))
    tenant = view.json()["tenant"]
    tenant["services"] = [s for s in tenant["services"] if s["name"] != "wallets"]
    refs_before = git(repo, "for-each-ref")

    response = client.put("/v1/tenants/kudi-pay", json=tenant, headers={**auth(**owner), "If-Match": view.headers["etag"]})

    assert response.status_code == 409, response.text
    assert "removal blocked: tenants/lagos/kudi-pay.yaml:10:1: services: removing the service would delete the " \
           "mongodb instance of service 'wallets' of protected tenant 'kudi-pay'" in response.json()["detail"]
    assert git(repo, "for-each-ref") == refs_before


def test_protection_off_delete_protection_on_is_refused(client, repo):
    """Issue 22 (1): protection off, the service dropped, protection on again: the last step alone looks harmless
    against the pending branch; against main it deletes a protected MongoDB."""
    owner = {"sub": "kemi", "org": "kudi", "roles": ("org-owner",)}
    view = client.get("/v1/tenants/kudi-pay", headers=auth(**owner))
    tenant = {**view.json()["tenant"], "deletion_protection": False}
    off = client.put("/v1/tenants/kudi-pay", json=tenant, headers={**auth(**owner), "If-Match": view.headers["etag"]})
    assert off.status_code == 202, off.text
    tenant["services"] = [s for s in tenant["services"] if s["name"] != "wallets"]
    tenant["deletion_protection"] = True

    response = client.put("/v1/tenants/kudi-pay", json=tenant, headers={**auth(**owner), "If-Match": off.json()["etag"]})

    assert response.status_code == 409, response.text
    assert "would delete the mongodb instance of service 'wallets' of protected tenant 'kudi-pay'" in \
           response.json()["detail"]
    assert git(repo, "rev-parse", "refs/dbaas/tenants/kudi-pay").strip() == off.json()["commit"]


def test_idempotency_key_replays_the_first_answer(client, repo):
    headers = {**auth(**ADMIN), "Idempotency-Key": "create-lagos-fresh-1"}

    first = client.post("/v1/tenants", json=NEW_TENANT, headers=headers)
    second = client.post("/v1/tenants", json=NEW_TENANT, headers=headers)
    other_body = client.post("/v1/tenants", json={**NEW_TENANT, "name": "Other"}, headers=headers)

    assert first.status_code == second.status_code == 202
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert git(repo, "for-each-ref", "--format=%(refname)", "refs/heads/provision/").splitlines() == [
        f"refs/heads/{first.json()['branch']}"
    ]
    assert other_body.status_code == 422
    assert other_body.json()["detail"][0]["field"] == "header idempotency-key"


def test_oversized_bodies_are_refused(client):
    body = {**NEW_TENANT, "name": "x" * (70 * 1024)}

    response = client.post("/v1/tenants", json=body, headers=auth(**ADMIN))

    assert response.status_code == 413
    assert response.json() == {"detail": "request body is larger than 65536 bytes"}


def test_health_and_metrics(client, repo):
    client.get("/v1/tenants/acme", headers=auth(**ADMIN))

    health = client.get("/healthz")
    metrics = client.get("/metrics")

    assert health.json() == {"status": "ok", "base_branch": "main", "base_commit": git(repo, "rev-parse", "main").strip()}
    assert metrics.headers["content-type"].startswith("text/plain")
    assert 'dbaas_api_requests_total{method="GET",route="/v1/tenants/{tenant_id}",status="200"} 1.0' in metrics.text


WALLETS_COPY = {"name": "wallets-copy", "engine": "mongodb", "version": "7.0", "topology": "clustered", "replicas": 3,
                "storage_gb": 250, "backups": {"schedule": "15 1 * * *", "retention_days": 90},
                "restore_from": {"service": "wallets"}}


def test_restore_is_a_new_service_written_on_a_branch_with_its_diff(client, repo):
    response = client.post("/v1/tenants/kudi-pay/services", json=WALLETS_COPY, headers=auth(**ADMIN))
    assert response.status_code == 202, response.text
    result = response.json()
    text = git(repo, "show", f"{result['commit']}:tenants/lagos/kudi-pay.yaml")
    assert "  - name: wallets-copy\n" in text and "restore_from: {service: wallets" in text
    added = [urn.rsplit("::", 1)[-1] for urn in result["plan"]["added"]]
    assert {"kudi-pay.wallets-copy.restore", "kudi-pay.wallets-copy.restore-seed"} <= set(added)
    assert result["plan"]["destructive"] == []


def test_restore_request_passes_the_same_guards_as_the_diff(client):
    bad = {**WALLETS_COPY, "storage_gb": 100, "restore_from": {"service": "ledger"}}
    response = client.post("/v1/tenants/kudi-pay/services", json=bad, headers=auth(**ADMIN))
    assert response.status_code == 422, response.text
    assert [(e["loc"], e["msg"]) for e in response.json()["detail"]] == [
        (["body", "restore_from", "service"], "'ledger' is a vitess service; a mongodb service can only restore from "
                                              "mongodb backups: use engine: vitess")]


def test_replace_that_shrinks_storage_is_refused_with_the_field(client):
    view = client.get("/v1/tenants/kudi-pay", headers=auth(**ADMIN))
    tenant = copy.deepcopy(view.json()["tenant"])
    tenant["services"][1]["storage_gb"] = 200
    response = client.put("/v1/tenants/kudi-pay", json=tenant, headers={**auth(**ADMIN), "If-Match": view.headers["etag"]})
    assert response.status_code == 422, response.text
    assert [(e["loc"], e["msg"]) for e in response.json()["detail"]] == [
        (["body", "services", 1, "storage_gb"], "250 -> 200 GB shrinks the data volumes, which Kubernetes refuses "
         "for a PersistentVolumeClaim (and some operators silently ignore); keep storage_gb at 250 or more, or create "
         "a smaller new service and move the data into it logically (dump and load)")]


def test_scale_writes_the_change_and_lists_what_needs_attention(client, repo):
    response = client.post("/v1/tenants/kudi-pay/services/wallets/scale", json={"replicas": 5, "storage_gb": 300},
                           headers=auth(**ADMIN))
    assert response.status_code == 202, response.text
    result = response.json()
    assert result["operation"] == "scale-service"
    text = git(repo, "show", f"{result['commit']}:tenants/lagos/kudi-pay.yaml")
    assert "  - name: wallets\n    engine: mongodb\n    version: \"7.0\"\n    topology: clustered\n    replicas: 5\n" \
           "    storage_gb: 300\n" in text
    assert result["attention"] == [
        "services[1].storage_gb: 250 -> 300 GB: volumes grow in place (the storage class must allow volume "
        "expansion); volumes cannot shrink back later"]
    assert git(repo, "log", "-1", "--format=%s", result["commit"]).strip() == \
        "provision: scale service wallets of tenant kudi-pay (replicas 5, storage_gb 300)"


def test_scale_that_drops_durability_is_refused(client):
    response = client.post("/v1/tenants/kudi-pay/services/wallets/scale", json={"topology": "single", "replicas": 1},
                           headers=auth(**ADMIN))
    assert response.status_code == 422, response.text
    assert [e["loc"] for e in response.json()["detail"]] == [["body", "topology"]]
    assert response.json()["detail"][0]["msg"].startswith("clustered -> single drops mongodb service 'wallets' from 3")


def test_on_demand_backup_is_one_operation_entry_that_the_next_change_replaces(client, repo):
    first = client.post("/v1/tenants/kudi-pay/services/wallets/backups", json={"id": "pre-upgrade"},
                        headers=auth(**ADMIN)).json()
    assert "    operations: [{id: pre-upgrade, action: backup}]\n" in git(
        repo, "show", f"{first['commit']}:tenants/lagos/kudi-pay.yaml")
    assert "kudi-pay.wallets.op-pre-upgrade-backup" in [u.rsplit("::", 1)[-1] for u in first["plan"]["added"]]
    second = client.post("/v1/tenants/kudi-pay/services/wallets/scale", json={"replicas": 5},
                         headers=auth(**ADMIN)).json()
    assert "operations" not in git(repo, "show", f"{second['commit']}:tenants/lagos/kudi-pay.yaml")


def test_restart_is_one_operation_entry_whose_removal_restarts_nothing(client, repo):
    first = client.post("/v1/tenants/kudi-pay/services/wallets/restarts", json={"id": "fix-leak"},
                        headers=auth(**ADMIN))
    assert first.status_code == 202, first.text
    result = first.json()
    assert result["operation"] == "restart-service"
    assert "    operations: [{id: fix-leak, action: restart}]\n" in git(
        repo, "show", f"{result['commit']}:tenants/lagos/kudi-pay.yaml")
    assert [u.rsplit("::", 1)[-1] for u in result["plan"]["changed"]] == ["kudi-pay.wallets.psmdb"]
    assert result["attention"] == [
        "services[1].operations[0]: restart 'fix-leak': the operator restarts every mongodb pod of 'wallets' one at a "
        "time; clients reconnect, and a single replica is unavailable while it restarts"]
    assert git(repo, "log", "-1", "--format=%s", result["commit"]).strip() == \
        "provision: rolling restart fix-leak of service wallets of tenant kudi-pay"
    second = client.post("/v1/tenants/kudi-pay/services/wallets/backups", json={"id": "after-fix"},
                         headers=auth(**ADMIN)).json()
    assert "restart" not in git(repo, "show", f"{second['commit']}:tenants/lagos/kudi-pay.yaml")
    assert "kudi-pay.wallets.psmdb" not in [u.rsplit("::", 1)[-1] for u in second["plan"]["changed"]]


def test_restore_endpoint_creates_a_service_shaped_like_its_source(client, repo):
    response = client.post("/v1/tenants/kudi-pay/services/wallets/restores",
                           json={"name": "wallets-pitr", "backup": "2026-11-20T02:00:21Z",
                                 "point_in_time": "2099-11-20T10:15:00Z"}, headers=auth(**ADMIN))
    assert response.status_code == 422, response.text
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "restore_from", "point_in_time"]
    assert error["msg"].startswith("2099-11-20T10:15:00Z is outside the source's retained window")
    clone = client.post("/v1/tenants/kudi-pay/services/wallets/restores", json={"name": "wallets-clone"},
                        headers=auth(**ADMIN))
    assert clone.status_code == 202, clone.text
    assert clone.json()["operation"] == "restore-service"
    text = git(repo, "show", f"{clone.json()['commit']}:tenants/lagos/kudi-pay.yaml")
    assert text.endswith("  - name: wallets-clone\n    engine: mongodb\n    version: \"7.0\"\n    topology: clustered\n"
                         "    replicas: 3\n    storage_gb: 250\n    backups: {schedule: \"15 1 * * *\", retention_days: 90}\n"
                         "    cdc: true\n    restore_from: {service: wallets, backup: latest}\n")


YB_SINGLE = {"name": "ledger", "engine": "yugabyte", "version": "2.20", "topology": "single", "replicas": 1,
             "storage_gb": 20, "backups": {"schedule": "0 2 * * *", "retention_days": 30}}


def test_a_change_the_api_server_would_refuse_leaves_nothing_on_a_branch(client, repo):
    """Issue 22 (2): YBUniverse's replicationFactor is immutable (its CRD's transition rule); `dbaas diff` refuses
    single -> clustered, so the API does too, in the diff's words, and the next change is not stacked on it."""
    added = client.post("/v1/tenants/acme/services", json=YB_SINGLE, headers=auth(**ADMIN))
    assert added.status_code == 202, added.text
    git(repo, "merge", "-q", "--ff-only", added.json()["branch"])
    refs_before = git(repo, "for-each-ref")

    response = client.post("/v1/tenants/acme/services/ledger/scale", json={"topology": "clustered", "replicas": 3},
                           headers=auth(**ADMIN))

    assert response.status_code == 409, response.text
    assert response.json()["detail"].splitlines()[1:] == [
        "update refused by the API server: urn:pulumi:lagos.acme::dbaas-tenant::dbaas:tenant:TenantEnvironment$"
        "dbaas:engines:YugabyteInstance$kubernetes:operator.yugabyte.io/v1alpha1:YBUniverse::acme.ledger.ybuniverse: "
        "spec.replicationFactor: Invalid value: \"integer\": Replication Factor is cannot be changed"]
    assert git(repo, "for-each-ref") == refs_before
    following = client.post("/v1/tenants/acme/services/ledger/backups", json={"id": "pre"}, headers=auth(**ADMIN))
    assert following.status_code == 202, following.text
    assert following.json()["base"] == git(repo, "rev-parse", "main").strip()  # not stacked on a refused change


def test_dropping_every_backup_of_an_enterprise_tenant_is_refused_by_the_policy_pack(client, repo):
    """Issue 22 (2): an org-admin drops every backup of protected enterprise tenant kudi-pay; the mandatory
    `plan-enterprise-backups` rule fails CI's diff, so the API refuses it with the pack's own lines."""
    org_admin = {"sub": "ada", "org": "kudi", "roles": ("org-admin",)}
    view = client.get("/v1/tenants/kudi-pay", headers=auth(**org_admin))
    tenant = view.json()["tenant"]
    for service in tenant["services"]:
        service["backups"] = None
    refs_before = git(repo, "for-each-ref")

    response = client.put("/v1/tenants/kudi-pay", json=tenant, headers={**auth(**org_admin), "If-Match": view.headers["etag"]})

    assert response.status_code == 409, response.text
    lines = response.json()["detail"].splitlines()
    assert "[mandatory/critical] plan-enterprise-backups" in lines
    assert "  enterprise service kudi-pay/wallets (mongodb) must have scheduled backups: spec.backup.enabled is True " \
           "with 0 enabled scheduled task(s)" in lines
    assert git(repo, "for-each-ref") == refs_before


def test_a_change_whose_objects_the_api_server_would_refuse_is_a_409_naming_them(client, repo, monkeypatch):
    """The plan of the branch refuses an object the Kubernetes API server would refuse (strict CRD schema); the API
    answers what `dbaas plan` says, never a 500, and publishes nothing."""
    from declarations.engine_catalog import ENGINE_SPECS, EngineName

    monkeypatch.setitem(ENGINE_SPECS[EngineName.mongodb].images, "7.0", 7)
    branches = git(repo, "branch", "--list").splitlines()
    # a tenant file no other test writes: the API caches plans by the file's blob (api/plan_diff.py)
    tenant = copy.deepcopy(NEW_TENANT)
    tenant["services"][0]["name"] = "orders"
    tenant["name"] = "Lagos Fresh Foods (refused)"
    response = client.post("/v1/tenants", json=tenant, headers=auth(**ADMIN))
    assert response.status_code == 409, response.text
    detail = response.json()["detail"]
    assert detail.startswith("refused: the branch would fail `dbaas plan lagos.lagos-fresh` (nothing was published):\n")
    assert "PerconaServerMongoDB::lagos-fresh.orders" in detail and "spec.image: 7 is not of type 'string'" in detail
    assert git(repo, "branch", "--list").splitlines() == branches
