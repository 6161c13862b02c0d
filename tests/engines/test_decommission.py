"""removal_problems: protected services cannot disappear without a deployed `decommission:` marker."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from declarations.decommission import removal_problems
from declarations.tenant_loader import load_tenant_tree
from declarations.tenant_model import Decommission, Service

TENANTS = load_tenant_tree(Path(__file__).resolve().parents[2] / "tenants")
BY_ID = {t.id: t for t in TENANTS}


def with_services(tenant_id: str, services) -> list:
    return [t if t.id != tenant_id else t.model_copy(update={"services": list(services)}) for t in TENANTS]


def test_unchanged_tree_has_no_problems():
    assert removal_problems(TENANTS, TENANTS) == []


def test_removing_protected_service_names_the_way_out():
    acme = BY_ID["acme"]
    [problem] = removal_problems(TENANTS, with_services("acme", acme.services[1:]))
    assert (problem.path, problem.field) == ("tenants/lagos/acme.yaml", "services")
    assert "yugabyte instance of service 'orders' of protected tenant 'acme'" in problem.message
    assert "decommission: {requested_by: <you>, final_backup: true}" in problem.message


def test_removal_after_decommission_marker_is_allowed():
    acme = BY_ID["acme"]
    marked = acme.services[0].model_copy(update={"decommission": Decommission(requested_by="ops")})
    base = with_services("acme", [marked, acme.services[1]])
    assert removal_problems(base, with_services("acme", acme.services[1:])) == []


def test_unprotected_tenant_may_remove_services():
    assert removal_problems(TENANTS, with_services("naija-stream", [])) == []


def test_engine_change_and_tenant_removal_are_removals():
    kudi = BY_ID["kudi-pay"]
    swapped = kudi.services[1].model_copy(update={"engine": kudi.services[0].engine})
    [problem] = removal_problems(TENANTS, with_services("kudi-pay", [kudi.services[0], swapped]))
    assert "changing its engine to vitess" in problem.message
    gone = [t for t in TENANTS if t.id != "bergbahn"]
    assert [p.field for p in removal_problems(TENANTS, gone)] == ["decommission", "services[0]", "services[1]"]


def test_tenant_removal_needs_a_deployed_tenant_level_marker():
    gone = [t for t in TENANTS if t.id != "rhein-analytics"]
    tenant_problem = removal_problems(TENANTS, gone)[0]
    assert (tenant_problem.path, tenant_problem.field) == ("tenants/frankfurt/rhein-analytics.yaml", "decommission")
    assert tenant_problem.message.startswith(
        "removing the tenant file would delete the namespace, bucket and key of protected tenant 'rhein-analytics'; "
        "to decommission the tenant, first merge a change that adds `decommission: {requested_by: <you>}`"
    )
    marked = [t.model_copy(update={"decommission": Decommission(requested_by="ops")}) if t.id == "rhein-analytics" else t
              for t in TENANTS]
    assert removal_problems(marked, gone) == []


def test_scylla_rejects_irregular_schedule_and_final_backup_needs_backups():
    base = dict(name="x", engine="scylla", version="6.2", topology="single", replicas=1, storage_gb=10)
    with pytest.raises(ValidationError, match="backups.schedule: scylla backups run at a fixed interval"):
        Service(**base, backups={"schedule": "0 2 * * 1-5", "retention_days": 7})
    with pytest.raises(ValidationError, match="decommission.final_backup: a final backup needs a 'backups:' block"):
        Service(**base, decommission={"requested_by": "ops"})
