"""Every namespace in the shipped plans is fenced: default deny both ways, DNS, and only the
allows its owner declares (issue 9)."""

from __future__ import annotations

import pytest

from components.controlplane_db.network_policies import policy_specs as controlplane_specs
from components.engines.operators import policy_specs as operator_specs
from components.kafka.network_policies import cdc_instance_ports, policy_specs as kafka_specs
from components.namespace_baseline import APISERVER_HTTPS_EGRESS, platform_namespace_policies
from components.observability.network_policies import policy_specs as monitoring_specs
from components.observability.args import AlertRouting
from components.pop.namespaces import cert_manager_namespace, policy_specs as pop_specs
from declarations.engine_catalog import ENGINE_SPECS, EngineName
from tools.kubernetes.validation import validate_object

NAMESPACE = "kubernetes:core/v1:Namespace"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
TENANTS = {"namespaceSelector": {"matchExpressions": [{"key": "dbaas.io/tenant", "operator": "Exists"}]}}
PLATFORM = {"namespaceSelector": {"matchLabels": {"dbaas.io/platform": "true"}}}
DNS_EGRESS = [{"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                       "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
               "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}]


@pytest.fixture(params=["lagos", "frankfurt"])
def plan(request, lagos_plan, frankfurt_plan):
    return {"lagos": lagos_plan, "frankfurt": frankfurt_plan}[request.param]


def policies_by_namespace(plan) -> dict[str, dict[str, dict]]:
    found: dict[str, dict[str, dict]] = {}
    for r in plan.registrations:
        if r.type == NETWORK_POLICY:
            meta = r.inputs["metadata"]
            assert meta["name"] not in found.setdefault(meta["namespace"], {}), meta
            found[meta["namespace"]][meta["name"]] = r.inputs["spec"]
    return found


def test_every_namespace_denies_by_default_and_allows_dns(plan):
    namespaces = {r.inputs["metadata"]["name"] for r in plan.registrations if r.type == NAMESPACE}
    assert {"monitoring", "kafka", "dbaas-controlplane", "yb-operator", "vitess-operator", "scylla-operator",
            "scylla-manager", "dragonfly-operator", "aerospike-operator", "psmdb-operator", "cert-manager"} <= namespaces
    policies = policies_by_namespace(plan)
    for ns in sorted(namespaces):
        assert policies.get(ns, {}).get("default-deny-all") == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}, ns
        assert policies[ns]["allow-dns"] == {"podSelector": {}, "policyTypes": ["Egress"], "egress": DNS_EGRESS}, ns


def test_no_policy_allows_egress_to_instance_metadata(plan):
    for ns, specs in policies_by_namespace(plan).items():
        for name, spec in specs.items():
            for rule in spec.get("egress", []):
                peers = rule.get("to")
                assert peers, f"{ns}/{name}: an egress rule without peers reaches 169.254.169.254"
                for peer in peers:
                    block = peer.get("ipBlock")
                    if block is not None:
                        assert "169.254.0.0/16" in block.get("except", []), f"{ns}/{name}: {block}"
                        assert not block["cidr"].startswith("169.254."), f"{ns}/{name}"


def test_every_network_policy_validates_strictly(plan):
    policies = [r for r in plan.registrations if r.type == NETWORK_POLICY]
    assert len(policies) > 100
    for r in policies:
        validate_object({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", **r.inputs})


def test_kafka_admits_tenants_on_the_bootstrap_port_of_the_brokers_only(plan):
    kafka = policies_by_namespace(plan)["kafka"]
    assert kafka["allow-tenant-clients"] == {
        "podSelector": {"matchLabels": {"strimzi.io/cluster": "events", "strimzi.io/kind": "Kafka"}},
        "policyTypes": ["Ingress"],
        "ingress": [{"from": [TENANTS], "ports": [{"protocol": "TCP", "port": 9093}]}],
    }
    assert kafka["allow-aerospike-xdr"]["ingress"] == [{"from": [TENANTS], "ports": [{"protocol": "TCP", "port": 8080}]}]
    assert kafka["allow-connect-cdc-egress"]["egress"] == [{"to": [TENANTS], "ports": [
        {"protocol": "TCP", "port": p} for p in (3306, 4333, 5433, 6379, 7100, 9142, 15991, 27017)]}]
    assert kafka["allow-metrics-from-monitoring"]["ingress"][0]["ports"] == [{"protocol": "TCP", "port": 9404}]
    assert set(kafka) == {"default-deny-all", "allow-same-namespace", "allow-dns", APISERVER_HTTPS_EGRESS,
                          "allow-metrics-from-monitoring", "allow-tenant-clients", "allow-aerospike-xdr",
                          "allow-connect-cdc-egress"}


def test_tenant_egress_matches_what_kafka_admits(plan):
    """The tenant's allow-kafka-egress and Kafka's allow-tenant-clients describe the same pods and port."""
    policies = policies_by_namespace(plan)
    kafka = policies["kafka"]["allow-tenant-clients"]
    tenant_ns = next(ns for ns in policies if ns.startswith("t-"))
    egress = policies[tenant_ns]["allow-kafka-egress"]["egress"][0]
    assert egress["to"][0]["podSelector"] == kafka["podSelector"]
    assert egress["ports"] == kafka["ingress"][0]["ports"]


def test_monitoring_admits_otlp_only_to_the_collector_from_tenants_and_platform(plan):
    monitoring = policies_by_namespace(plan)["monitoring"]
    assert monitoring["allow-otlp-ingress"] == {
        "podSelector": {"matchLabels": {"app.kubernetes.io/component": "opentelemetry-collector",
                                        "app.kubernetes.io/instance": "monitoring.otel"}},
        "policyTypes": ["Ingress"],
        "ingress": [{"from": [TENANTS, PLATFORM],
                     "ports": [{"protocol": "TCP", "port": 4317}, {"protocol": "TCP", "port": 4318}]}],
    }
    assert monitoring["allow-grafana-from-ingress"]["ingress"] == [{
        "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}],
        "ports": [{"protocol": "TCP", "port": 3000}]}]
    assert [p["port"] for p in monitoring["allow-scrape-tenants"]["egress"][0]["ports"]] == [
        "http-ysql-met", "http-ui", "web", "prometheus", "admin", "exporter", "metrics"]
    assert [p["port"] for p in monitoring["allow-scrape-platform"]["egress"][0]["ports"]] == [
        5090, 8080, 8383, 8443, 9000, 9127, 9187, 9402, 9404, 10254]
    assert "allow-metrics-from-monitoring" not in monitoring


def test_platform_namespaces_are_labelled_for_otlp(plan):
    labelled = {r.inputs["metadata"]["name"] for r in plan.registrations
                if r.type == NAMESPACE and r.inputs["metadata"]["labels"].get("dbaas.io/platform") == "true"}
    assert {"monitoring", "kafka", "dbaas-controlplane", "psmdb-operator", "cert-manager", "ingress-nginx"} <= labelled
    tenants = {r.inputs["metadata"]["name"] for r in plan.registrations
               if r.type == NAMESPACE and "dbaas.io/tenant" in r.inputs["metadata"]["labels"]}
    assert tenants and not tenants & labelled


def test_every_scraped_platform_port_is_admitted_by_its_namespace(plan):
    """Monitoring's scrape egress to platform namespaces covers every port a platform namespace opens to it."""
    policies = policies_by_namespace(plan)
    scraped = {p["port"] for p in policies["monitoring"]["allow-scrape-platform"]["egress"][0]["ports"]}
    opened = {p["port"] for specs in policies.values() if "allow-metrics-from-monitoring" in specs
              for p in specs["allow-metrics-from-monitoring"]["ingress"][0]["ports"]}
    assert opened == scraped


def test_alertmanager_reaches_its_receivers_ports():
    routing = AlertRouting(default_webhook_url="https://hooks.example.com/a",
                           critical_webhook_url="http://pager.example.com:8081/x")
    spec = monitoring_specs("monitoring", "otel", "ingress-nginx", routing)["allow-alert-receivers-egress"]
    assert spec["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": "alertmanager"}}
    assert spec["egress"] == [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["169.254.0.0/16"]}}],
                               "ports": [{"protocol": "TCP", "port": 443}, {"protocol": "TCP", "port": 8081}]}]


