"""A tenant stack reads its platform stack in its own organization, whichever backend holds them:
the engine passes the organization to the program (pulumi.get_organization()), the self-managed
backend's fixed `organization` (pulumi/pulumi v3.259.0 pkg/backend/diy/state.go:104) or the Pulumi
Cloud stack's owner (pkg/backend/httpstate/state.go:277), via RunRequest.organization
(pkg/resource/deploy/source_eval.go:592)."""

from __future__ import annotations

import pytest

from declarations.stack_config import load_stack_file
from declarations.tenant_loader import load_one_tenant
from stacks.stack_names import TENANT_PROJECT, platform_stack_name, tenant_stack_config
from tests.conftest import PROJECT_DIR, TENANTS_DIR
from tools.offline.plan import plan_platform
from tools.offline.runtime import run_program_capturing


def _run_tenant(organization: str, referenced_as: str):
    from stacks.tenant import program as tenant_program

    stack_file = load_stack_file(PROJECT_DIR, "lagos")
    platform = plan_platform(stack_file)
    tenant = load_one_tenant(TENANTS_DIR, "lagos", "acme")
    return run_program_capturing(
        lambda: tenant_program.run(tenant=tenant), project=TENANT_PROJECT, stack="lagos.acme",
        config=tenant_stack_config(), secret_keys=[], default_account=stack_file.config.aws_account_id,
        organization=organization, stack_references={referenced_as: platform.outputs})


@pytest.mark.parametrize("organization", ["organization", "dbaas-cloud"])
def test_the_platform_stack_is_referenced_in_the_tenant_stacks_own_organization(organization):
    run = _run_tenant(organization, platform_stack_name(organization, "lagos"))
    [reference] = [r for r in run.registrations if r.type == "pulumi:pulumi:StackReference"] or \
        [r for r in run.reads if r.type == "pulumi:pulumi:StackReference"]
    assert reference.inputs["name"] == f"{organization}/dbaas-platform/lagos"
    assert run.outputs.values["tenant_outputs"]["acme"]["bucket"]

