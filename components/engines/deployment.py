"""The engines' part of a region: operators once, then every local tenant's service instances.

Called once from stacks/region.py with explicit values (components never read stack config).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components.engines.base import EngineInstance
from components.engines.context import EnginePlacement
from components.engines.operators import EngineOperators, EngineOperatorsArgs
from components.engines.registry import create_service_instances
from components.tenant import TenantEnvironment
from dbaas.tenant_model import Tenant


@dataclass
class EngineDeployment:
    operators: EngineOperators
    instances: dict[str, dict[str, EngineInstance]]
    """tenant id -> service name -> instance."""


def deploy_engines(
    tenants: list[Tenant], environments: dict[str, TenantEnvironment], placement: EnginePlacement,
    providers: pulumi.ResourceOptions,
) -> EngineDeployment:
    operators = EngineOperators(EngineOperatorsArgs(), opts=providers)
    instances = {
        t.id: create_service_instances(t, environments[t.id], placement, depends_on=[operators]) for t in tenants
    }
    return EngineDeployment(operators=operators, instances=instances)
