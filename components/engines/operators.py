"""`dbaas:engines:EngineOperators`: the six engine operators of one region, each a pinned Helm release.

Every operator is installed in every region, in its own namespace, watching all namespaces: a new
tenant (or a tenant's first service of an engine) never needs an operator change, and the install
does not depend on which tenants exist, so it is idempotent across tenants. cert-manager, which
three engines take their serving certificates from, is part of the PoP baseline (components/pop).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.helm import helm_release
from dbaas.engine_catalog import ENGINE_SPECS, EngineName, OperatorRelease

TYPE = "dbaas:engines:EngineOperators"
OPERATOR_LABELS = {"app.kubernetes.io/part-of": "dbaas", "app.kubernetes.io/managed-by": "pulumi",
                   "dbaas.io/component": "engine-operator"}


@dataclass(frozen=True)
class EngineOperatorsArgs:
    engines: tuple[EngineName, ...] = tuple(EngineName)


class EngineOperators(pulumi.ComponentResource):
    """Typed handles: the namespace and Helm releases of each engine's operator."""

    namespaces: dict[str, k8s.core.v1.Namespace]
    releases: dict[str, k8s.helm.v3.Release]

    def __init__(self, args: EngineOperatorsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, "engines", None, opts)
        self.namespaces = {}
        self.releases = {}
        for engine in args.engines:
            spec = ENGINE_SPECS[engine]
            for chart in spec.charts:
                self._install(engine.value, spec.operator_namespace, chart)
        self.register_outputs({"namespaces": sorted(self.namespaces), "releases": sorted(self.releases)})

    def _install(self, area: str, namespace: str, release: OperatorRelease) -> None:
        if namespace not in self.namespaces:
            self.namespaces[namespace] = k8s.core.v1.Namespace(
                f"engines-{namespace}-namespace",
                metadata={"name": namespace, "labels": {**OPERATOR_LABELS, "dbaas.io/engine": area}},
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.releases[release.release] = helm_release(
            f"engines-{release.release}",
            release.release,
            release.chart,
            namespace,
            release.values,
            pulumi.ResourceOptions(parent=self, depends_on=[self.namespaces[namespace]]),
        )
