"""Property-based fuzzing of the running API against its own OpenAPI spec (schemathesis).

Every generated request, valid or not, must get an answer that is documented for its
operation and matches the documented schema, and never a 5xx.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.settings import ApiSettings
from tests.api.conftest import JWT_SECRET, RunningServer, auth, make_repo, start_server

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


@pytest.fixture(scope="module")
def fuzzed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    repo = make_repo(Path(tmp_path_factory.mktemp("fuzz")) / "repo")
    running, server, thread = start_server(
        ApiSettings(repo=repo, jwt_secret=JWT_SECRET, rate_limit_per_minute=1_000_000, rate_limit_burst=100_000))
    yield running
    server.should_exit = True
    thread.join(timeout=10)


def _operations(url: str) -> list:
    loaded = schemathesis.openapi.from_url(f"{url}/openapi.json")
    return [result.ok() for result in loaded.get_all_operations()]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_every_answer_is_documented_and_never_a_5xx(fuzzed_server, mode):
    headers = auth(sub="fuzz", org="acme", roles=("platform-admin",))
    operations = _operations(fuzzed_server.url)
    assert len(operations) == 17  # HEAD, status reads (services, audit) and service operations (scale, backups, restarts, restores)

    for operation in operations:
        has_inputs = any((operation.body, operation.path_parameters, operation.headers, operation.query))
        if mode is GenerationMode.NEGATIVE and not has_inputs:
            continue  # nothing to make invalid (healthz, metrics, the listing)

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                  database=None)
        def exercise(case) -> None:
            case.call_and_validate(base_url=fuzzed_server.url, headers=headers, checks=CHECKS)

        exercise()


def test_the_spec_documents_every_route(fuzzed_server):
    import httpx

    spec = httpx.get(f"{fuzzed_server.url}/openapi.json").json()

    assert sorted(spec["paths"]) == ["/healthz", "/metrics", "/v1/tenants", "/v1/tenants/{tenant_id}",
                                     "/v1/tenants/{tenant_id}/audit", "/v1/tenants/{tenant_id}/services",
                                     "/v1/tenants/{tenant_id}/services/{name}",
                                     "/v1/tenants/{tenant_id}/services/{name}/backups",
                                     "/v1/tenants/{tenant_id}/services/{name}/restarts",
                                     "/v1/tenants/{tenant_id}/services/{name}/restores",
                                     "/v1/tenants/{tenant_id}/services/{name}/scale"]
    assert spec["components"]["securitySchemes"]["HTTPBearer"] == {
        "type": "http", "scheme": "bearer", "description": "JWT with the claims sub, org and roles."}