def test_engine_operator_namespaces():
    scylla = operator_specs(EngineName.scylla, "monitoring")
    assert scylla["allow-webhook-from-apiserver"]["ingress"][0]["ports"] == [{"protocol": "TCP", "port": 5000}]
    assert scylla["allow-instances-egress"]["egress"] == [
        {"to": [TENANTS], "ports": [{"protocol": "TCP", "port": 9042}, {"protocol": "TCP", "port": 10001}]}]
    mongodb = operator_specs(EngineName.mongodb, "monitoring")
    assert "allow-webhook-from-apiserver" not in mongodb
    assert mongodb["allow-instances-egress"]["egress"][0]["ports"] == [{"protocol": "TCP", "port": 27017}]
    aerospike = operator_specs(EngineName.aerospike, "monitoring")
    assert aerospike["allow-instances-egress"]["egress"][0]["ports"] == [
        {"protocol": "TCP", "port": 4333}, {"protocol": "TCP", "port": 8080}]


def test_scylla_manager_runs_in_the_namespace_its_chart_names_and_reaches_the_instances(lagos_plan):
    """The scylla-manager chart writes `namespace: scylla-manager` into its templates: the release goes there,
    that namespace reaches the agents like the operator's, and only the operator's serves webhooks."""
    release = next(r for r in lagos_plan.registrations
                   if r.type == "kubernetes:helm.sh/v3:Release" and r.inputs.get("name") == "scylla-manager")
    assert release.inputs["namespace"] == "scylla-manager"
    assert ENGINE_SPECS[EngineName.scylla].namespaces == ("scylla-operator", "scylla-manager")
    manager = policies_by_namespace(lagos_plan)["scylla-manager"]
    assert "allow-webhook-from-apiserver" not in manager
    assert manager["allow-instances-egress"]["egress"] == [
        {"to": [TENANTS], "ports": [{"protocol": "TCP", "port": 9042}, {"protocol": "TCP", "port": 10001}]}]
    operator = next(r for r in lagos_plan.registrations
                    if r.type == NETWORK_POLICY and r.inputs["metadata"]["name"] == "events-scylla-allow-operator")
    assert operator.inputs["spec"]["ingress"] == [{"from": [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "scylla-operator"}}},
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "scylla-manager"}}}]}]


