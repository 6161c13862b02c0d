"""The platform stacks' Pulumi program (`pulumi preview|up -s <region>` at the repository root).

It builds the region's platform only and reads no tenant file: adding, changing or removing a
tenant never changes the platform stack's plan. It exports the platform contract
(stacks/platform_contract.py), which the region's tenant stacks read.
"""

from __future__ import annotations

import pulumi

from declarations.stack_config import PROJECT, from_pulumi_config
from stacks.ordering import order_kubernetes_objects
from stacks.platform_contract import contract_outputs
from stacks.platform.build import RegionPlatform, build_platform


def run() -> RegionPlatform:
    order_kubernetes_objects()
    config = from_pulumi_config()
    kubeconfig = pulumi.Config(PROJECT).get_secret("kubeconfig")  # required only in adopt mode
    platform = build_platform(config, kubeconfig)
    for name, value in contract_outputs(platform).items():
        pulumi.export(name, value)
    return platform
