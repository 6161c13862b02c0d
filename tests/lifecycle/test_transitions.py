"""One test per transition guard, per engine: refused with the exact located message, or allowed.

The tenant file's `services:` key is on line 8; `services[0]`'s fields follow in declaration order (name on
line 9, engine 10, version 11, topology 12, replicas 13, storage_gb 14, backups 15).
"""

from __future__ import annotations

import pytest

from tests.lifecycle.helpers import ENGINES, VERSIONS, lines, review, service_text, tenant_text

PATH = "tenants/lagos/shop.yaml"
STORAGE_GROWTH_REFUSED = {
    "scylla": ("ScyllaCluster's admission webhook forbids any change of a rack's storage ('changes in storage are "
               "currently not supported', scylla-operator pkg/api/scylla/validation/cluster_validation.go)"),
    "dragonfly": ("the Dragonfly operator writes the volume size into its StatefulSet's volumeClaimTemplates, which "
                  "Kubernetes refuses to update, so the reconcile fails (dragonflydb/dragonfly-operator#472, #394)"),
}


def _pair(tmp_path, engine, base_kwargs=None, head_kwargs=None, **tenant):
    base = tenant_text(service_text(engine, **(base_kwargs or {})), **tenant.get("base", {}))
    head = tenant_text(service_text(engine, **(head_kwargs or {})), **tenant.get("head", {}))
    return review(tmp_path, base, head)


@pytest.mark.parametrize("engine", ENGINES)
def test_storage_shrink_is_refused(tmp_path, engine):
    result = _pair(tmp_path, engine, head_kwargs={"storage_gb": 50})
    assert lines(result.refused) == [
        f"{PATH}:14:17: services[0].storage_gb: 100 -> 50 GB shrinks the data volumes, which Kubernetes refuses for "
        "a PersistentVolumeClaim (and some operators silently ignore); keep storage_gb at 100 or more, or create a "
        "smaller new service and move the data into it logically (dump and load)"]
    assert result.attention == []


@pytest.mark.parametrize("engine", ENGINES)
def test_storage_growth_is_refused_where_the_operator_cannot_grow_in_place(tmp_path, engine):
    result = _pair(tmp_path, engine, head_kwargs={"storage_gb": 200})
    if engine in STORAGE_GROWTH_REFUSED:
        assert lines(result.refused) == [
            f"{PATH}:14:17: services[0].storage_gb: 100 -> 200 GB cannot be applied to a running {engine} instance: "
            f"{STORAGE_GROWTH_REFUSED[engine]}; keep storage_gb at 100, and to get the space create a new service "
            "with `restore_from: {service: orders}` and storage_gb: 200, then move clients to it"]
        assert result.attention == []
    else:
        assert result.refused == []
        assert lines(result.attention) == [
            f"{PATH}:14:17: services[0].storage_gb: 100 -> 200 GB: volumes grow in place (the storage class must "
            "allow volume expansion); volumes cannot shrink back later"]


@pytest.mark.parametrize("engine", ENGINES)
def test_version_downgrade_is_refused(tmp_path, engine):
    old, new = VERSIONS[engine]
    result = _pair(tmp_path, engine, base_kwargs={"version": new}, head_kwargs={"version": old})
    assert lines(result.refused) == [
        f"{PATH}:11:14: services[0].version: {new} -> {old} is a downgrade: {engine} data files written by {new} "
        f"cannot be opened by {old} and the operator does not downgrade; keep version {new!r}, or create a new "
        f"{old} service and move the data into it logically"]


SKIPS = {"mongodb": ("6.0", "8.0", "7.0", "MongoDB upgrades one major release at a time, each after setting "
                     "featureCompatibilityVersion (mongodb.com 'Upgrade a Replica Set'; Percona Operator docs "
                     "'Upgrade Percona Server for MongoDB')"),
         "yugabyte": ("2.20", "2024.2", None, None)}
"""Engines with three supported versions: old, newest, the step between, and why a skip is refused."""


@pytest.mark.parametrize("engine", sorted(SKIPS))
def test_skipping_a_version_is_refused_where_the_engine_upgrades_one_at_a_time(tmp_path, engine):
    old, new, step, why = SKIPS[engine]
    result = _pair(tmp_path, engine, base_kwargs={"version": old}, head_kwargs={"version": new})
    if why is None:
        assert result.refused == []
        assert [p.field for p in result.attention] == ["services[0].version"]
    else:
        assert lines(result.refused) == [
            f"{PATH}:11:14: services[0].version: {old} -> {new} skips 1 version(s): {why}; upgrade to {step!r} "
            f"first, let it deploy, then to {new!r} in a later change"]
        assert result.attention == []


