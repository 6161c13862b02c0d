"""Shared fixtures: offline plans of the shipped stacks, built once per test process."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tools.offline.plan import OfflinePlan, build_plan

PROJECT_DIR = Path(__file__).resolve().parent.parent
TENANTS_DIR = PROJECT_DIR / "tenants"

_PLANS: dict[str, OfflinePlan] = {}

# Every remembered policy result and tenant plan the suite meets is checked against a fresh evaluation
# (tools/policy/result_cache.py, tools/offline/tenant_plan_cache.py): a cache key that misses an input fails
# the test that met it. Tests that exercise the caches themselves set their own modes.
os.environ.setdefault("DBAAS_POLICY_CACHE", "verify")
os.environ.setdefault("DBAAS_TENANT_PLAN_CACHE", "verify")


def shipped_plan(stack: str) -> OfflinePlan:
    if stack not in _PLANS:
        _PLANS[stack] = build_plan(stack, PROJECT_DIR, TENANTS_DIR)
    return _PLANS[stack]


@pytest.fixture(scope="session")
def lagos_plan() -> OfflinePlan:
    return shipped_plan("lagos")


@pytest.fixture(scope="session")
def frankfurt_plan() -> OfflinePlan:
    return shipped_plan("frankfurt")


@pytest.fixture
def tenants_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped tenants tree, for tests that add or break tenants."""
    target = tmp_path / "tenants"
    shutil.copytree(TENANTS_DIR, target)
    return target


def plan_with_tenants(stack: str, tenants_dir: Path) -> OfflinePlan:
    return build_plan(stack, PROJECT_DIR, tenants_dir)


def resources(plan: OfflinePlan, type_: str, tenant: str | None = None):
    """Registrations of one type, optionally only those of one tenant."""
    owner = plan.tenant_of()
    return [r for r in plan.registrations if r.type == type_ and (tenant is None or owner.get(r.urn) == tenant)]


def one(plan: OfflinePlan, type_: str, tenant: str | None = None, name: str | None = None):
    found = [r for r in resources(plan, type_, tenant) if name is None or r.name == name]
    assert len(found) == 1, f"expected exactly one {type_} ({tenant}, {name}), found {[r.name for r in found]}"
    return found[0]


@pytest.fixture(autouse=True)
def _no_cache_under_patched_code(request: pytest.FixtureRequest) -> None:
    """The caches are keyed by the repository's files; a test that patches code in memory (monkeypatch) changes
    what a program or rule does without changing a file, so it runs with every cache off. A test that sets a
    cache mode itself (after this fixture) keeps its own."""
    if "monkeypatch" in request.fixturenames:
        request.getfixturevalue("monkeypatch").setenv("DBAAS_CACHE", "off")
