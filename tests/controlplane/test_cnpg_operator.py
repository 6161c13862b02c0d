"""The CloudNativePG operator that reconciles the control-plane database: pinned chart, its own
fenced namespace, and the CNPG objects wait for it (offline plans of both shipped stacks)."""

from __future__ import annotations

import pytest

from components.controlplane_db.network_policies import operator_policy_specs
from components.namespace_baseline import baseline_network_policies
from declarations.pod_identity import is_pod_identity_webhook
from tools.kubernetes.validation import validate_object
from tests.conftest import shipped_plan
from tests.controlplane.test_component_plan import CNPG, REGIONS, component_regs

OPERATOR = "dbaas:controlplane:CloudNativePGOperator"
RELEASE = "kubernetes:helm.sh/v3:Release"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
ANYWHERE_BUT_METADATA = {"ipBlock": {"cidr": "0.0.0.0/0", "except": ["169.254.0.0/16"]}}
CNPG_POLICIES = {
    **baseline_network_policies(),
    "allow-apiserver-https-egress": {
        "podSelector": {}, "policyTypes": ["Egress"],
        "egress": [{"to": [ANYWHERE_BUT_METADATA],
                    "ports": [{"protocol": "TCP", "port": 443}, {"protocol": "TCP", "port": 6443}]}]},
    "allow-metrics-from-monitoring": {
        "podSelector": {}, "policyTypes": ["Ingress"],
        "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}],
                     "ports": [{"protocol": "TCP", "port": 8080}]}]},
    "allow-webhook-from-apiserver": {
        "podSelector": {}, "policyTypes": ["Ingress"],
        "ingress": [{"from": [ANYWHERE_BUT_METADATA], "ports": [{"protocol": "TCP", "port": 9443}]}]},
    "allow-instance-manager-egress": {
        "podSelector": {}, "policyTypes": ["Egress"],
        "egress": [{"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "dbaas-controlplane"}}}],
                    "ports": [{"protocol": "TCP", "port": 8000}]}]},
}


@pytest.fixture(scope="module", params=sorted(REGIONS))
def regs(request):
    return component_regs(request.param)


def _release(regs):
    found = [r for r in regs if r.type == RELEASE]
    assert len(found) == 1, [r.name for r in found]
    return found[0]


def test_one_operator_release_per_region_from_the_pinned_official_chart(regs):
    assert [r.name for r in regs if r.type == OPERATOR] == [regs[0].name + "-cnpg-operator"]
    release = _release(regs).inputs
    assert (release["name"], release["chart"], release["version"], release["namespace"]) == (
        "cloudnative-pg", "cloudnative-pg", "0.28.0", "cnpg-system")
    assert release["repositoryOpts"] == {"repo": "https://cloudnative-pg.github.io/charts"}
    assert (release["atomic"], release["skipCrds"], release["createNamespace"]) == (True, False, False)
    assert release["values"] == {"replicaCount": 2, "crds": {"create": True}, "config": {"clusterWide": True}}


def test_operator_namespace_is_a_restricted_platform_namespace(regs):
    namespaces = {r.inputs["metadata"]["name"]: r.inputs["metadata"]["labels"]
                  for r in regs if r.type == "kubernetes:core/v1:Namespace"}
    labels = namespaces["cnpg-system"]
    assert labels["dbaas.io/platform"] == "true"
    assert {labels[f"pod-security.kubernetes.io/{m}"] for m in ("enforce", "audit", "warn")} == {"restricted"}
    assert "dbaas.io/tenant" not in labels


def test_operator_namespace_has_exactly_its_policies(regs):
    specs = {r.inputs["metadata"]["name"]: r.inputs["spec"] for r in regs
             if r.type == NETWORK_POLICY and r.inputs["metadata"]["namespace"] == "cnpg-system"}
    assert specs == CNPG_POLICIES
    assert operator_policy_specs("monitoring", "dbaas-controlplane") == CNPG_POLICIES
    for name, spec in specs.items():
        obj = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
               "metadata": {"name": name, "namespace": "cnpg-system"}, "spec": spec}
        assert validate_object(obj) == [], name


def test_both_ends_of_operator_to_instance_manager_traffic_agree(regs):
    by_ns: dict[str, dict] = {}
    for r in regs:
        if r.type == NETWORK_POLICY:
            by_ns.setdefault(r.inputs["metadata"]["namespace"], {})[r.inputs["metadata"]["name"]] = r.inputs["spec"]
    ingress = by_ns["dbaas-controlplane"]["allow-cnpg-operator"]["ingress"][0]
    egress = by_ns["cnpg-system"]["allow-instance-manager-egress"]["egress"][0]
    assert ingress["from"] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "cnpg-system"}}}]
    assert ingress["ports"] == egress["ports"] == [{"protocol": "TCP", "port": 8000}]


def test_cnpg_objects_depend_on_the_operator_release(regs):
    release = _release(regs)
    for kind in ("Cluster", "Pooler", "ScheduledBackup"):
        (obj,) = [r for r in regs if r.type == f"{CNPG}{kind}"]
        assert release.urn in obj.dependencies, kind
    namespace = next(r for r in regs if r.type == "kubernetes:core/v1:Namespace"
                     and r.inputs["metadata"]["name"] == "cnpg-system")
    policies = {r.urn for r in regs if r.type == NETWORK_POLICY and r.inputs["metadata"]["namespace"] == "cnpg-system"}
    # Adopt mode (lagos): the operator creates pods whose ServiceAccounts use IRSA, so it waits for the pod identity
    # webhook (stacks/ordering.py); on EKS there is none in the stack.
    stack = release.urn.split("::")[0].removeprefix("urn:pulumi:")
    webhook = {r.urn for r in shipped_plan(stack).registrations if is_pod_identity_webhook(r.type, r.inputs.get("metadata"))}
    assert len(webhook) == (1 if stack == "lagos" else 0)
    assert set(release.dependencies) == {namespace.urn, *policies, *webhook}
