"""Tenant stacks' plans remembered by what they are made from (tools/offline/tenant_plan_cache.py): the
same bytes as planning them, only changed tenants planned again, and a loud failure in verify mode when a
remembered plan differs from the program's."""

from __future__ import annotations

import json

import pytest

from tests.conftest import PROJECT_DIR
from tools.offline import cache_store, tenant_plan_cache
from tools.offline.plan import build_plan


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("DBAAS_CACHE_DIR", str(folder))
    monkeypatch.setenv("DBAAS_CACHE", "on")  # this file tests the cache itself (conftest turns it off under monkeypatch)
    monkeypatch.setenv("DBAAS_TENANT_PLAN_CACHE", "on")
    return folder / tenant_plan_cache.FOLDER


def planned(tenants_dir, heard: list[str] | None = None) -> str:
    return build_plan("lagos", PROJECT_DIR, tenants_dir, progress=(heard.append if heard is not None else None)).to_json_text()


def test_remembered_tenant_plans_give_the_same_bytes_and_run_no_tenant_program(tenants_copy, cache, monkeypatch):
    heard_first, heard_again = [], []
    first = planned(tenants_copy, heard_first)
    assert "planning lagos: 0 tenant stack(s) remembered, 3 to run in 1 process(es)" in heard_first
    assert len(list(cache.iterdir())) == 3
    again = planned(tenants_copy, heard_again)
    assert "planning lagos: 3 tenant stack(s) remembered, 0 to run in 1 process(es)" in heard_again
    assert again == first
    monkeypatch.setenv("DBAAS_CACHE", "off")
    assert planned(tenants_copy) == first


def test_only_a_changed_tenant_is_planned_again(tenants_copy, cache):
    first = planned(tenants_copy)
    path = tenants_copy / "lagos" / "acme.yaml"
    path.write_text(path.read_text().replace("storage_gb: 100", "storage_gb: 120", 1))
    heard = []
    changed = planned(tenants_copy, heard)
    assert "planning lagos: 2 tenant stack(s) remembered, 1 to run in 1 process(es)" in heard
    assert changed.count('"volumeSize": 120') == 1 and '"volumeSize": 120' not in first
    assert len(list(cache.iterdir())) == 4


def test_other_code_plans_every_tenant_again(tenants_copy, cache, monkeypatch):
    planned(tenants_copy)
    monkeypatch.setattr(cache_store, "_code_digest", "another revision of the code")
    heard = []
    planned(tenants_copy, heard)
    assert "planning lagos: 0 tenant stack(s) remembered, 3 to run in 1 process(es)" in heard


def test_a_torn_entry_is_absent_and_a_forged_one_fails_verify_mode(tenants_copy, cache, monkeypatch):
    first = planned(tenants_copy)
    entries = sorted(cache.iterdir())
    entries[0].write_text(entries[0].read_text()[:100])  # torn: planned again, same bytes
    assert planned(tenants_copy) == first
    data = json.loads(entries[1].read_text())
    data["registrations"][-1]["protect"] = not data["registrations"][-1]["protect"]
    entries[1].write_text(json.dumps(data))
    assert planned(tenants_copy) != first  # `on` trusts the key: why the suite runs in verify mode
    monkeypatch.setenv("DBAAS_TENANT_PLAN_CACHE", "verify")
    with pytest.raises(tenant_plan_cache.TenantPlanCacheMismatch, match="differs from the program's"):
        planned(tenants_copy)
