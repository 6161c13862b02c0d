"""Issue 22 ("Trust boundaries, round 3"), the provisioning API's items: each test failed on the code before the fix."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import jwt
import pytest
import uvicorn

from api.app import create_app
from api.server import listening_socket, server_config
from api.settings import ApiSettings
from api.tenant_file import render_tenant
from declarations.tenant_loader import validate_files
from declarations.tenant_model import Tenant
from tests.api.conftest import JWT_SECRET, NEW_TENANT, auth, git, token
from tests.api.test_provisioning_loop import loop_server, merge, record  # noqa: F401 (fixture)
from tests.controlplane.conftest import db, pg_server, template_db  # noqa: F401 (fixtures)

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


# 3. A retired tenant id is never handed to another org

def _retire(repo: Path, path: str) -> None:
    git(repo, "rm", "-q", path)
    git(repo, "commit", "-q", "-m", f"retire {path}")


def test_a_retired_id_is_not_handed_to_another_org(client, repo):
    _retire(repo, "tenants/lagos/acme.yaml")
    rival = {**NEW_TENANT, "id": "acme", "org": "rival"}

    response = client.post("/v1/tenants", json=rival, headers=auth(**ADMIN))

    assert response.status_code == 409, response.text
    seeded = git(repo, "rev-list", "--max-parents=0", "main").strip()
    assert response.json()["detail"] == (
        f"tenant id 'acme' was used on main by another org (tenants/lagos/acme.yaml in commit {seeded[:12]}); an id "
        "is never handed to another org, because the control-plane records are keyed by it: choose another id")
    assert git(repo, "for-each-ref", "refs/heads/provision/") == ""
    services = [{**NEW_TENANT["services"][0], "name": "orders-v2"}]  # (acme's earlier names stay taken: backups)
    back = client.post("/v1/tenants", json={**rival, "org": "acme", "services": services}, headers=auth(**ADMIN))
    assert back.status_code == 202, back.text  # its own org may declare it again


def test_records_of_a_previous_owner_are_never_shown_to_the_next(loop_server, repo, db, capsys):  # noqa: F811
    """The id reached another org without the API (a pull request): the control-plane rows keyed by the id are
    still the first org's, and only platform-admin sees them."""
    client = loop_server.client()
    created = client.post("/v1/tenants", json=NEW_TENANT, headers=auth(**ADMIN))
    assert created.status_code == 202, created.text
    merged = merge(repo, created.json()["branch"])
    record(capsys, db, repo, "lagos.lagos-fresh", merged, "--result", "failed", "--error", "fresh's own failure")
    fresh_owner = auth(sub="fiona", org="fresh", roles=("org-owner",))
    assert [e["action"] for e in client.get("/v1/tenants/lagos-fresh/audit", headers=fresh_owner).json()["items"]] \
        == ["stack.apply_failed", "tenant.create"]
    _retire(repo, "tenants/lagos/lagos-fresh.yaml")
    taken = repo / "tenants" / "lagos" / "lagos-fresh.yaml"
    taken.write_bytes(render_tenant(Tenant.model_validate({**NEW_TENANT, "org": "rival", "name": "Rival"})))
    git(repo, "add", str(taken))
    git(repo, "commit", "-q", "-m", "rival takes the id")
    rival_owner = auth(sub="rob", org="rival", roles=("org-owner",))

    audit = client.get("/v1/tenants/lagos-fresh/audit", headers=rival_owner)
    view = client.get("/v1/tenants/lagos-fresh", headers=rival_owner)

    assert audit.status_code == 200 and audit.json()["items"] == []
    assert view.json()["service_status"] == [{"name": "orders", "status": "merged", "commit": None, "applied_at": None,
                                              "error": None, "connection": None}]
    everything = client.get("/v1/tenants/lagos-fresh/audit", headers=auth(**ADMIN)).json()["items"]
    assert [e["action"] for e in everything] == ["stack.apply_failed", "tenant.create"]


# 6. Client input never reaches a 500

def test_a_5000_digit_integer_is_never_parsed_before_authentication(client):
    body = '{"id": "x", "storage_gb": ' + "9" * 5000 + "}"
    headers = {"Content-Type": "application/json"}

    anonymous = client.post("/v1/tenants", content=body, headers=headers)
    signed_in = client.post("/v1/tenants", content=body, headers={**headers, **auth(**ADMIN)})

    assert (anonymous.status_code, anonymous.json()) == (401, {"detail": "missing 'Authorization: Bearer <token>' header"})
    assert anonymous.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert signed_in.status_code == 422, signed_in.text
    assert signed_in.json()["detail"] == [{"loc": ["body"], "field": "body", "type": "json_number_too_long",
                                           "msg": "request body has an integer of 5000 digits; at most 32 are accepted"}]