@pytest.mark.parametrize("engine", ENGINES)
def test_upgrade_by_one_version_is_allowed_and_needs_attention(tmp_path, engine):
    old, new = VERSIONS[engine]
    result = _pair(tmp_path, engine, head_kwargs={"version": new})
    assert result.refused == []
    assert lines(result.attention) == [
        f"{PATH}:11:14: services[0].version: {engine} {old} -> {new}: rolling in-place upgrade by the operator; take "
        "a backup first (`operations: [{id: <new id>, action: backup}]` in an earlier change) and check client "
        "compatibility"]


@pytest.mark.parametrize("engine", ENGINES)
def test_clustered_to_single_is_refused_for_durability(tmp_path, engine):
    result = _pair(tmp_path, engine, head_kwargs={"topology": "single", "replicas": 1})
    assert lines(result.refused) == [
        f"{PATH}:12:15: services[0].topology: clustered -> single drops {engine} service 'orders' from 3 replicas to "
        "one copy of the data: a single disk or node failure would then lose it; keep topology: clustered with at "
        "least 3 replicas, or create a new single service with `restore_from: {service: orders}` and decommission "
        "this one"]


@pytest.mark.parametrize("engine", ENGINES)
def test_single_to_clustered_is_refused_only_where_the_operator_refuses_it(tmp_path, engine):
    result = _pair(tmp_path, engine, base_kwargs={"topology": "single", "replicas": 1})
    if engine == "aerospike":
        assert lines(result.refused) == [
            f"{PATH}:12:15: services[0].topology: single -> clustered cannot be applied to a running aerospike "
            "instance: the Aerospike operator's webhook refuses changing podSpec.multiPodPerHost and a namespace's "
            "replication-factor on a running cluster (aerospike-kubernetes-operator "
            "api/v1/aerospikecluster_validating_webhook.go; docs 'Cluster configuration settings'); keep topology: "
            "single, and create a new clustered service with `restore_from: {service: orders}` instead"]
    else:
        # YugabyteDB's replicationFactor 1 -> 3 is refused by YBUniverse's own CEL rule (the schema check).
        assert result.refused == []


@pytest.mark.parametrize("engine", ENGINES)
def test_scale_in_is_allowed_and_needs_attention(tmp_path, engine):
    result = _pair(tmp_path, engine, base_kwargs={"replicas": 5})
    assert result.refused == []
    assert lines(result.attention) == [
        f"{PATH}:13:15: services[0].replicas: 5 -> 3: the operator removes nodes one at a time and moves their data "
        "to the rest; check that 3 x 100 GB holds the data with headroom"]


@pytest.mark.parametrize("engine", ENGINES)
def test_scale_out_is_allowed_silently(tmp_path, engine):
    result = _pair(tmp_path, engine, head_kwargs={"replicas": 5})
    assert (result.refused, result.attention) == ([], [])


@pytest.mark.parametrize("engine", ENGINES)
def test_backup_retention_cut_is_refused(tmp_path, engine):
    result = _pair(tmp_path, engine, head_kwargs={"retention_days": 7})
    assert lines(result.refused) == [
        f"{PATH}:15:56: services[0].backups.retention_days: 30 -> 7 days cuts the retention of backups already "
        "written, which were promised 30 days: the engine prunes every stored backup by the new setting on its next "
        "run; keep retention_days: 30"]


@pytest.mark.parametrize("engine", ENGINES)
def test_longer_retention_is_allowed(tmp_path, engine):
    result = _pair(tmp_path, engine, base_kwargs={"retention_days": 7})
    assert (result.refused, result.attention) == ([], [])


def test_data_class_change_that_cuts_bucket_retention_is_refused(tmp_path):
    result = _pair(tmp_path, "mongodb", base={"data_classes": "[financial, logs]"}, head={"data_classes": "[logs]"})
    assert lines(result.refused) == [
        f"{PATH}:7:1: data_classes: the bucket's retention would drop from 2555 to 90 days, but the backups already "
        "in it were promised 2555 days (Object Lock and lifecycle of the tenant bucket); keep 'financial' in "
        "data_classes"]


def test_adding_a_stricter_data_class_is_allowed(tmp_path):
    result = _pair(tmp_path, "mongodb", base={"data_classes": "[logs]"}, head={"data_classes": "[logs, financial]"})
    assert (result.refused, result.attention) == ([], [])


def test_an_unchanged_service_has_no_findings(tmp_path):
    result = _pair(tmp_path, "vitess")
    assert (result.refused, result.attention) == ([], [])
