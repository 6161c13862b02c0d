"""Retention and interval values reach the charts and CRs exactly."""

from __future__ import annotations

import pytest

from tests.observability.helpers import custom, release


@pytest.mark.parametrize("stack", ["lagos", "frankfurt"])
def test_prometheus_scrapes_every_30s_and_keeps_15_days(stack, request):
    spec = release(request.getfixturevalue(f"{stack}_plan"), "kps")["values"]["prometheus"]["prometheusSpec"]
    assert (spec["scrapeInterval"], spec["evaluationInterval"], spec["retention"]) == ("30s", "30s", "15d")
    assert spec["thanos"] == {"objectStorageConfig": {"existingSecret": {"name": "thanos-objstore", "key": "objstore.yml"}}}
    assert spec["enforcedNamespaceLabel"] == "namespace"


def test_thanos_compactor_keeps_every_resolution_395_days(lagos_plan):
    values = release(lagos_plan, "thanos")["values"]
    assert {k: v for k, v in values["compactor"].items() if k.startswith("retention")} == {
        "retentionResolutionRaw": "395d", "retentionResolution5m": "395d", "retentionResolution1h": "395d"}
    assert values["query"]["enabled"] and values["storegateway"]["enabled"] and values["compactor"]["enabled"]


def test_loki_is_multi_tenant_with_30_day_retention(lagos_plan):
    values = release(lagos_plan, "loki")["values"]["loki"]
    assert values["auth_enabled"] is True
    assert values["limits_config"]["retention_period"] == "720h"
    assert values["compactor"]["retention_enabled"] is True
    assert values["storage"]["bucketNames"]["chunks"].startswith("dbaas-p-lagos-loki-")
    assert values["storage"]["s3"]["sse"]["type"] == "SSE-KMS"


def test_tempo_keeps_7_days_multi_tenant(frankfurt_plan):
    (tempo,) = custom(frankfurt_plan, "TempoStack")
    spec = tempo.inputs["spec"]
    assert spec["retention"] == {"global": {"traces": "168h"}}
    assert spec["extraConfig"] == {"tempo": {"multitenancy_enabled": True}}
    assert spec["storage"]["secret"] == {"name": "tempo-storage", "type": "s3", "credentialMode": "token"}


def test_signal_buckets_expire_one_day_after_the_backend_retention(lagos_plan):
    """Bucket lifecycle is a backstop: it must never delete data the backend still serves."""
    by_bucket = {}
    for r in lagos_plan.registrations:
        if r.type == "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration" and "SignalStore" in r.urn:
            purpose = r.urn.split("::")[-1].split("-")[2]
            current = [rule["expiration"]["days"] for rule in r.inputs["rules"] if rule.get("expiration")]
            by_bucket[purpose] = current
    assert by_bucket == {"thanos": [396], "loki": [31], "tempo": [8]}
