"""Engine objects in the shipped plans: schema validity, sizing, backups, secrets, protection."""

from __future__ import annotations

import pytest

from tools.kubernetes.validation import kubernetes_objects, validate_object
from tests.conftest import one, resources

ENGINE_TYPES = ("dbaas:engines:EngineOperators",) + tuple(
    f"dbaas:engines:{n}Instance" for n in ("Yugabyte", "Vitess", "Scylla", "Dragonfly", "Aerospike", "Mongodb")
)


def engine_objects(plan):
    """The Kubernetes objects below an engine component (operators or an instance)."""
    owned = {r.urn for r in plan.below(ENGINE_TYPES)}
    return [(urn, obj) for urn, obj in kubernetes_objects(plan.registrations) if urn in owned]


def schema_errors(obj: dict) -> list[str]:
    """Strict validation; YugabyteDB's published schema omits the implicit root fields, which
    tools.kubernetes.validation adds back exactly as the API server accepts them."""
    return validate_object(obj)


@pytest.mark.parametrize("stack", ["lagos", "frankfurt"])
def test_every_engine_object_validates(stack, lagos_plan, frankfurt_plan):
    plan = {"lagos": lagos_plan, "frankfurt": frankfurt_plan}[stack]
    objects = engine_objects(plan)
    kinds = {o["kind"] for _, o in objects}
    assert {"Namespace", "Secret", "NetworkPolicy"} <= kinds
    failures = {urn: schema_errors(obj) for urn, obj in objects}
    assert {urn: e for urn, e in failures.items() if e} == {}


def test_shipped_stacks_cover_all_six_engines(lagos_plan, frankfurt_plan):
    kinds = {o["kind"] for plan in (lagos_plan, frankfurt_plan) for _, o in engine_objects(plan)}
    assert {"YBUniverse", "VitessCluster", "ScyllaCluster", "Dragonfly", "AerospikeCluster", "PerconaServerMongoDB"} <= kinds


def test_operators_installed_once_per_region_pinned(lagos_plan):
    releases = {r.inputs["name"]: r.inputs for r in resources(lagos_plan, "kubernetes:helm.sh/v3:Release")
                if "engines-" in r.urn}
    # cert-manager belongs to the PoP baseline, installed exactly once per cluster
    assert set(releases) == {"yugaware", "scylla-operator", "scylla-manager",
                             "dragonfly-operator", "aerospike-kubernetes-operator", "psmdb-operator"}
    # vitess-operator: no chart; its vendored install (tests/conformance/test_vendored_artifacts.py)
    assert releases["psmdb-operator"]["namespace"] == "psmdb-operator"
    assert releases["psmdb-operator"]["version"] == "1.21.3"
    assert releases["psmdb-operator"]["repositoryOpts"] == {"repo": "https://percona.github.io/percona-helm-charts/"}
    assert releases["dragonfly-operator"]["chart"] == "oci://ghcr.io/dragonflydb/dragonfly-operator/helm/dragonfly-operator"
    assert "repositoryOpts" not in releases["dragonfly-operator"]
    all_releases = [r.inputs["name"] for r in resources(lagos_plan, "kubernetes:helm.sh/v3:Release")]
    assert all_releases.count("cert-manager") == 1
    namespaces = [r.inputs["metadata"]["name"] for r in resources(lagos_plan, "kubernetes:core/v1:Namespace")]
    assert sorted(n for n in set(namespaces) if namespaces.count(n) > 1) == []


def test_mongodb_sizing_backups_and_pitr(lagos_plan):
    psmdb = one(lagos_plan, "kubernetes:psmdb.percona.com/v1:PerconaServerMongoDB", "kudi-pay").inputs
    assert psmdb["metadata"] == {"name": "wallets-mongodb", "namespace": "t-kudi-pay", "labels": psmdb["metadata"]["labels"]}
    rs = psmdb["spec"]["replsets"][0]
    assert (rs["size"], rs["serviceAccountName"]) == (3, "tenant-workload")
    assert rs["resources"] == {"requests": {"cpu": "4", "memory": "16Gi"}, "limits": {"cpu": "8", "memory": "32Gi"}}
    assert rs["volumeSpec"]["persistentVolumeClaim"]["resources"] == {"requests": {"storage": "250Gi"}}
    assert rs["volumeSpec"]["persistentVolumeClaim"]["storageClassName"] == "dbaas-nvme-retained"
    backup = psmdb["spec"]["backup"]
    assert psmdb["spec"]["enableVolumeExpansion"] is True  # storage_gb growth resizes the PVCs
    assert list(backup["storages"]) == ["s3-wallets"]  # named after the service: restores find it by that name
    s3 = backup["storages"]["s3-wallets"]["s3"]
    assert s3["bucket"].startswith("dbaas-kudi-pay-") and s3["prefix"] == "mongodb/wallets"
    assert s3["serverSideEncryption"]["sseAlgorithm"] == "aws:kms"
    assert s3["serverSideEncryption"]["kmsKeyID"].startswith("arn:aws:kms:af-south-1:111122223333:key/")
    assert backup["pitr"]["enabled"] is True
    assert backup["tasks"][0]["schedule"] == "15 1 * * *"
    assert backup["tasks"][0]["retention"] == {"type": "count", "count": 90, "deleteFromStorage": True}


