"""The program split: the platform stack holds no tenant; a tenant stack holds exactly its tenant."""

from __future__ import annotations

import dataclasses

import pytest

from tools.offline.plan import tenant_owner_index
from tools.offline.runtime import SECRET
from declarations.project_config import load_project_config
from tests.stacks.helpers import PROJECT_DIR, one_program_region, platform_run, tenant_run

REGION_PREFIX = "urn:pulumi:lagos::dbaas-platform::"
TENANT_PREFIX = "urn:pulumi:lagos.acme::dbaas-tenant::"


def test_platform_stack_holds_no_tenant_resource():
    registrations = platform_run("lagos").registrations
    assert all(r.urn.startswith(REGION_PREFIX) for r in registrations)
    assert tenant_owner_index(registrations) == {}
    text = repr([r.inputs for r in registrations])
    for tenant_id in ("acme", "kudi-pay", "naija-stream"):
        assert tenant_id not in text, f"the platform plan mentions tenant {tenant_id}"


def _provider_name(reference: str) -> str:
    """`<urn>::<id>` -> `pulumi:providers:<pkg>::<name>`, wherever the provider sits in its stack."""
    if not reference:
        return ""
    qualified, name = reference.rsplit("::", 1)[0].split("::")[-2:]
    return qualified.rsplit("$", 1)[-1] + "::" + name


def _normalised(reg, prefix: str):
    """A registration with its stack's URN prefix removed everywhere it can appear."""
    def strip(value: str) -> str:
        return value.replace(prefix, "") if isinstance(value, str) else value
    parent = "<root stack>" if "::pulumi:pulumi:Stack::" in reg.parent else strip(reg.parent)
    return dataclasses.replace(
        reg, urn=strip(reg.urn), parent=parent, provider=_provider_name(reg.provider),
        dependencies=(), property_dependencies={})


def test_tenant_stack_builds_exactly_what_the_region_stack_built_for_the_tenant():
    """Same logical names, types, parents, providers (by name) and inputs; only the cross-stack
    dependencies on platform resources are gone (the platform stack is applied first)."""
    region = one_program_region("lagos")
    owner = tenant_owner_index(region)
    before = {r.urn.replace(REGION_PREFIX, ""): _normalised(r, REGION_PREFIX)
              for r in region if owner.get(r.urn) == "acme"}
    tenant = tenant_run("lagos", "acme").registrations
    after = {r.urn.replace(TENANT_PREFIX, ""): _normalised(r, TENANT_PREFIX)
             for r in tenant if tenant_owner_index(tenant).get(r.urn) == "acme" and not r.type.startswith("pulumi:")}
    assert len(before) > 50
    assert sorted(after) == sorted(before)
    for urn, reg in before.items():
        assert after[urn] == reg, urn


def test_tenant_stack_has_its_own_explicit_providers_with_the_kubeconfig_secret():
    registrations = tenant_run("lagos", "acme").registrations
    providers = {r.urn.replace(TENANT_PREFIX, ""): r for r in registrations if r.type.startswith("pulumi:providers:")}
    assert sorted(providers) == ["pulumi:providers:aws::aws-lagos", "pulumi:providers:kubernetes::k8s-los1",
                                 "pulumi:providers:random::random-lagos"]
    k8s = providers["pulumi:providers:kubernetes::k8s-los1"]
    assert k8s.inputs["kubeconfig"] == SECRET
    # Provider inputs travel as JSON text (pulumi/pulumi sdk/python/lib/pulumi/runtime/resource.py: providers' inputs are serialised to strings).
    assert k8s.inputs["enableServerSideApply"] == "true"
    aws = providers["pulumi:providers:aws::aws-lagos"]
    assert aws.inputs["region"] == "af-south-1"
    assert aws.inputs["allowedAccountIds"] == '["111122223333"]'
    custom = [r for r in registrations if r.custom and not r.type.startswith("pulumi:")]
    assert custom and all(r.provider.startswith(TENANT_PREFIX + "pulumi:providers:") for r in custom)


def test_secrets_read_from_the_platform_stay_secret_in_the_tenant_plan():
    registrations = tenant_run("lagos", "acme").registrations
    text = repr([r.inputs for r in registrations])
    assert "offline-placeholder-secret" not in text


def test_tenant_project_requires_no_config_key():
    """A tenant stack has no stack file, so its project may not require a key (the root project's
    region, popName, awsRegion, ... are required on every stack of dbaas-platform)."""
    tenant_project = load_project_config(PROJECT_DIR / "tenant_project")
    assert tenant_project.name == "dbaas-tenant"
    assert tenant_project.required_keys() == []
    assert load_project_config(PROJECT_DIR).required_keys() == [
        "dbaas-platform:aerospikeFeatureKey", "dbaas-platform:awsAccountId", "dbaas-platform:awsRegion",
        "dbaas-platform:kubernetesVersion", "dbaas-platform:popName", "dbaas-platform:region"]


@pytest.mark.parametrize("stack", ["lagos", "acme", "paris.acme", "lagos.Acme", "lagos." + "a" * 41])
def test_a_stack_that_is_not_a_tenant_stack_is_refused(stack):
    from stacks.tenant.foundation import parse_tenant_stack_name

    with pytest.raises(ValueError, match="is not a tenant stack: expected <region>.<tenant-id>"):
        parse_tenant_stack_name(stack)
