"""Tenant stacks patch their pipelines into the region's OpenTelemetryCollector without server-side
apply conflicts, and a replaced collector shows up as a change of every tenant's patch."""

from __future__ import annotations

import copy
import dataclasses

from declarations.stack_config import load_stack_file
from declarations.tenant_loader import load_one_tenant
from stacks.stack_names import TENANT_PROJECT, platform_stack_name, tenant_stack_config
from tests.conftest import PROJECT_DIR, TENANTS_DIR
from tools.kubernetes.field_ownership import Apply, conflicts
from tools.offline.engine_rules import field_ownership_problems
from tools.offline.plan import plan_platform
from tools.offline.runtime import run_program_capturing

PATCH = "kubernetes:opentelemetry.io/v1beta1:OpenTelemetryCollectorPatch"
COLLECTOR = "kubernetes:opentelemetry.io/v1beta1:OpenTelemetryCollector"


def _collector_and_patches(plan):
    [collector] = [r for r in plan.registrations if r.type == COLLECTOR]
    return collector, [r for r in plan.registrations if r.type == PATCH]


def test_each_tenant_patch_sets_only_its_own_annotation_the_collectors_uid(lagos_plan):
    platform = plan_platform(load_stack_file(PROJECT_DIR, "lagos"))
    uid = platform.outputs.values["observability"]["collectorUid"]
    assert len(uid) == 36
    _, patches = _collector_and_patches(lagos_plan)
    assert {r.urn.split("::")[0]: r.inputs["metadata"] for r in patches} == {
        f"urn:pulumi:lagos.{t}": {"name": "otel", "namespace": "monitoring", "annotations": {f"collector.dbaas.io/routes-{t}": uid}}
        for t in ("acme", "kudi-pay", "naija-stream")}


def test_no_two_appliers_of_the_collector_set_one_field_to_different_values(lagos_plan, frankfurt_plan):
    for plan in (lagos_plan, frankfurt_plan):
        collector, patches = _collector_and_patches(plan)
        assert patches
        assert conflicts([Apply(collector.urn, collector.inputs), *(Apply(p.urn, p.inputs) for p in patches)]) == []
        assert field_ownership_problems(plan.registrations) == []


def test_a_field_manager_named_in_the_annotation_is_the_conflict_the_api_server_refuses(lagos_plan):
    """What the patches did before: each named its manager in `pulumi.com/patchFieldManager`, an
    annotation of the applied body, so the second tenant set that field to another value."""
    collector, patches = _collector_and_patches(lagos_plan)
    named = []
    for patch in patches:
        tenant = patch.urn.split("::")[0].split(".", 1)[1]
        inputs = copy.deepcopy(patch.inputs)
        inputs["metadata"]["annotations"] = {"pulumi.com/patchFieldManager": f"dbaas-tenant-{tenant}"}
        named.append(dataclasses.replace(patch, inputs=inputs))
    problems = field_ownership_problems([collector, *named])
    assert [p.split(": server-side apply conflict on ")[1].split(":")[0] for p in problems] == [
        "metadata.annotations.pulumi.com/patchFieldManager"] * 2
    assert problems[0].endswith("field manager 'dbaas-tenant-kudi-pay' sets 'dbaas-tenant-kudi-pay', which "
                                f"'dbaas-tenant-acme' ({named[0].urn}) owns as 'dbaas-tenant-acme'")


def test_equal_values_are_shared_and_lists_are_atomic():
    base = {"apiVersion": "v1", "kind": "X", "metadata": {"name": "o"}}
    same = [Apply("a", {**base, "spec": {"k": [1, 2]}}), Apply("b", {**base, "spec": {"k": [1, 2], "own": 1}})]
    assert conflicts(same) == []
    assert conflicts([Apply("a", {**base, "spec": {"k": [1, 2]}}), Apply("b", {**base, "spec": {"k": [1, 3]}})]) == [
        "b: server-side apply conflict on spec.k: field manager '(generated for b)' sets [1, 3], which "
        "'(generated for a)' (a) owns as [1, 2]"]


def test_a_replaced_collector_changes_every_tenant_patch_so_its_routes_are_applied_again():
    """A replacement gives the collector object a new uid (and none of the tenants' pipelines): the tenant
    stack, planned against the platform's new outputs, changes its patch, which re-applies the routes."""
    from stacks.tenant import program as tenant_program

    stack_file = load_stack_file(PROJECT_DIR, "lagos")
    platform = plan_platform(stack_file).outputs
    values = copy.deepcopy(platform.values)
    values["observability"]["collectorUid"] = "0b5e1c6a-7f43-4c1e-9a55-3f1f1f8c2a10"
    replaced = dataclasses.replace(platform, values=values)
    tenant = load_one_tenant(TENANTS_DIR, "lagos", "acme")

    def patch_against(outputs):
        run = run_program_capturing(
            lambda: tenant_program.run(tenant=tenant), project=TENANT_PROJECT, stack="lagos.acme",
            config=tenant_stack_config(), secret_keys=[], default_account=stack_file.config.aws_account_id,
            stack_references={platform_stack_name("organization", "lagos"): outputs})
        [patch] = [r for r in run.registrations if r.type == PATCH]
        return patch.inputs

    before, after = patch_against(platform), patch_against(replaced)
    assert before["spec"] == after["spec"]
    assert after["metadata"]["annotations"] == {"collector.dbaas.io/routes-acme": "0b5e1c6a-7f43-4c1e-9a55-3f1f1f8c2a10"}
    assert before["metadata"]["annotations"] != after["metadata"]["annotations"]
