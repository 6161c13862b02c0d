"""The offline plan of both shipped stacks: preview shape, schemas, residency, determinism, secrets."""

import os
import subprocess
import sys

import pytest

from declarations.naming import backup_bucket
from tools.kubernetes.validation import kubernetes_objects, validate_object
from tools.offline.plan import build_plan, stack_of
from tests.conftest import PROJECT_DIR, plan_with_tenants
from tests.spine.tenant_files import valid_text, write


@pytest.fixture(params=["lagos", "frankfurt"])
def plan(request, lagos_plan, frankfurt_plan):
    return {"lagos": lagos_plan, "frankfurt": frankfurt_plan}[request.param]


def test_preview_json_shape(lagos_plan):
    doc = lagos_plan.to_preview_json()
    assert set(doc) == {"config", "steps", "changeSummary"}
    step = next(s for s in doc["steps"] if s["newState"]["type"] == "aws:s3/bucket:Bucket"
                and s["urn"].endswith("::acme.backups"))
    assert set(step) == {"op", "urn", "provider", "newState"}
    assert set(step["newState"]) == {"type", "urn", "custom", "parent", "provider", "inputs", "protect", "retainOnDelete", "dependencies"}
    assert step["op"] == "create" and step["urn"] == step["newState"]["urn"]
    # A tenant's resources are in its own stack, with its own stack's provider.
    assert step["urn"] == "urn:pulumi:lagos.acme::dbaas-tenant::dbaas:tenant:TenantEnvironment$aws:s3/bucket:Bucket::acme.backups"
    assert step["provider"].startswith("urn:pulumi:lagos.acme::dbaas-tenant::pulumi:providers:aws::aws-lagos::")
    # Each tenant stack reads the platform's outputs: a `read` step, listed but not counted as a change
    # (pulumi/pulumi pkg/engine/update.go shouldRecordReadStep; pkg/backend/display/display.go shouldShow).
    reads = [s for s in doc["steps"] if s["op"] == "read"]
    assert [s["urn"] for s in reads] == [f"urn:pulumi:lagos.{t}::dbaas-tenant::pulumi:pulumi:StackReference::platform-lagos"
                                         for t in ("acme", "kudi-pay", "naija-stream")]
    assert reads[0]["newState"] == {
        "type": "pulumi:pulumi:StackReference", "urn": reads[0]["urn"], "custom": True, "external": True,
        "id": "organization/dbaas-platform/lagos", "inputs": {"name": "organization/dbaas-platform/lagos"},
        "parent": "urn:pulumi:lagos.acme::dbaas-tenant::pulumi:pulumi:Stack::dbaas-tenant-lagos.acme", "provider": ""}
    assert doc["changeSummary"] == {"create": len(doc["steps"]) - len(reads)}
    assert {s["op"] for s in doc["steps"]} == {"create", "read"}
    stacks = sorted(s["urn"] for s in doc["steps"] if s["newState"]["type"] == "pulumi:pulumi:Stack")
    assert stacks == [f"urn:pulumi:lagos.{t}::dbaas-tenant::pulumi:pulumi:Stack::dbaas-tenant-lagos.{t}"
                      for t in ("acme", "kudi-pay", "naija-stream")] + [
        "urn:pulumi:lagos::dbaas-platform::pulumi:pulumi:Stack::dbaas-platform-lagos"]


def test_urns_follow_the_engine_convention(lagos_plan):
    by_urn = {r.urn: r for r in lagos_plan.registrations}
    key = next(r for r in lagos_plan.registrations if r.type == "aws:kms/key:Key" and r.name == "acme.key")
    assert key.urn == "urn:pulumi:lagos.acme::dbaas-tenant::dbaas:tenant:TenantEnvironment$aws:kms/key:Key::acme.key"
    assert by_urn[key.parent].type == "dbaas:tenant:TenantEnvironment"


def test_every_kubernetes_object_validates_against_real_schemas(plan):
    failures = {}
    objects = kubernetes_objects(plan.registrations)
    for urn, obj in objects:
        errors = validate_object(obj)
        if errors:
            failures[urn] = errors
    assert failures == {}
    kinds = {obj["kind"] for _, obj in objects}
    assert {"Namespace", "ResourceQuota", "LimitRange", "NetworkPolicy", "Role", "RoleBinding", "ServiceAccount"} <= kinds


def test_residency(lagos_plan, frankfurt_plan):
    assert set(lagos_plan.tenant_of().values()) == {"acme", "kudi-pay", "naija-stream"}
    assert set(frankfurt_plan.tenant_of().values()) == {"bergbahn", "hanse-ledger", "rhein-analytics"}
    for plan, foreign in ((lagos_plan, ("bergbahn", "hanse-ledger", "rhein-analytics")),
                          (frankfurt_plan, ("acme", "kudi-pay", "naija-stream"))):
        text = plan.to_json_text()
        for tenant in foreign:
            for account in ("111122223333", "444455556666"):
                assert f'"{backup_bucket(tenant, account)}"' not in text
            assert f'"t-{tenant}"' not in text and f'"dbaas-tenant-{tenant}"' not in text
            assert not [r.urn for r in plan.registrations if r.urn.endswith(f"::{tenant}") or f"::{tenant}-" in r.urn]


