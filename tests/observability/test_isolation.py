"""Tenant isolation: each tenant namespace routes to its own org ID, and no rule, dashboard or
datasource of one tenant selects another tenant's namespace."""

from __future__ import annotations

import json

import pytest

from components.observability.collector_config import collector_config, merge_config, org_of_exporter, tenant_routes
from components.observability.platform_alerts import tenant_topic_regex
from components.observability.tenancy import PLATFORM_ORG_ID, TenantRoute
from tests.conftest import resources
from tests.observability.helpers import collector_config_of, collector_patches, custom, selectors

LAGOS = {"acme", "kudi-pay", "naija-stream"}
FRANKFURT = {"bergbahn", "hanse-ledger", "rhein-analytics"}
KAFKA_NS = "kafka"
FILTER_CONTEXT = {"logs": "log_record", "traces": "span", "metrics": "datapoint"}


def _tenant_namespace_kept(config: dict, name: str, signal: str) -> str | None:
    """The one namespace a pipeline's filter keeps (read back from its OTTL drop condition)."""
    (condition,) = config["processors"][f"filter/{name}"][signal][FILTER_CONTEXT[signal]]
    prefix = 'resource.attributes["k8s.namespace.name"] != "'
    return condition.removeprefix(prefix).rstrip('"') if condition.startswith(prefix) else None


@pytest.mark.parametrize(("stack", "tenants"), [("lagos", LAGOS), ("frankfurt", FRANKFURT)])
def test_each_tenant_namespace_reaches_only_its_own_org(stack, tenants, request):
    plan = request.getfixturevalue(f"{stack}_plan")
    assert set(collector_patches(plan)) == tenants  # every tenant stack adds its pipelines, nobody else's
    config = collector_config_of(plan)
    pipelines = config["service"]["pipelines"]
    for signal, exporter_prefix in (("logs", "otlphttp/loki-"), ("traces", "otlp/tempo-")):
        fed = {name.split("/", 1)[1] for name, p in pipelines.items() if p["receivers"] == [f"forward/{signal}"]}
        assert fed == tenants | {"platform"}
        for tenant in tenants:
            pipeline = pipelines[f"{signal}/{tenant}"]
            assert pipeline["processors"] == [f"filter/{tenant}", f"resource/{tenant}", "batch"]
            assert _tenant_namespace_kept(config, tenant, signal) == f"t-{tenant}"
            assert pipeline["exporters"] == [f"{exporter_prefix}{tenant}"]
            assert org_of_exporter(config, f"{exporter_prefix}{tenant}") == tenant
            assert config["processors"][f"resource/{tenant}"] == {
                "attributes": [{"key": "dbaas.tenant", "value": tenant, "action": "upsert"}]}
        # The platform org gets no record of any t- namespace, known tenant or not.
        assert pipelines[f"{signal}/platform"]["processors"][0] == "filter/platform"
        assert config["processors"]["filter/platform"][signal] == {
            FILTER_CONTEXT[signal]: ['IsMatch(resource.attributes["k8s.namespace.name"], "^t-")']}
        assert org_of_exporter(config, f"{exporter_prefix}platform") == PLATFORM_ORG_ID


def test_the_platform_collector_knows_no_tenant(lagos_plan):
    (collector,) = custom(lagos_plan, "OpenTelemetryCollector")
    text = json.dumps(collector.inputs)
    assert not [t for t in LAGOS if t in text]
    assert collector.inputs["spec"]["config"] == collector_config(
        "http://loki-gateway.monitoring.svc:80/otlp", "tempo-tempo-distributor.monitoring.svc:4317",
        "http://kps-prometheus.monitoring.svc:9090/api/v1/write")


@pytest.mark.parametrize("stack", ["lagos", "frankfurt"])
def test_every_org_scoped_exporter_is_fed_by_exactly_one_org(stack, request):
    """No pipeline mixes orgs: every exporter with an org ID is used by pipelines of that org only."""
    config = collector_config_of(request.getfixturevalue(f"{stack}_plan"))
    for name, pipeline in config["service"]["pipelines"].items():
        org = name.split("/", 1)[1]
        for exporter in pipeline["exporters"]:
            if exporter in config["connectors"]:
                continue  # ingress pipelines end in the forward connectors
            exporter_org = org_of_exporter(config, exporter)
            if exporter_org is not None:
                assert exporter_org == (PLATFORM_ORG_ID if org == "platform" else org), (name, exporter)


def test_otlp_senders_cannot_claim_a_namespace():
    """OTLP records lose any namespace/tenant attribute they arrive with before k8sattributes sets it
    from the sending pod's connection; only then are they handed to the orgs' pipelines."""
    config = collector_config("http://loki/otlp", "tempo:4317", "http://prom/api/v1/write")
    for signal in ("logs", "traces", "metrics"):
        assert config["service"]["pipelines"][f"{signal}/otlp"]["processors"] == [
            "memory_limiter", "resource/strip-identity", "k8sattributes"]
        assert config["service"]["pipelines"][f"{signal}/otlp"]["exporters"] == [f"forward/{signal}"]
    assert config["processors"]["k8sattributes"]["pod_association"] == [{"sources": [{"from": "connection"}]}]
    assert config["processors"]["resource/strip-identity"]["attributes"] == [
        {"key": "k8s.namespace.name", "action": "delete"}, {"key": "dbaas.tenant", "action": "delete"}]


def test_a_tenant_patch_cannot_take_over_another_tenants_or_the_platforms_keys():
    """Two parties setting one key is a server-side apply conflict; the merge refuses it too."""
    base = collector_config("http://loki/otlp", "tempo:4317", "http://prom/api/v1/write")
    acme = tenant_routes(TenantRoute("acme"), "http://loki/otlp", "tempo:4317")
    with pytest.raises(ValueError, match=r"^collector config config\.processors\.filter/acme\.error_mode is set twice"):
        merge_config(base, acme, acme)
    platform_again = {"exporters": {"otlphttp/loki-platform": {"headers": {"X-Scope-OrgID": "acme"}}}}
    with pytest.raises(ValueError, match=r"otlphttp/loki-platform\.headers\.X-Scope-OrgID is set twice"):
        merge_config(base, platform_again)


def test_platform_org_can_never_be_a_tenant_id():
    from declarations.tenant_model import DNS_LABEL
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
    from declarations.tenant_loader import load_tenant_tree
    from tests.conftest import TENANTS_DIR
    return load_tenant_tree(TENANTS_DIR, region=stack)