def test_nan_is_not_json(client):
    response = client.post("/v1/tenants", content='{"id": NaN}',
                           headers={"Content-Type": "application/json", **auth(**ADMIN)})
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == "request body is not valid JSON: NaN is not a JSON number"


def test_a_point_in_time_outside_utc_years_is_a_422_naming_the_field(client):
    response = client.post("/v1/tenants/kudi-pay/services/wallets/restores",
                           json={"name": "wallets-pitr", "backup": "2026-11-20T02:00:21Z",
                                 "point_in_time": "0001-01-01T00:00:00+14:00"}, headers=auth(**ADMIN))

    assert response.status_code == 422, response.text
    assert [(e["loc"], e["msg"]) for e in response.json()["detail"]] == [
        (["body", "restore_from", "point_in_time"], "0001-01-01T00:00:00+14:00 is outside the years 1-9999 in UTC")]


@pytest.mark.parametrize("content, message", [
    (b"not json", "DBAAS_API_JWKS: {path} is not JSON: Expecting value at line 1 column 1"),
    (b'{"keys": 5}', 'DBAAS_API_JWKS: {path} is not a usable JWKS document ({{"keys": [...]}} with RSA keys): '
                     "Invalid JWK Set value"),
    (None, "DBAAS_API_JWKS: cannot read {path}: No such file or directory"),
])
def test_dbaas_serve_with_an_unusable_jwks_file_says_why_in_one_line_and_exits_2(repo, tmp_path, content, message):
    path = tmp_path / "jwks.json"
    if content is not None:
        path.write_bytes(content)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("DBAAS_API_")}, "DBAAS_API_JWKS": str(path)}

    result = subprocess.run([sys.executable, "-m", "dbaas.cli", "serve", "--repo", str(repo), "--port", "0"],
                            capture_output=True, text=True, env=env, timeout=60)

    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"dbaas serve: {message.format(path=path)}\n"


# 7. /metrics stays bounded

def test_unknown_methods_and_paths_fold_into_other(client):
    for i in range(50):
        client.request(f"X{i}METHOD", f"/v1/tenants/nowhere-{i}")
        client.get(f"/no/route/{i}")
    client.get("/metrics")
    size = len(client.get("/metrics").text)  # the second: /metrics itself is then a series already
    for i in range(50, 300):
        client.request(f"X{i}METHOD", f"/v1/tenants/nowhere-{i}")
        client.get(f"/no/route/{i}")

    text = client.get("/metrics").text

    assert "X1METHOD" not in text and "/no/route" not in text
    assert 'dbaas_api_requests_total{method="other",route="other",status="401"} 300.0' in text
    assert 'dbaas_api_requests_total{method="GET",route="other",status="404"} 300.0' in text
    assert len(text) <= size + 200  # the counts grow, not the series


# 11. Idempotent replays, JWT time claims, bidi and control characters, tokens in URLs, a lock per tenant

def test_an_idempotent_replay_is_authorised_again(client, repo):
    headers = {"Idempotency-Key": "create-1"}
    first = client.post("/v1/tenants", json=NEW_TENANT, headers={**headers, **auth(**ADMIN)})
    assert first.status_code == 202, first.text
    demoted = {**ADMIN, "roles": ("org-member",)}

    replay = client.post("/v1/tenants", json=NEW_TENANT, headers={**headers, **auth(**demoted)})

    assert (replay.status_code, replay.json()) == (403, {"detail": "only platform-admin creates tenants"})
    assert "idempotent-replayed" not in replay.headers


def test_an_idempotent_add_service_replay_is_refused_once_the_caller_lost_the_role(client):
    service = {"name": "cache", "engine": "dragonfly", "version": "1.25", "topology": "single", "replicas": 1,
               "storage_gb": 5}
    admin = {"sub": "ola", "org": "acme", "roles": ("org-admin",)}
    headers = {"Idempotency-Key": "cache-1"}
    first = client.post("/v1/tenants/acme/services", json=service, headers={**headers, **auth(**admin)})
    assert first.status_code == 202, first.text

    replay = client.post("/v1/tenants/acme/services", json=service,
                         headers={**headers, **auth(**{**admin, "roles": ("org-member",)})})

    assert replay.status_code == 403, replay.text
    assert replay.json()["detail"] == "your roles (org-member) may not manage services of tenant 'acme'"