def test_aws_resources_use_the_region_of_their_stack(lagos_plan, frankfurt_plan):
    """One AWS provider per stack (the platform's and each tenant stack's), all in the region's AWS
    region, and every AWS resource uses its own stack's."""
    for plan, region in ((lagos_plan, "af-south-1"), (frankfurt_plan, "eu-central-1")):
        providers = {stack_of(r.urn): r for r in plan.registrations if r.type == "pulumi:providers:aws"}
        assert len(providers) == 4
        assert {p.inputs["region"] for p in providers.values()} == {region}
        for reg in plan.registrations:
            if reg.custom and reg.type.startswith("aws:"):
                assert reg.provider.startswith(providers[stack_of(reg.urn)].urn + "::"), reg.urn


def test_secrets_never_appear(plan):
    text = plan.to_json_text() + plan.summary()
    assert "offline-placeholder-secret" not in text
    config = plan.to_preview_json()["config"]
    assert config["dbaas-platform:aerospikeFeatureKey"] == "[secret]"
    assert config.get("dbaas-platform:kubeconfig", "[secret]") == "[secret]"  # only adopted clusters have one


@pytest.mark.parametrize("stack", ["lagos", "frankfurt"])
def test_plan_is_byte_identical_across_runs_and_environments(tmp_path, stack):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    noisy = dict(env, PULUMI_CONFIG='{"dbaas-platform:storageClass": "leaked"}', TZ="Asia/Tokyo",
                 LANG="de_DE.UTF-8", PYTHONHASHSEED="12345", AWS_REGION="us-east-1")
    outputs = []
    for i, run_env in enumerate((env, noisy)):
        out = tmp_path / f"plan{i}.json"
        subprocess.run([sys.executable, "-m", "dbaas.cli", "plan", stack, "--json", str(out)],
                       cwd=PROJECT_DIR, env=run_env, check=True, capture_output=True)
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert b"leaked" not in outputs[1]
    assert b"object at 0x" not in outputs[0]  # no Python object reprs (they differ between runs)


def test_a_new_tenant_adds_only_its_own_resources(tenants_copy, lagos_plan):
    write(tenants_copy, "lagos", "test-a", valid_text())
    bigger = plan_with_tenants("lagos", tenants_copy)
    before = {r.urn for r in lagos_plan.registrations}
    after = {r.urn for r in bigger.registrations}
    assert before <= after
    added_owners = {bigger.tenant_of().get(urn) for urn in after - before}
    assert added_owners == {"test-a"}


def test_sharded_plan_is_identical_to_a_single_process_plan(tenants_copy):
    for i in range(5):
        write(tenants_copy, "lagos", f"shard-{i}", valid_text(id=f"shard-{i}"))
    single = build_plan("lagos", PROJECT_DIR, tenants_copy, workers=1)
    sharded = build_plan("lagos", PROJECT_DIR, tenants_copy, workers=2)
    assert sharded.to_json_text() == single.to_json_text()
    assert set(single.tenant_of().values()) == {"acme", "kudi-pay", "naija-stream", *(f"shard-{i}" for i in range(5))}


def test_only_tenants_builds_the_platform_and_just_those_tenants(lagos_plan):
    subset = build_plan("lagos", PROJECT_DIR, only_tenants=frozenset({"acme"}))
    assert set(subset.tenant_of().values()) == {"acme"}
    assert {stack_of(r.urn) for r in subset.registrations} == {"lagos", "lagos.acme"}
    assert sorted(r.urn for r in lagos_plan.registrations if stack_of(r.urn) in ("lagos", "lagos.acme")) == sorted(
        r.urn for r in subset.registrations)
    acme = {r.urn for r in lagos_plan.registrations if lagos_plan.tenant_of().get(r.urn) == "acme"}
    assert acme == set(subset.tenant_of())


def test_one_tenant_stack_is_planned_against_the_platforms_planned_outputs(lagos_plan):
    one_stack = build_plan("lagos.acme", PROJECT_DIR)
    assert {stack_of(r.urn) for r in one_stack.registrations} == {"lagos.acme"}
    by_urn = sorted((r for r in lagos_plan.registrations if stack_of(r.urn) == "lagos.acme"), key=lambda r: r.urn)
    assert sorted(one_stack.registrations, key=lambda r: r.urn) == by_urn
    assert one_stack.to_preview_json()["config"] == {"pulumi:disable-default-providers": '["*"]'}


def test_the_platform_stack_plan_does_not_change_with_the_tenants(tenants_copy, lagos_plan):
    write(tenants_copy, "lagos", "test-a", valid_text())
    (tenants_copy / "lagos" / "acme.yaml").unlink()
    changed = plan_with_tenants("lagos", tenants_copy)
    assert sorted((r for r in changed.registrations if stack_of(r.urn) == "lagos"), key=lambda r: r.urn) == sorted(
        (r for r in lagos_plan.registrations if stack_of(r.urn) == "lagos"), key=lambda r: r.urn)
