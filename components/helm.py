"""Pinned Helm charts and the one way the platform installs them.

Every chart is pinned by repository and exact version in its area's table (a bump is a reviewed
one-line change); every release is atomic, so a failed upgrade rolls back instead of leaving a
PoP half-configured, and installs its CRDs.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from declarations.chart_pins import PinnedChart

__all__ = ["PinnedChart", "helm_release"]


def helm_release(
    logical_name: str,
    release_name: str,
    chart: PinnedChart,
    namespace: pulumi.Input[str],
    values: dict[str, Any],
    opts: pulumi.ResourceOptions,
    timeout_seconds: int = 900,
) -> k8s.helm.v3.Release:
    repository = {} if chart.repository is None else {"repository_opts": k8s.helm.v3.RepositoryOptsArgs(repo=chart.repository)}
    return k8s.helm.v3.Release(
        logical_name,
        name=release_name,
        chart=chart.chart,
        version=chart.version,
        namespace=namespace,
        create_namespace=False,
        atomic=True,
        cleanup_on_fail=True,
        skip_crds=False,
        timeout=timeout_seconds,
        values=values,
        opts=opts,
        **repository,
    )
