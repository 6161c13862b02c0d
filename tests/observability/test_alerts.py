"""SLO burn-rate thresholds per plan, the platform alerts, PromQL validity and Alertmanager routing."""

from __future__ import annotations

from pathlib import Path

import promql_parser
import pytest

from components.observability.alerting import alertmanager_config
from components.observability.settings import AlertRouting
from declarations.errors import InputError
from declarations.stack_config import load_stack_file
from tests.conftest import PROJECT_DIR, resources
from tests.observability.helpers import release

RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"


def _rules(plan, tenant: str) -> dict[str, dict]:
    """group name -> {alert/record name -> rule} of the tenant's namespace rule object."""
    (obj,) = [r for r in resources(plan, RULE, tenant) if r.inputs["metadata"]["namespace"] == f"t-{tenant}"]
    return {g["name"]: {r.get("alert") or r["record"] + r["expr"][-4:]: r for r in g["rules"]} for g in obj.inputs["spec"]["groups"]}


# plan -> (fast 1h/5m threshold = 14.4 x budget, slow 6h/30m threshold = 6 x budget)
BURN_THRESHOLDS = {
    ("lagos", "acme", "orders"): ("0.0144", "0.006"),            # standard, 99.9%
    ("lagos", "kudi-pay", "ledger"): ("0.0072", "0.003"),        # enterprise, 99.95%
    ("lagos", "naija-stream", "events"): ("0.072", "0.03"),      # starter, 99.5%
    ("frankfurt", "hanse-ledger", "accounts"): ("0.0072", "0.003"),
}


@pytest.mark.parametrize(("stack", "tenant", "service"), list(BURN_THRESHOLDS))
def test_burn_rate_thresholds_follow_the_plan(stack, tenant, service, request):
    fast, slow = BURN_THRESHOLDS[(stack, tenant, service)]
    group = _rules(request.getfixturevalue(f"{stack}_plan"), tenant)[f"slo-{service}"]
    for sli in ("Availability", "Latency"):
        short = group[f"SLO{sli}BurnRate1h"]
        long = group[f"SLO{sli}BurnRate6h"]
        rec = f"dbaas:slo_{sli.lower()}_errors:ratio_rate"
        assert short["expr"].endswith(f"{rec}5m{{{_sel(tenant, service, stack)}}} > {fast}")
        assert short["expr"].startswith(f"{rec}1h{{{_sel(tenant, service, stack)}}} > {fast} and ")
        assert long["expr"].startswith(f"{rec}6h{{{_sel(tenant, service, stack)}}} > {slow} and ")
        assert long["expr"].endswith(f"{rec}30m{{{_sel(tenant, service, stack)}}} > {slow}")
        assert (short["labels"]["severity"], long["labels"]["severity"]) == ("critical", "critical")
        assert (short["labels"]["burn_rate"], long["labels"]["burn_rate"]) == ("14.4", "6")


def _sel(tenant: str, service: str, stack: str) -> str:
    from declarations.naming import service_instance
    from declarations.tenant_loader import load_tenant_tree
    from tests.conftest import TENANTS_DIR
    (svc,) = [s for t in load_tenant_tree(TENANTS_DIR, region=stack) if t.id == tenant for s in t.services if s.name == service]
    return f'namespace="t-{tenant}",dbaas_instance="{service_instance(service, svc.engine.value)}"'


def test_platform_alerts_of_a_clustered_service(lagos_plan):
    group = _rules(lagos_plan, "acme")["platform-orders"]  # yugabyte, clustered, with backups
    sel = 'namespace="t-acme",dbaas_instance="orders-yugabyte"'
    lag = f"max by (namespace, dbaas_instance) (yb_follower_lag_seconds{{{sel}}})"
    assert {name: (r["expr"], r["labels"]["severity"]) for name, r in group.items()} == {
        "ReplicationLagWarning": (f"{lag} > 30", "warning"),
        "ReplicationLagCritical": (f"{lag} > 60", "critical"),
        "ConnectionPoolUtilisationHigh": (
            f"sum by (namespace, dbaas_instance) (yb_ysqlserver_active_connection_total{{{sel}}})"
            f" / sum by (namespace, dbaas_instance) (yb_ysqlserver_max_connection_total{{{sel}}}) > 0.8", "warning"),
        "QueryLatencyP95High": (
            "histogram_quantile(0.95, sum by (namespace, dbaas_instance, le) "
            f"(rate(yb_ysqlserver_sql_statement_latency_seconds_bucket{{{sel}}}[5m]))) > 0.5", "warning"),
        "BackupFailed": (f"increase(yb_backup_failures_total{{{sel}}}[1h]) > 0", "critical"),
    }


