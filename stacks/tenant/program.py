"""The tenant stacks' Pulumi program (tenant_project/__main__.py), shared with the offline plan."""

from __future__ import annotations

from pathlib import Path

import pulumi

from declarations.errors import InputError
from declarations.tenant_loader import load_one_tenant
from declarations.tenant_model import Tenant
from stacks.ordering import order_kubernetes_objects
from stacks.platform_contract import PlatformContractError, platform_stack_name, read_contract
from stacks.stack_names import TENANTS_DIR
from stacks.tenant.build import TenantStack, build_tenant
from stacks.tenant.outputs import tenant_outputs
from stacks.tenant.foundation import foundation_from_contract, parse_tenant_stack_name


def run(tenants_dir: Path = TENANTS_DIR, tenant: Tenant | None = None) -> TenantStack:
    """Build the tenant named by the stack. `tenant` is for the offline runner, which has already
    loaded and validated the tree."""
    try:
        region, tenant_id = parse_tenant_stack_name(pulumi.get_stack())
    except ValueError as exc:
        raise pulumi.RunError(str(exc)) from None
    if tenant is None:
        tenant = _load_tenant(tenants_dir, region, tenant_id)
    order_kubernetes_objects()
    # The platform stack lives in the tenant stack's own organization, which the engine passes to every
    # program: the self-managed backend's fixed "organization" (pulumi/pulumi v3.259.0
    # pkg/backend/diy/state.go:104), or the Pulumi Cloud stack's owner (pkg/backend/httpstate/state.go:277),
    # sent as RunRequest.organization (pkg/resource/deploy/source_eval.go:592).
    platform_name = platform_stack_name(pulumi.get_organization(), region)
    reference = pulumi.StackReference(f"platform-{region}", stack_name=platform_name)
    try:
        contract = read_contract(reference, platform_name)
    except PlatformContractError as exc:
        raise pulumi.RunError(str(exc)) from None
    if contract.region != region:
        raise pulumi.RunError(f"platform stack {platform_name} reports region {contract.region!r}, not {region!r}")
    stack = build_tenant(foundation_from_contract(contract), tenant)
    # The tenant outputs contract (stacks/tenant/outputs.py), in the region stack's shape.
    pulumi.export("tenant_outputs", {tenant.id: tenant_outputs(stack)})
    return stack


def _load_tenant(tenants_dir: Path, region: str, tenant_id: str) -> Tenant:
    try:
        found = load_one_tenant(tenants_dir, region, tenant_id)  # its own file only, not the region's
    except InputError as exc:
        raise pulumi.RunError(f"invalid tenant declarations:\n{exc}") from None
    if found is None:
        raise pulumi.RunError(f"no tenant {tenant_id!r} in {tenants_dir / region}: a tenant stack needs "
                              f"{tenants_dir.name}/{region}/{tenant_id}.yaml (decommissioned tenants are destroyed, "
                              "not previewed)")
    return found
