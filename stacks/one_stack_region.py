"""The old shape: a region as ONE stack, platform and every tenant in one program. No stack runs it
any more; it is the reference `dbaas stacks --migration-plan` moves from (tools/deploy/migration_plan.py)
and the tests' region-wide view."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pulumi

from declarations.errors import InputError
from declarations.stack_config import PROJECT, StackConfig, from_pulumi_config
from declarations.tenant_loader import load_tenant_tree
from declarations.tenant_model import Tenant
from stacks.ordering import order_kubernetes_objects
from stacks.platform.build import RegionPlatform, build_platform
from stacks.stack_names import TENANTS_DIR
from stacks.tenant.args import KafkaLocation
from stacks.tenant.build import TenantFoundation, TenantStack, build_tenant
from stacks.tenant.outputs import tenant_outputs


def run(
    tenants_dir: Path = TENANTS_DIR,
    only_tenants: frozenset[str] | None = None,
    tenants: list[Tenant] | None = None,
) -> RegionStack:
    """`only_tenants` and `tenants` are for the offline runner, which has already loaded and
    validated this region's tenants and may build only some of them (see build_region below)."""
    order_kubernetes_objects()
    config = from_pulumi_config()
    if tenants is None:
        try:
            tenants = load_tenant_tree(tenants_dir, region=config.region)
        except InputError as exc:
            raise pulumi.RunError(f"invalid tenant declarations:\n{exc}") from None
    kubeconfig = pulumi.Config(PROJECT).get_secret("kubeconfig")  # required only in adopt mode
    region = build_region(config, tenants, kubeconfig, only_tenants)
    pulumi.export("region", config.region)
    pulumi.export("tenants", sorted(region.tenants))
    # The tenant outputs contract (stacks/tenant/outputs.py); moves into the tenant stacks with issue 11.
    pulumi.export("tenant_outputs", {tenant_id: tenant_outputs(stack) for tenant_id, stack in sorted(region.tenants.items())})
    return region


@dataclass
class RegionStack:
    platform: RegionPlatform
    tenants: dict[str, TenantStack]


def build_region(
    config: StackConfig,
    tenants: list[Tenant],
    kubeconfig: pulumi.Input[str] | None,
    only_tenants: frozenset[str] | None = None,
) -> RegionStack:
    """Everything for one region. `tenants` must be this region's tenants, all of them."""
    foreign = [t.id for t in tenants if t.data_region != config.region]
    if foreign:
        raise ValueError(f"tenants of other regions passed to {config.region}: {', '.join(foreign)}")
    platform = build_platform(config, kubeconfig)
    built = [t for t in tenants if only_tenants is None or t.id in only_tenants]
    foundation = foundation_of(platform)
    return RegionStack(platform=platform, tenants={t.id: build_tenant(foundation, t) for t in built})


def foundation_of(platform: RegionPlatform) -> TenantFoundation:
    """What a tenant built in the same program as its platform stands on (the offline region view)."""
    config = platform.config
    return TenantFoundation(
        providers=platform.providers,
        aws_region=config.aws_region,
        aws_account_id=config.aws_account_id,
        kubernetes_version=config.kubernetes_version,
        kms_deletion_window_days=config.kms_deletion_window_days,
        noncurrent_version_days=config.backup_noncurrent_version_days,
        oidc_issuer=platform.pop.oidc_issuer,
        operator_role_arns={engine: role.arn for engine, role in platform.engine_operators.backup_roles.items()},
        network_peers=platform.network_peers,
        kafka=KafkaLocation(
            namespace=platform.kafka.namespace, cluster_name=platform.kafka.cluster_name,
            bootstrap=platform.kafka.bootstrap, cluster_ca_secret=platform.kafka.cluster_ca_secret,
            connect_name=platform.kafka.connect_name, connect_service_account=platform.kafka.connect_service_account,
            connect_role_arn=platform.kafka.connect_role.arn,
        ),
        endpoints=platform.observability.endpoints,
        collector_uid=platform.observability.collector_uid,
        engine_placement=platform.engine_placement,
        observability_ready=(platform.observability,),
        operators_ready=(platform.engine_operators,),
    )