def test_mongodb_runs_the_pinned_operator_and_raises_the_fcv_after_an_upgrade(lagos_plan):
    """psmdb-operator chart 1.21.3 runs operator 1.21.2: `crVersion` names it, PBM is its release's 2.11.0, and
    `setFCV` makes it raise featureCompatibilityVersion once every pod runs a new major (psmdb v1.21.2
    psmdb_controller.go:1018-1047); without it the next major upgrade is refused by mongod."""
    spec = one(lagos_plan, "kubernetes:psmdb.percona.com/v1:PerconaServerMongoDB", "kudi-pay").inputs["spec"]
    assert spec["crVersion"] == "1.21.2"
    assert spec["upgradeOptions"] == {"apply": "disabled", "setFCV": True}
    assert spec["backup"]["image"] == "percona/percona-backup-mongodb:2.11.0"
    # `retention` is honoured from crVersion 1.21.0 on (psmdb v1.21.2 psmdb_types.go GetRetention)
    [task] = spec["backup"]["tasks"]
    assert task["retention"] == {"type": "count", "count": task["retention"]["count"], "deleteFromStorage": True}


def test_scylla_interval_retention_and_racks(frankfurt_plan):
    spec = one(frankfurt_plan, "kubernetes:scylla.scylladb.com/v1:ScyllaCluster", "hanse-ledger").inputs["spec"]
    assert [(r["name"], r["members"]) for r in spec["datacenter"]["racks"]] == [("a", 1), ("b", 1), ("c", 1)]
    assert spec["datacenter"]["racks"][0]["storage"] == {"capacity": "800Gi", "storageClassName": "dbaas-gp3-retained"}
    task = spec["backups"][0]
    assert (task["interval"], task["startDate"], task["retention"]) == ("24h", "2025-01-06T02:00:00Z", 365)
    assert task["location"][0].startswith("s3:dbaas-hanse-ledger-")


def test_yugabyte_schedule_pitr_and_retention(lagos_plan):
    sched = one(lagos_plan, "kubernetes:operator.yugabyte.io/v1alpha1:BackupSchedule", "acme").inputs["spec"]
    assert sched["cronExpression"] == "0 2 * * *"
    assert sched["timeBeforeDelete"] == 30 * 86_400_000
    assert sched["enablePointInTimeRestore"] is True and sched["incrementalBackupFrequency"] == 3_600_000
    universe = one(lagos_plan, "kubernetes:operator.yugabyte.io/v1alpha1:YBUniverse", "acme").inputs["spec"]
    assert (universe["numNodes"], universe["replicationFactor"]) == (3, 3)
    assert universe["deviceInfo"]["volumeSize"] == 100
    assert universe["enableNodeToNodeEncrypt"] and universe["enableClientToNodeEncrypt"]


def test_secrets_never_in_clear(lagos_plan, frankfurt_plan):
    for plan in (lagos_plan, frankfurt_plan):
        text = plan.to_json_text()
        assert "offline-" not in text  # the mock's password results all start with "offline-"
        for _, obj in engine_objects(plan):
            if obj["kind"] == "Secret":
                assert obj["stringData"] == "[secret]"


def test_protected_tenants_instances_are_protected(lagos_plan):
    acme = one(lagos_plan, "kubernetes:operator.yugabyte.io/v1alpha1:YBUniverse", "acme")
    assert (acme.protect, acme.retain_on_delete) == (True, True)
    naija = one(lagos_plan, "kubernetes:scylla.scylladb.com/v1:ScyllaCluster", "naija-stream")
    assert (naija.protect, naija.retain_on_delete) == (False, False)
    schedule = one(lagos_plan, "kubernetes:operator.yugabyte.io/v1alpha1:BackupSchedule", "acme")
    assert schedule.protect is False
