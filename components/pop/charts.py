"""Helm charts of the platform baseline, each pinned by repository and exact version.

Upgrading a chart is a one-line, reviewed change here; nothing floats to "latest".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s


@dataclass(frozen=True)
class ChartPin:
    chart: str
    repository: str
    version: str


CERT_MANAGER = ChartPin("cert-manager", "https://charts.jetstack.io", "v1.18.2")
INGRESS_NGINX = ChartPin("ingress-nginx", "https://kubernetes.github.io/ingress-nginx", "4.13.0")
EXTERNAL_SECRETS = ChartPin("external-secrets", "https://charts.external-secrets.io", "0.19.2")
TIGERA_OPERATOR = ChartPin("tigera-operator", "https://docs.tigera.io/calico/charts", "v3.30.2")


def helm_release(
    logical_name: str,
    pin: ChartPin,
    namespace: pulumi.Input[str],
    values: dict[str, Any],
    opts: pulumi.ResourceOptions,
) -> k8s.helm.v3.Release:
    """Atomic, so a failed upgrade rolls back instead of leaving the PoP half-configured."""
    return k8s.helm.v3.Release(
        logical_name,
        name=pin.chart,
        chart=pin.chart,
        version=pin.version,
        repository_opts={"repo": pin.repository},
        namespace=namespace,
        create_namespace=False,
        atomic=True,
        cleanup_on_fail=True,
        values=values,
        opts=opts,
    )