def test_single_replica_without_backups_gets_no_lag_or_backup_alert(lagos_plan):
    group = _rules(lagos_plan, "naija-stream")["platform-cache"]  # dragonfly, single, no backups
    assert set(group) == {"ConnectionPoolUtilisationHigh", "QueryLatencyP95High"}
    disk = _rules(lagos_plan, "naija-stream")["platform-disk"]["DiskUtilisationHigh"]
    assert disk["expr"].endswith("> 0.8") and 'kubelet_volume_stats_used_bytes{namespace="t-naija-stream"}' in disk["expr"]


def test_kafka_rule_exists_only_for_cdc_tenants(lagos_plan):
    kafka = {t: [r for r in resources(lagos_plan, RULE, t) if r.inputs["metadata"]["namespace"] == "kafka"]
             for t in ("acme", "kudi-pay", "naija-stream")}
    assert {t: len(v) for t, v in kafka.items()} == {"acme": 1, "kudi-pay": 1, "naija-stream": 0}
    (rule,) = kafka["acme"][0].inputs["spec"]["groups"][0]["rules"]
    assert rule["alert"] == "KafkaUnderReplicatedPartitions"


@pytest.mark.parametrize(("stack", "count"), [
    # 12 SLO rules per service, 2-5 platform alerts per service, 1 disk per tenant, 1 Kafka per CDC tenant
    ("lagos", 6 * 12 + 23 + 3 + 2),
    ("frankfurt", 5 * 12 + 19 + 3 + 2),
])
def test_every_rule_expression_parses(stack, count, request):
    plan = request.getfixturevalue(f"{stack}_plan")
    exprs = [r["expr"] for obj in resources(plan, RULE) for g in obj.inputs["spec"]["groups"] for r in g["rules"]]
    assert len(exprs) == count
    for expr in exprs:
        promql_parser.parse(expr)  # raises ValueError on any syntax error


@pytest.mark.parametrize("bad", ["sum(rate(up[5m])", "rate(up)", "up{namespace=}", "histogram_quantile(0.95)"])
def test_the_parser_really_rejects_bad_promql(bad):
    with pytest.raises(ValueError):
        promql_parser.parse(bad)


def test_alertmanager_routing_from_stack_config(lagos_plan):
    config = release(lagos_plan, "kps")["values"]["alertmanager"]["config"]
    assert config["route"]["receiver"] == "default"
    assert (config["route"]["group_wait"], config["route"]["group_interval"], config["route"]["repeat_interval"]) == ("30s", "5m", "4h")
    assert config["route"]["routes"][1] == {"receiver": "pager", "matchers": ['severity="critical"'], "continue": False}
    assert config["receivers"][1:] == [
        {"name": "default", "webhook_configs": [{"url": "http://alert-router.monitoring.svc:8080/alerts", "send_resolved": True}]},
        {"name": "pager", "webhook_configs": [{"url": "http://alert-router.monitoring.svc:8080/page", "send_resolved": True}]},
    ]


def test_routing_knobs_change_the_route():
    routing = AlertRouting(default_webhook_url="https://hooks.example.net/a", critical_webhook_url="https://pager.example.net/p",
                           group_wait_seconds=10, group_interval_minutes=2, repeat_interval_hours=12)
    route = alertmanager_config(routing)["route"]
    assert (route["group_wait"], route["group_interval"], route["repeat_interval"]) == ("10s", "2m", "12h")


def test_a_webhook_url_with_credentials_is_a_located_error(tmp_path: Path):
    text = (PROJECT_DIR / "Pulumi.lagos.yaml").read_text()
    text += "  dbaas-platform:alertmanagerWebhookUrl: https://user:hunter2@hooks.example.net/x\n"
    (tmp_path / "Pulumi.lagos.yaml").write_text(text)
    (tmp_path / "Pulumi.yaml").write_text((PROJECT_DIR / "Pulumi.yaml").read_text())
    with pytest.raises(InputError) as exc:
        load_stack_file(tmp_path, "lagos")
    (problem,) = [str(p) for p in exc.value.problems]
    line = len(text.splitlines())
    assert problem.startswith(f"Pulumi.lagos.yaml:{line}:")
    assert "dbaas-platform:alertmanagerWebhookUrl" in problem and "should match pattern" in problem