@pytest.mark.parametrize("claim, value, shown", [("exp", "9999999999", "str"), ("nbf", "0", "str"),
                                                  ("iat", "1", "str"), ("nbf", True, "bool")])
def test_jwt_time_claims_must_be_numeric_dates(client, claim, value, shown):
    now = int(time.time())
    payload = {"sub": "pat", "org": "platform", "roles": ["platform-admin"], "aud": "dbaas-api", "iss": "dbaas",
               "exp": now + 600, claim: value}
    headers = {"Authorization": f"Bearer {jwt.encode(payload, JWT_SECRET, algorithm='HS256')}"}

    response = client.get("/v1/tenants", headers=headers)

    assert response.status_code == 401, response.text
    assert response.json()["detail"] == (f"token claim {claim!r} must be a NumericDate: a JSON number of seconds since "
                                         f"the epoch, not {shown}")


@pytest.mark.parametrize("char", ["\u202e", "\u2066", "\u200f", "\u0085", "\u2028"])
def test_bidi_and_control_characters_are_refused_in_names(client, char):
    response = client.post("/v1/tenants", json={**NEW_TENANT, "name": f"Lagos {char}Fresh"}, headers=auth(**ADMIN))

    assert response.status_code == 422, response.text
    [error] = response.json()["detail"]
    assert error["field"] == "name" and f"U+{ord(char):04X} is not allowed" in error["msg"]


@pytest.mark.parametrize("claim", ["sub", "name", "email"])
def test_bidi_characters_are_refused_in_claims(client, claim):
    claims = {**ADMIN, claim: "pat\u202egnp.exe"}

    response = client.get("/v1/tenants", headers=auth(**claims))

    assert response.status_code == 401
    assert response.json()["detail"] == (f"token claim {claim!r}: Value error, bidirectional control character "
                                         "U+202E is not allowed")


def test_a_token_in_the_query_string_is_refused_and_never_logged(repo):
    settings = ApiSettings(repo=repo, jwt_secret=JWT_SECRET)
    app = create_app(settings)
    sock = listening_socket("127.0.0.1", 0)
    server = uvicorn.Server(server_config(app, log_level="info", access_log=True))
    lines: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())
    logging.getLogger("uvicorn.access").addHandler(handler)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.02)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        secret = token(**ADMIN)
        refused = httpx.get(f"{url}/v1/tenants?access_token={secret}&limit=5")
        shaped = httpx.get(f"{url}/v1/tenants?q={secret}", headers=auth(**ADMIN))
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        logging.getLogger("uvicorn.access").removeHandler(handler)

    assert refused.status_code == shaped.status_code == 400
    assert refused.json()["detail"] == ("query parameter 'access_token' looks like a token: send tokens only in the "
                                        "'Authorization: Bearer <token>' header (URLs are logged); this request was "
                                        "not processed")
    logged = [re.sub(r"^127\.0\.0\.1:\d+ ", "", line) for line in lines]
    assert logged == ['- "GET /v1/tenants?access_token=[redacted]&limit=[redacted] HTTP/1.1" 400',
                      '- "GET /v1/tenants?q=[redacted] HTTP/1.1" 400']
    assert not any(secret.split(".")[1] in line for line in lines)


def test_one_tenants_slow_write_does_not_block_another_tenants_write(api_server):
    """The write lock is per tenant: acme's write is held inside its critical section (its ref update waits)
    while kudi-pay's write runs to its 202; then acme's finishes too."""
    store = api_server.app.state.service.store
    publish, inside, release = store.publish, threading.Event(), threading.Event()

    def slow_publish(change, tracking_old):
        if change.tenant_id == "acme":
            inside.set()
            assert release.wait(120)
        return publish(change, tracking_old)

    store.publish = slow_publish
    with api_server.client() as client, ThreadPoolExecutor(max_workers=2) as pool:
        slow = pool.submit(client.post, "/v1/tenants/acme/services/orders/backups", json={"id": "slow"},
                           headers=auth(**ADMIN))
        assert inside.wait(120)
        started = time.monotonic()
        other = client.post("/v1/tenants/kudi-pay/services/wallets/backups", json={"id": "quick"}, headers=auth(**ADMIN),
                            timeout=60)
        elapsed = time.monotonic() - started
        assert not slow.done()  # acme's write still holds its lock
        release.set()
        assert slow.result().status_code == 202

    assert other.status_code == 202, other.text
    assert elapsed < 60
