"""Tenant isolation: each tenant namespace routes to its own org ID, and no rule, dashboard or
datasource of one tenant selects another tenant's namespace."""

from __future__ import annotations

import json

import pytest

from components.observability.collector_config import collector_config, org_of_exporter
from components.observability.platform_alerts import tenant_topic_regex
from components.observability.tenancy import PLATFORM_ORG_ID, routes_for
from tests.conftest import resources
from tests.observability.helpers import custom, selectors

LAGOS = {"acme", "kudi-pay", "naija-stream"}
FRANKFURT = {"bergbahn", "hanse-ledger", "rhein-analytics"}
KAFKA_NS = "kafka"


def _collector(plan) -> dict:
    (collector,) = custom(plan, "OpenTelemetryCollector")
    return collector.inputs["spec"]["config"]


def _routes(config: dict, signal: str) -> dict[str, list[str]]:
    """namespace -> pipelines, read back from the routing connector's OTTL statements."""
    out = {}
    for entry in config["connectors"][f"routing/{signal}"]["table"]:
        stmt = entry["statement"]
        assert stmt.startswith('route() where resource.attributes["k8s.namespace.name"] == "')
        out[stmt.split('== "')[1].rstrip('"')] = entry["pipelines"]
    return out


@pytest.mark.parametrize(("stack", "tenants"), [("lagos", LAGOS), ("frankfurt", FRANKFURT)])
def test_each_tenant_namespace_reaches_only_its_own_org(stack, tenants, request):
    config = _collector(request.getfixturevalue(f"{stack}_plan"))
    pipelines = config["service"]["pipelines"]
    for signal, exporter_prefix in (("logs", "otlphttp/loki-"), ("traces", "otlp/tempo-")):
        routes = _routes(config, signal)
        assert routes == {f"t-{t}": [f"{signal}/{t}"] for t in tenants}
        for namespace, (pipeline,) in routes.items():
            tenant = namespace.removeprefix("t-")
            assert pipelines[pipeline]["receivers"] == [f"routing/{signal}"]
            assert pipelines[pipeline]["exporters"] == [f"{exporter_prefix}{tenant}"]
            assert org_of_exporter(config, f"{exporter_prefix}{tenant}") == tenant
            assert config["processors"][f"resource/{tenant}"] == {
                "attributes": [{"key": "dbaas.tenant", "value": tenant, "action": "upsert"}]}
        # Anything unmatched goes to the platform org, after records of unknown t- namespaces are dropped.
        assert config["connectors"][f"routing/{signal}"]["default_pipelines"] == [f"{signal}/platform"]
        assert pipelines[f"{signal}/platform"]["processors"][0] == "filter/unknown-tenant"
        assert org_of_exporter(config, f"{exporter_prefix}platform") == PLATFORM_ORG_ID


@pytest.mark.parametrize("stack", ["lagos", "frankfurt"])
def test_every_org_scoped_exporter_is_fed_by_exactly_one_org(stack, request):
    """No pipeline mixes orgs: every exporter with an org ID is used by pipelines of that org only."""
    config = _collector(request.getfixturevalue(f"{stack}_plan"))
    for name, pipeline in config["service"]["pipelines"].items():
        org = name.split("/", 1)[1]
        for exporter in pipeline["exporters"]:
            if exporter in config["connectors"]:
                continue  # ingress pipelines end in the routing connectors
            exporter_org = org_of_exporter(config, exporter)
            if exporter_org is not None:
                assert exporter_org == (PLATFORM_ORG_ID if org == "platform" else org), (name, exporter)


def test_otlp_senders_cannot_claim_a_namespace():
    """OTLP records lose any namespace/tenant attribute they arrive with before k8sattributes sets it
    from the sending pod's connection; only then are they routed."""
    config = collector_config(routes_for(["a1x", "b2y"]), "http://loki/otlp", "tempo:4317", "http://prom/api/v1/write")
    for signal in ("logs", "traces", "metrics"):
        assert config["service"]["pipelines"][f"{signal}/otlp"]["processors"] == [
            "memory_limiter", "resource/strip-identity", "k8sattributes"]
    assert config["processors"]["k8sattributes"]["pod_association"] == [{"sources": [{"from": "connection"}]}]
    assert config["processors"]["resource/strip-identity"]["attributes"] == [
        {"key": "k8s.namespace.name", "action": "delete"}, {"key": "dbaas.tenant", "action": "delete"}]


def test_routing_table_refuses_duplicate_tenants():
    with pytest.raises(ValueError, match="duplicate tenant ids"):
        routes_for(["acme", "acme"])


def test_platform_org_can_never_be_a_tenant_id():
    from dbaas.tenant_model import DNS_LABEL
    import re
    assert re.match(DNS_LABEL, PLATFORM_ORG_ID) is None


def _tenant_objects(plan, tenant: str, kind: str):
    return [r for r in resources(plan, f"kubernetes:{r_api(kind)}:{kind}", tenant)]


