"""Lookups into an offline plan for the observability tests."""

from __future__ import annotations

import promql_parser

from tools.offline.plan import OfflinePlan

OBSERVABILITY = "dbaas:observability:"


def observability_objects(plan: OfflinePlan) -> list:
    """Every Kubernetes registration created under an observability component."""
    return [r for r in plan.registrations if OBSERVABILITY in r.urn and r.type.startswith("kubernetes:")]


def release(plan: OfflinePlan, name: str) -> dict:
    found = [r for r in plan.registrations if r.type == "kubernetes:helm.sh/v3:Release" and r.inputs.get("name") == name
             and OBSERVABILITY in r.urn]
    assert len(found) == 1, [r.name for r in found]
    return found[0].inputs


def custom(plan: OfflinePlan, kind: str) -> list:
    """Whole objects of one kind (not the patches other stacks apply to them)."""
    return [r for r in observability_objects(plan) if r.inputs.get("kind") == kind and not r.type.endswith("Patch")]


def collector_patches(plan: OfflinePlan) -> dict[str, dict]:
    """tenant id -> the `spec.config` its stack patches into the region's collector."""
    owner = plan.tenant_of()
    return {owner[r.urn]: r.inputs["spec"]["config"] for r in plan.registrations
            if r.type == "kubernetes:opentelemetry.io/v1beta1:OpenTelemetryCollectorPatch"}


def collector_config_of(plan: OfflinePlan) -> dict:
    """The config the region's collector runs with: the platform's, merged with every tenant's patch."""
    from components.observability.collector_config import merge_config

    (collector,) = custom(plan, "OpenTelemetryCollector")
    return merge_config(collector.inputs["spec"]["config"], *collector_patches(plan).values())


def selectors(expr: str) -> list[dict[str, tuple[str, str]]]:
    """label -> (operator, value) for every vector selector in a PromQL expression (parsed, not grepped)."""
    found: list[dict[str, tuple[str, str]]] = []

    def visit(node) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            found.append({m.name: (str(m.op), m.value) for m in node.matchers.matchers})
        for attr in ("expr", "lhs", "rhs", "vector_selector", "param"):
            child = getattr(node, attr, None)
            if isinstance(child, promql_parser.Expr):
                visit(child)
        for arg in getattr(node, "args", None) or []:
            visit(arg)

    visit(promql_parser.parse(expr))
    return found