def test_controlplane_namespace():
    specs = controlplane_specs("monitoring", "cnpg-system", ())
    assert specs["allow-cnpg-operator"]["ingress"] == [{
        "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "cnpg-system"}}}],
        "ports": [{"protocol": "TCP", "port": 8000}]}]
    assert specs["allow-metrics-from-monitoring"]["ingress"][0]["ports"] == [
        {"protocol": "TCP", "port": 9187}, {"protocol": "TCP", "port": 9127}]
    assert "allow-postgres-clients" not in specs
    with_api = controlplane_specs("monitoring", "cnpg-system", ("dbaas-api",))
    assert with_api["allow-postgres-clients"]["ingress"][0]["ports"] == [{"protocol": "TCP", "port": 5432}]


def test_every_namespace_owner_builds_on_the_same_platform_set():
    shared = platform_namespace_policies("monitoring")
    routing = AlertRouting(default_webhook_url="https://a.example.com", critical_webhook_url="https://b.example.com")
    for specs in (pop_specs(cert_manager_namespace("cert-manager"), "monitoring"),
                  kafka_specs("c", 9093, "dbaas-connect", "monitoring"),
                  operator_specs(EngineName.vitess, "monitoring"),
                  controlplane_specs("monitoring", "cnpg-system", ()),
                  monitoring_specs("monitoring", "otel", "ingress-nginx", routing)):
        assert {k: specs[k] for k in shared} == shared


def test_connect_reaches_every_engine_client_port():
    assert {s.client_port for s in ENGINE_SPECS.values()} <= set(cdc_instance_ports())
