"""No resource of either shipped stack falls back to a default provider, and secrets stay hidden."""

from __future__ import annotations

import pytest

from tools.offline.plan import stack_of
from declarations.stack_config import OFFLINE_SECRET_PLACEHOLDER


@pytest.fixture(params=["lagos", "frankfurt"])
def plan(request, lagos_plan, frankfurt_plan):
    return {"lagos": lagos_plan, "frankfurt": frankfurt_plan}[request.param]


def test_every_custom_resource_uses_an_explicit_provider(plan):
    explicit = {r.urn for r in plan.registrations if r.type.startswith("pulumi:providers:")}
    assert {u.rsplit("::", 1)[-1] for u in explicit} == {
        f"aws-{plan.stack}", f"k8s-{plan.stack_file.config.pop_name}", f"random-{plan.stack}"}
    custom = [r for r in plan.registrations if r.custom and not r.type.startswith("pulumi:providers:")]
    by_package: dict[str, set[str]] = {}
    for reg in custom:
        provider_urn = reg.provider.rsplit("::", 1)[0]
        assert provider_urn in explicit, f"{reg.urn} uses provider {reg.provider!r}"
        by_package.setdefault(reg.type.split(":")[0], set()).add(provider_urn.rsplit("::", 1)[-1])
    assert by_package["kubernetes"] == {f"k8s-{plan.stack_file.config.pop_name}"}
    assert by_package["aws"] == {f"aws-{plan.stack}"}
    assert by_package["random"] == {f"random-{plan.stack}"}


def test_kubernetes_provider_is_the_pop_clusters(plan):
    """One per stack: the platform stack's is the PoP cluster's; each tenant stack's is its own,
    made from the platform's (secret) kubeconfig output, with the same settings."""
    providers = {stack_of(r.urn): r for r in plan.registrations if r.type == "pulumi:providers:kubernetes"}
    assert len(providers) == 4 and len([r for r in plan.registrations if r.type == "pulumi:providers:kubernetes"]) == 4
    assert "dbaas:pop:PopCluster$pulumi:providers:kubernetes" in providers[plan.stack].urn
    for stack, provider in providers.items():
        assert provider.inputs["kubeconfig"] == "[secret]"
        assert {k: v for k, v in provider.inputs.items() if k != "kubeconfig"} == {
            "enableServerSideApply": "true", "deleteUnreachable": "false"}
        if stack != plan.stack:
            assert provider.urn == f"urn:pulumi:{stack}::dbaas-tenant::pulumi:providers:kubernetes::{provider.name}"


def test_no_secret_in_clear_text_in_plan_json(plan):
    text = plan.to_json_text()
    assert OFFLINE_SECRET_PLACEHOLDER not in text
    assert "certificate-authority-data" not in text  # the generated kubeconfig is secret as a whole
