"""`dbaas:engines:EngineOperators`: the six engine operators of one region, each a pinned Helm release.

Every operator is installed in every region, in its own namespace, watching all namespaces: a new
tenant (or a tenant's first service of an engine) never needs an operator change, and the install
does not depend on which tenants exist, so it is idempotent across tenants. cert-manager comes
with them because three engines take their serving certificates from it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from dbaas.engine_catalog import CERT_MANAGER_CHART, ENGINE_SPECS, EngineName, HelmChart

TYPE = "dbaas:engines:EngineOperators"
CERT_MANAGER_NAMESPACE = "cert-manager"
OPERATOR_LABELS = {"app.kubernetes.io/part-of": "dbaas", "app.kubernetes.io/managed-by": "pulumi",
                   "dbaas.io/component": "engine-operator"}


@dataclass(frozen=True)
class EngineOperatorsArgs:
    engines: tuple[EngineName, ...] = tuple(EngineName)
    install_cert_manager: bool = True


class EngineOperators(pulumi.ComponentResource):
    """Typed handles: the namespace and Helm releases of each engine's operator."""

    namespaces: dict[str, k8s.core.v1.Namespace]
    releases: dict[str, k8s.helm.v3.Release]

    def __init__(self, args: EngineOperatorsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, "engines", None, opts)
        self.namespaces = {}
        self.releases = {}
        if args.install_cert_manager:
            self._install("cert-manager", CERT_MANAGER_NAMESPACE, CERT_MANAGER_CHART)
        for engine in args.engines:
            spec = ENGINE_SPECS[engine]
            for chart in spec.charts:
                self._install(engine.value, spec.operator_namespace, chart)
        self.register_outputs({"namespaces": sorted(self.namespaces), "releases": sorted(self.releases)})

    def _install(self, area: str, namespace: str, chart: HelmChart) -> None:
        if namespace not in self.namespaces:
            self.namespaces[namespace] = k8s.core.v1.Namespace(
                f"engines-{namespace}-namespace",
                metadata={"name": namespace, "labels": {**OPERATOR_LABELS, "dbaas.io/engine": area}},
                opts=pulumi.ResourceOptions(parent=self),
            )
        release_args: dict = {"chart": chart.chart, "version": chart.version}
        if chart.repo is not None:
            release_args["repository_opts"] = k8s.helm.v3.RepositoryOptsArgs(repo=chart.repo)
        self.releases[chart.release] = k8s.helm.v3.Release(
            f"engines-{chart.release}",
            name=chart.release,
            namespace=namespace,
            create_namespace=False,
            atomic=True,
            cleanup_on_fail=True,
            skip_crds=False,
            values=chart.values,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.namespaces[namespace]]),
            **release_args,
        )
