"""Issue 15, the API: each class of bad request is refused cleanly, with its own status and reason,
and the README's curl session works as written against a live server."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.api.conftest import JWT_SECRET, PROJECT_DIR, auth

ADMIN = {"sub": "pat", "org": "platform", "roles": ("platform-admin",)}
OWNER = {"sub": "olu", "org": "acme", "roles": ("org-owner",)}
ORG_ADMIN = {"sub": "ada", "org": "acme", "roles": ("org-admin",)}
JSON = {"Content-Type": "application/json"}


def test_duplicate_json_keys_are_422_at_the_key(client):
    body = b'{"id": "lagos-fresh", "name": "x", "services": [{"name": "a", "name": "b"}], "id": "other"}'
    response = client.post("/v1/tenants", content=body, headers={**auth(**ADMIN), **JSON})
    assert response.status_code == 422
    assert response.json() == {"detail": [{
        "loc": ["body", "services", 0, "name"], "field": "services[0].name", "type": "json_duplicate_key",
        "msg": "duplicate key 'name': a JSON object must not repeat a key"}]}


def test_deep_json_nesting_is_reported_as_such(client):
    body = b'{"id": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"
    response = client.post("/v1/tenants", content=body, headers={**auth(**ADMIN), **JSON})
    assert (response.status_code, response.json()) == (422, {"detail": [{
        "loc": ["body"], "field": "body", "type": "json_too_deep",
        "msg": "request body is nested deeper than 32 levels (at character 39)"}]})


def test_invalid_json_names_line_and_column(client):
    response = client.post("/v1/tenants", content=b'{"id": "a",\n "name": }', headers={**auth(**ADMIN), **JSON})
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == "request body is not valid JSON: Expecting value at line 2 column 10"


@pytest.mark.parametrize("content_type, message", [
    ("text/plain", "Content-Type must be application/json, not 'text/plain'"),
    ("application/x-www-form-urlencoded", "Content-Type must be application/json, not 'application/x-www-form-urlencoded'"),
    (None, "Content-Type must be application/json, and none was sent"),
    ("application/json; charset=latin-1", "JSON bodies are UTF-8, not charset 'latin-1'"),
])
def test_non_json_content_type_is_415(client, content_type, message):
    headers = auth(**ADMIN) | ({"Content-Type": content_type} if content_type else {})
    response = client.post("/v1/tenants", content=b'{"id": "x"}', headers=headers)
    assert (response.status_code, response.json()) == (415, {"detail": message})


def test_json_with_charset_and_suffix_types_are_accepted(client):
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        response = client.post("/v1/tenants", json={}, headers={**auth(**ADMIN), "Content-Type": content_type})
        assert response.status_code == 422 and response.json()["detail"][0]["field"] == "id"


def test_head_answers_the_etag_without_a_body(client):
    get = client.get("/v1/tenants/acme", headers=auth(**ADMIN))
    head = client.head("/v1/tenants/acme", headers=auth(**ADMIN))
    assert (head.status_code, head.headers["etag"], head.content) == (200, get.headers["etag"], b"")
    assert client.head("/v1/tenants/nobody", headers=auth(**ADMIN)).status_code == 404
    assert client.head("/v1/tenants/acme").status_code == 401


def test_a_200_kb_token_gets_431_not_a_reset(client):
    response = client.get("/v1/tenants", headers={"Authorization": "Bearer " + "a" * 200_000})
    assert (response.status_code, response.json()) == (431, {
        "detail": "request headers are larger than 16384 bytes (authorization: 200020 bytes)"})


@pytest.mark.parametrize("claims, message", [
    ({"nbf": int(time.time()) + 3600}, "token is not valid yet: its 'nbf' is in the future (check the clocks of the "
                                       "issuer and this server)"),
    ({"iat": int(time.time()) + 3600}, "token is not valid yet: its 'iat' is in the future (check the clocks of the "
                                       "issuer and this server)"),
    ({"lifetime": 100 * 365 * 24 * 3600}, "token lifetime exceeds the API's limit of 86400 seconds; ask the issuer "
                                          "for a shorter-lived token"),
    ({"lifetime": 600, "iat": int(time.time()) - 2 * 86400}, "token lifetime exceeds the API's limit of 86400 "
                                                              "seconds; ask the issuer for a shorter-lived token"),
])
def test_token_time_claims_get_specific_messages(client, claims, message):
    response = client.get("/v1/tenants", headers=auth(**ADMIN, **claims))
    assert (response.status_code, response.json()) == (401, {"detail": message})


def test_a_day_long_token_is_accepted(client):
    assert client.get("/v1/tenants", headers=auth(**ADMIN, lifetime=86_000, iat=int(time.time()))).status_code == 200


def _put(client, who, tenant, etag):
    return client.put("/v1/tenants/acme", json=tenant, headers={**auth(**who), "If-Match": etag})


def test_only_owners_lower_deletion_protection(client):
    get = client.get("/v1/tenants/acme", headers=auth(**ORG_ADMIN))
    lowered = {**get.json()["tenant"], "deletion_protection": False}

    by_admin = _put(client, ORG_ADMIN, lowered, get.headers["etag"])
    by_owner = _put(client, OWNER, lowered, get.headers["etag"])

    assert (by_admin.status_code, by_admin.json()) == (403, {
        "detail": "your roles (org-admin) may not turn off deletion protection of tenant 'acme'"})
    assert by_owner.status_code == 202, by_owner.text


def test_only_owners_remove_services_even_in_a_put(client):
    naija = client.get("/v1/tenants/naija-stream", headers=auth(**ADMIN))
    assert naija.json()["tenant"]["deletion_protection"] is False
    tenant = {**naija.json()["tenant"], "services": naija.json()["tenant"]["services"][1:]}
    admin = {"sub": "ada", "org": naija.json()["tenant"]["org"], "roles": ("org-admin",)}

    response = client.put("/v1/tenants/naija-stream", json=tenant, headers={**auth(**admin), "If-Match": naija.headers["etag"]})

    assert (response.status_code, response.json()) == (403, {
        "detail": "your roles (org-admin) may not remove or decommission services of tenant 'naija-stream'"})


def test_a_protected_service_is_decommissioned_never_deleted(client):
    get = client.get("/v1/tenants/acme", headers=auth(**ADMIN))
    tenant = get.json()["tenant"]
    dropped = {**tenant, "services": [s for s in tenant["services"] if s["name"] != "sessions"]}
    unprotected_and_dropped = {**dropped, "deletion_protection": False}

    for body in (dropped, unprotected_and_dropped):
        response = _put(client, ADMIN, body, get.headers["etag"])
        assert (response.status_code, response.json()) == (409, {"detail": (
            "removing the service would delete the dragonfly instance of service 'sessions' of protected tenant "
            "'acme'; a protected service is decommissioned, never deleted: request it with DELETE "
            "/v1/tenants/acme/services/<name> (or DELETE /v1/tenants/acme for the tenant), then remove it once "
            "the decommission has deployed")})
    requested = client.delete("/v1/tenants/acme/services/sessions", headers=auth(**OWNER))
    assert (requested.status_code, requested.json()["operation"]) == (202, "decommission-service")


def _expected_lines(readme: str) -> list[str]:
    sample = re.search(r"It prints .*?```text\n(.*?)```", readme, re.S).group(1)
    return sample.splitlines()


@pytest.mark.skipif(not (shutil.which("curl") and shutil.which("jq")), reason="the README session needs curl and jq")
def test_readme_curl_session_runs_verbatim(api_server, tmp_path):
    readme = (PROJECT_DIR / "api" / "README.md").read_text(encoding="utf-8")
    session = re.search(r"## A session with curl\n\n```sh\n(.*?)```", readme, re.S).group(1)
    env = {**os.environ, "API": api_server.url, "REPO": str(api_server.repo), "DBAAS_API_JWT_SECRET": JWT_SECRET,
           "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}

    result = subprocess.run(["bash", "-euo", "pipefail", "-c", session], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)

    assert (result.returncode, result.stderr) == (0, "")
    expected = _expected_lines(readme)
    got = result.stdout.splitlines()
    assert len(got) == len(expected), result.stdout
    for line, pattern in zip(got, expected):
        regex = re.escape(pattern).replace("<change>", "[0-9a-f]{8}").replace("<commit>", "[0-9a-f]{40}")
        assert re.fullmatch(regex, line), (line, pattern)