def r_api(kind: str) -> str:
    return {"PrometheusRule": "monitoring.coreos.com/v1", "GrafanaDashboard": "grafana.integreatly.org/v1beta1",
            "GrafanaDatasource": "grafana.integreatly.org/v1beta1", "PodMonitor": "monitoring.coreos.com/v1",
            "ServiceMonitor": "monitoring.coreos.com/v1"}[kind]


@pytest.mark.parametrize(("stack", "tenants"), [("lagos", LAGOS), ("frankfurt", FRANKFURT)])
def test_rules_select_only_their_own_namespace(stack, tenants, request):
    plan = request.getfixturevalue(f"{stack}_plan")
    for tenant in tenants:
        rules = _tenant_objects(plan, tenant, "PrometheusRule")
        assert rules, tenant
        for rule in rules:
            home = rule.inputs["metadata"]["namespace"]
            assert home in (f"t-{tenant}", KAFKA_NS)
            for group in rule.inputs["spec"]["groups"]:
                for r in group["rules"]:
                    for sel in selectors(r["expr"]):
                        assert sel["namespace"] == ("MatchOp.Equal", home), (tenant, r["expr"])
                        if home == KAFKA_NS:
                            assert sel["topic"] == ("MatchOp.Re", tenant_topic_regex(tenant))
                    assert r["labels"]["tenant"] == tenant


def test_kafka_topic_regex_does_not_match_a_prefix_sharing_tenant():
    import re
    regex = re.compile(f"^(?:{tenant_topic_regex('acme')})$")  # Prometheus anchors regex matchers
    assert regex.match("dbaas.cdc.yugabyte.acme.orders") and regex.match("dbaas.audit.acme")
    assert not regex.match("dbaas.cdc.yugabyte.acme2.orders") and not regex.match("dbaas.audit.acme2")
    assert not regex.match("dbaas.cdc.yugabyte.x.acme")


@pytest.mark.parametrize(("stack", "tenants"), [("lagos", LAGOS), ("frankfurt", FRANKFURT)])
def test_dashboards_and_datasources_select_only_their_tenant(stack, tenants, request):
    plan = request.getfixturevalue(f"{stack}_plan")
    for tenant in tenants:
        datasources = {r.inputs["spec"]["datasource"]["type"]: r.inputs["spec"]
                       for r in _tenant_objects(plan, tenant, "GrafanaDatasource")}
        assert {t: (d["datasource"]["jsonData"]["httpHeaderName1"], d["datasource"]["secureJsonData"]["httpHeaderValue1"])
                for t, d in datasources.items()} == {
            "prometheus": ("X-Dbaas-Namespace", f"t-{tenant}"),
            "loki": ("X-Scope-OrgID", tenant),
            "tempo": ("X-Scope-OrgID", tenant),
        }
        assert datasources["prometheus"]["datasource"]["url"] == "http://prom-label-proxy.monitoring.svc:8080"
        own_uids = {d["uid"] for d in datasources.values()}
        dashboards = _tenant_objects(plan, tenant, "GrafanaDashboard")
        assert dashboards
        for dash in dashboards:
            assert dash.inputs["spec"]["folderRef"] == f"tenant-{tenant}"
            model = json.loads(dash.inputs["spec"]["json"])
            for panel in model["panels"]:
                assert panel["datasource"]["uid"] in own_uids
                for target in panel["targets"]:
                    assert target["datasource"]["uid"] in own_uids
                    if panel["type"] == "logs":
                        assert target["expr"] == f'{{k8s_namespace_name="t-{tenant}"}}'
                        continue
                    for sel in selectors(target["expr"].replace("$instance", ".*")):
                        assert sel["namespace"] == ("MatchOp.Equal", f"t-{tenant}")


@pytest.mark.parametrize("stack", ["lagos", "frankfurt"])
def test_monitors_scrape_only_their_instance_in_their_namespace(stack, request):
    plan = request.getfixturevalue(f"{stack}_plan")
    owner = plan.tenant_of()
    # Tenant monitors only; the regional Kafka PodMonitor has no tenant (test_kafka_monitor.py).
    monitors = [m for m in custom(plan, "PodMonitor") + custom(plan, "ServiceMonitor") if m.urn in owner]
    assert len(monitors) == sum(len(t.services) for t in _stack_tenants(stack))
    for m in monitors:
        ns = f"t-{owner[m.urn]}"
        spec = m.inputs["spec"]
        assert m.inputs["metadata"]["namespace"] == ns
        assert spec["namespaceSelector"] == {"matchNames": [ns]}
        name = m.inputs["metadata"]["name"]
        # dragonfly-operator reserves app.kubernetes.io/instance; its own pod label is `app=<name>`.
        key = "app" if name.endswith("-dragonfly") else "app.kubernetes.io/instance"
        assert spec["selector"] == {"matchLabels": {key: name}}


def _stack_tenants(stack: str):
    from dbaas.tenant_loader import load_tenant_tree
    from tests.conftest import TENANTS_DIR
    return load_tenant_tree(TENANTS_DIR, region=stack)
