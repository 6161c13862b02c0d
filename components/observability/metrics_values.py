"""Helm values of the metrics stack: kube-prometheus-stack (Prometheus with the Thanos sidecar,
Alertmanager) and Thanos query, store gateway and compactor."""

from __future__ import annotations

from components.observability.alerting import alertmanager_config
from components.observability.args import AlertRouting, Retention

PROMETHEUS_SA = "prometheus"
THANOS_SA = "thanos"
OBJSTORE_SECRET = "thanos-objstore"
OBJSTORE_KEY = "objstore.yml"
MONITOR_SELECTOR_LABEL = "dbaas.io/monitoring"
"""Monitors and rules carry `dbaas.io/monitoring=platform`; Prometheus selects nothing else."""


def objstore_config(bucket: str, aws_region: str, key_arn: str) -> dict:
    """Thanos S3 config. No keys: the pods' IRSA roles sign requests; writes use the platform key."""
    return {"type": "S3", "config": {
        "bucket": bucket, "endpoint": f"s3.{aws_region}.amazonaws.com", "region": aws_region,
        "sse_config": {"type": "SSE-KMS", "kms_key_id": key_arn},
    }}


def kube_prometheus_stack_values(namespace: str, pop_name: str, region: str, scrape_interval_seconds: int,
                                 retention: Retention, routing: AlertRouting) -> dict:
    selector = {"matchLabels": {MONITOR_SELECTOR_LABEL: "platform"}}
    return {
        "fullnameOverride": "kps",
        "grafana": {"enabled": False},  # Grafana comes from the Grafana operator
        "prometheus": {
            "serviceAccount": {"create": False, "name": PROMETHEUS_SA},
            "thanosService": {"enabled": True},
            "prometheusSpec": {
                "scrapeInterval": f"{scrape_interval_seconds}s",
                "evaluationInterval": f"{scrape_interval_seconds}s",
                "retention": f"{retention.metrics_local_days}d",
                "externalLabels": {"region": region, "pop": pop_name},
                "replicaExternalLabelName": "prometheus_replica",
                "replicas": 2,
                "enableRemoteWriteReceiver": True,
                # Monitors and rules in a tenant namespace can only ever see that namespace.
                "enforcedNamespaceLabel": "namespace",
                "ignoreNamespaceSelectors": True,
                "excludedFromEnforcement": [
                    {"group": "monitoring.coreos.com", "resource": r, "namespace": namespace}
                    for r in ("prometheusrules", "servicemonitors", "podmonitors")
                ],
                "serviceMonitorSelector": selector, "podMonitorSelector": selector, "ruleSelector": selector,
                "serviceMonitorNamespaceSelector": {}, "podMonitorNamespaceSelector": {}, "ruleNamespaceSelector": {},
                "thanos": {"objectStorageConfig": {"existingSecret": {"name": OBJSTORE_SECRET, "key": OBJSTORE_KEY}}},
            },
        },
        "alertmanager": {"config": alertmanager_config(routing)},
    }


THANOS_IMAGE = {"registry": "quay.io", "repository": "thanos/thanos", "tag": "v0.37.2"}
"""The upstream Thanos image. Bitnami stopped publishing its free `bitnami/thanos` images in 2025
(only a frozen `bitnamilegacy` copy remains, without security updates), so the chart runs the
project's own image: its entrypoint is the `thanos` binary, which is what the chart's `args`
expect. Bitnami charts refuse images they do not recognise unless `allowInsecureImages` is set."""


def thanos_values(retention: Retention) -> dict:
    sa = {"create": False, "name": THANOS_SA}
    return {
        "global": {"security": {"allowInsecureImages": True}},
        "image": THANOS_IMAGE,
        "fullnameOverride": "thanos",
        "existingObjstoreSecret": OBJSTORE_SECRET,
        "existingObjstoreSecretItems": [{"key": OBJSTORE_KEY, "path": "objstore.yml"}],
        "query": {"enabled": True, "replicaLabel": ["prometheus_replica"],
                  "dnsDiscovery": {"sidecarsService": "kps-thanos-discovery"}},
        "queryFrontend": {"enabled": False},
        "storegateway": {"enabled": True, "serviceAccount": sa},
        "compactor": {
            "enabled": True, "serviceAccount": sa,
            "retentionResolutionRaw": f"{retention.metrics_long_term_days}d",
            "retentionResolution5m": f"{retention.metrics_long_term_days}d",
            "retentionResolution1h": f"{retention.metrics_long_term_days}d",
        },
    }
