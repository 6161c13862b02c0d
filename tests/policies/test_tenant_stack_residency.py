"""Residency on tenant stacks: `lagos.acme` is in region lagos, and holds only acme's resources."""

from __future__ import annotations

import dataclasses

from dbaas.offline.plan import build_plan
from dbaas.policy_runner import view_of_plan
from policies.rules.model import RuleContext
from policies.rules.residency import check_tenant_in_data_region
from policies.tenant_facts import load_tenant_facts
from tests.conftest import PROJECT_DIR, TENANTS_DIR


def test_a_tenant_stack_is_in_its_region_and_holds_only_its_tenant():
    view = view_of_plan(build_plan("lagos.acme", PROJECT_DIR))
    assert (view.region, view.stack_tenant) == ("lagos", "acme")
    ctx = RuleContext(config={}, tenants=load_tenant_facts(TENANTS_DIR))
    assert list(check_tenant_in_data_region(view, ctx)) == []
    elsewhere = dataclasses.replace(view, stack="lagos.kudi-pay")
    (finding,) = check_tenant_in_data_region(elsewhere, ctx)
    assert finding.message == "tenant acme's resources may not exist in tenant kudi-pay's stack lagos.kudi-pay"
    abroad = dataclasses.replace(view, stack="frankfurt.acme")
    messages = {f.message for f in check_tenant_in_data_region(abroad, ctx)}
    assert "tenant acme has data_region lagos; its resources may not exist in stack frankfurt.acme" in messages
