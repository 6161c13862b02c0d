"""Every Kubernetes object the observability components emit validates strictly, in both stacks."""

from __future__ import annotations

import pytest

from tools.kubernetes.validation import NOT_OBJECTS, is_patch_type, validate_object
from tests.observability.helpers import collector_config_of, custom, observability_objects

EXPECTED_KINDS = {
    "Namespace", "Secret", "ServiceAccount", "Service", "Deployment", "ClusterRole", "ClusterRoleBinding",
    "Grafana", "GrafanaFolder", "GrafanaDatasource", "GrafanaDashboard", "OpenTelemetryCollector", "TempoStack",
    "PodMonitor", "PrometheusRule",  # every engine is scraped per pod (no ServiceMonitor)
    "NetworkPolicy",
}


@pytest.mark.parametrize("stack", ["lagos", "frankfurt"])
def test_every_observability_object_validates(stack, request):
    plan = request.getfixturevalue(f"{stack}_plan")
    objects = [r for r in observability_objects(plan) if r.type not in NOT_OBJECTS and not is_patch_type(r.type)]
    assert {r.inputs["kind"] for r in objects} == EXPECTED_KINDS
    errors = {r.urn: validate_object(_unredacted_shape(r.inputs)) for r in objects}
    assert {urn: e for urn, e in errors.items() if e} == {}


@pytest.mark.parametrize("stack", ["lagos", "frankfurt"])
def test_the_collector_with_every_tenant_patch_applied_validates(stack, request):
    """A patch is not a whole object (the API server validates the merged one): validate the merge."""
    plan = request.getfixturevalue(f"{stack}_plan")
    (collector,) = custom(plan, "OpenTelemetryCollector")
    merged = {**collector.inputs, "spec": {**collector.inputs["spec"], "config": collector_config_of(plan)}}
    assert validate_object(merged) == []


def _unredacted_shape(obj: dict) -> dict:
    """The plan redacts a Secret's whole stringData; its keys are tested on the pure builders."""
    if obj.get("stringData") == "[secret]":
        assert obj["kind"] == "Secret"
        return {**obj, "stringData": {}}
    return obj


def test_a_misspelt_field_is_rejected():
    """The validation is strict: a typo in a rule group is an error, not silently dropped."""
    rule = {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule", "metadata": {"name": "x", "namespace": "t-a"},
            "spec": {"groups": [{"name": "g", "rules": [{"alert": "A", "expr": "up == 0", "fro": "5m"}]}]}}
    assert validate_object(rule) != []
