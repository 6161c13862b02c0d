"""Per-org rate limit: a token bucket per org, and 429 with Retry-After from the server."""

from __future__ import annotations

from api.rate_limit import OrgRateLimiter
from api.settings import ApiSettings
from tests.api.conftest import JWT_SECRET, auth, start_server


def test_bucket_allows_a_burst_then_refills_at_the_rate():
    now = [100.0]
    limiter = OrgRateLimiter(per_minute=60, burst=3, clock=lambda: now[0])

    assert [limiter.acquire("acme") for _ in range(3)] == [None, None, None]
    assert limiter.acquire("acme") == 1
    assert limiter.acquire("kudi") is None  # orgs do not share a bucket
    now[0] += 1.0
    assert limiter.acquire("acme") is None
    assert limiter.acquire("acme") == 1


def test_server_answers_429_per_org(repo):
    running, server, thread = start_server(
        ApiSettings(repo=repo, jwt_secret=JWT_SECRET, rate_limit_per_minute=1, rate_limit_burst=2))
    try:
        with running.client() as client:
            acme = [client.get("/v1/tenants", headers=auth(org="acme", roles=("org-member",))) for _ in range(3)]
            kudi = client.get("/v1/tenants", headers=auth(org="kudi", roles=("org-member",)))
            metrics = client.get("/metrics").text
    finally:
        server.should_exit = True
        thread.join(timeout=10)

    assert [r.status_code for r in acme] == [200, 200, 429]
    assert acme[2].headers["retry-after"] == "60"
    assert acme[2].json() == {"detail": "org 'acme' sent too many requests"}
    assert kudi.status_code == 200
    assert 'dbaas_api_rate_limited_total{org="acme"} 1.0' in metrics
