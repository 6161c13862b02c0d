"""Restore, point-in-time restore, clone and on-demand backups, built from one inline tenant through the
offline runner: every object validates strictly against its schema, points at the source's backups under the
tenant's own bucket and key, and is awaited so that a failure fails the `pulumi up`."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from components.engines.dragonfly import restore_copy_script
from components.engines.scylla import restore_script
from components.engines.vitess import restore_copy_script as vitess_copy_script
from tools.kubernetes.validation import kubernetes_objects, validate_object
from tests.conftest import one, plan_with_tenants, resources

SHOP = """\
id: shop
name: Shop
org: shop
plan: enterprise
data_region: lagos
owners: [shop-admins]
data_classes: [operational]
services:
  - {name: docs, engine: mongodb, version: "7.0", topology: single, replicas: 1, storage_gb: 50,
     backups: {schedule: "0 2 * * *", retention_days: 30}, operations: [{id: pre-upgrade, action: backup}]}
  - {name: docs-clone, engine: mongodb, version: "7.0", topology: single, replicas: 1, storage_gb: 50,
     restore_from: {service: docs}}
  - {name: docs-pitr, engine: mongodb, version: "8.0", topology: single, replicas: 1, storage_gb: 80,
     restore_from: {service: docs, backup: "2026-11-20T02:00:21Z", point_in_time: "2026-11-20T10:15:00Z"}}
  - {name: ledger, engine: yugabyte, version: "2024.1", topology: single, replicas: 1, storage_gb: 50,
     backups: {schedule: "0 2 * * *", retention_days: 30}}
  - {name: ledger-clone, engine: yugabyte, version: "2024.1", topology: single, replicas: 1, storage_gb: 50,
     restore_from: {service: ledger}}
  - {name: ledger-named, engine: yugabyte, version: "2024.2", topology: single, replicas: 1, storage_gb: 50,
     restore_from: {service: ledger, backup: ledger-yugabyte-nightly}}
  - {name: kv, engine: aerospike, version: "7.1", topology: single, replicas: 1, storage_gb: 50,
     backups: {schedule: "0 2 * * *", retention_days: 30}}
  - {name: kv-named, engine: aerospike, version: "7.1", topology: single, replicas: 1, storage_gb: 50,
     restore_from: {service: kv, backup: t-shop-kv-aerospike-backup-full/backup/1732060800000/data/kv}}
  - {name: kv-clone, engine: aerospike, version: "7.2", topology: single, replicas: 1, storage_gb: 50,
     restore_from: {service: kv}}
  - {name: cache, engine: dragonfly, version: "1.25", topology: single, replicas: 1, storage_gb: 10,
     backups: {schedule: "0 * * * *", retention_days: 3}}
  - {name: cache-clone, engine: dragonfly, version: "1.25", topology: single, replicas: 1, storage_gb: 10,
     restore_from: {service: cache}}
  - {name: wide, engine: scylla, version: "6.1", topology: single, replicas: 1, storage_gb: 50,
     backups: {schedule: "0 2 * * *", retention_days: 30}}
  - {name: wide-clone, engine: scylla, version: "6.1", topology: single, replicas: 1, storage_gb: 50,
     restore_from: {service: wide}}
  - {name: wide-named, engine: scylla, version: "6.2", topology: single, replicas: 1, storage_gb: 80,
     restore_from: {service: wide, backup: sm_20261120020000UTC}}
  - {name: sql, engine: vitess, version: "23.0", topology: single, replicas: 1, storage_gb: 50,
     backups: {schedule: "0 2 * * *", retention_days: 30}}
  - {name: sql-clone, engine: vitess, version: "23.0", topology: single, replicas: 1, storage_gb: 50,
     restore_from: {service: sql}}
  - {name: sql-named, engine: vitess, version: "24.0", topology: single, replicas: 1, storage_gb: 80,
     restore_from: {service: sql, backup: 2026-11-20.020000.zone1-0000000101}}
"""
AWAITED = "21600"
"""pulumi.com/timeoutSeconds of every one-shot object: six hours (ONE_SHOT_DEADLINE_SECONDS)."""


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    tree = tmp_path_factory.mktemp("shop") / "tenants"
    (tree / "lagos").mkdir(parents=True)
    (tree / "lagos" / "shop.yaml").write_text(SHOP, encoding="utf-8")
    return plan_with_tenants("lagos", tree)


@pytest.fixture(scope="module")
def bucket(plan) -> str:
    return one(plan, "aws:s3/bucket:Bucket", "shop").inputs["bucket"]


def _spec(plan, kind_type: str, name: str) -> dict:
    return one(plan, kind_type, "shop", name).inputs


def test_every_object_of_the_tenant_validates_strictly(plan):
    owner = plan.tenant_of()
    objects = [(urn, obj) for urn, obj in kubernetes_objects(plan.registrations) if owner.get(urn) == "shop"]
    kinds = {obj["kind"] for _, obj in objects}
    assert {"PerconaServerMongoDBRestore", "PerconaServerMongoDBBackup", "RestoreJob", "Backup", "AerospikeRestore",
            "Job", "ServiceAccount", "NetworkPolicy", "VitessCluster", "ScyllaCluster"} <= kinds
    assert {urn: validate_object(obj) for urn, obj in objects if validate_object(obj)} == {}


def test_mongodb_clone_restores_a_fresh_backup_of_the_source_through_its_storage(plan, bucket):
    seed = _spec(plan, "kubernetes:psmdb.percona.com/v1:PerconaServerMongoDBBackup", "shop.docs-clone.restore-seed")
    assert seed["metadata"]["name"] == "docs-clone-mongodb-seed"
    assert seed["metadata"]["annotations"] == {"pulumi.com/waitFor": "jsonpath={.status.state}=ready",
                                               "pulumi.com/timeoutSeconds": AWAITED}
    assert seed["spec"] == {"clusterName": "docs-mongodb", "storageName": "s3-docs", "type": "physical"}
    restore = _spec(plan, "kubernetes:psmdb.percona.com/v1:PerconaServerMongoDBRestore", "shop.docs-clone.restore")
    assert restore["metadata"]["annotations"] == seed["metadata"]["annotations"]
    assert restore["spec"] == {"clusterName": "docs-clone-mongodb", "backupName": "docs-clone-mongodb-seed"}
    target = _spec(plan, "kubernetes:psmdb.percona.com/v1:PerconaServerMongoDB", "shop.docs-clone.psmdb")
    storages = target["spec"]["backup"]["storages"]
    source = _spec(plan, "kubernetes:psmdb.percona.com/v1:PerconaServerMongoDB", "shop.docs.psmdb")
    assert storages["s3-docs"] == {"type": "s3", "s3": source["spec"]["backup"]["storages"]["s3-docs"]["s3"]}
    assert storages["s3-docs"]["s3"]["bucket"] == bucket and storages["s3-docs"]["s3"]["prefix"] == "mongodb/docs"
    assert storages["s3-docs-clone"]["main"] is True and storages["s3-docs-clone"]["s3"]["prefix"] == "mongodb/docs-clone"


def test_mongodb_point_in_time_restore_reads_the_named_base_at_the_source_prefix(plan, bucket):
    restore = _spec(plan, "kubernetes:psmdb.percona.com/v1:PerconaServerMongoDBRestore", "shop.docs-pitr.restore")
    source_s3 = _spec(plan, "kubernetes:psmdb.percona.com/v1:PerconaServerMongoDB",
                      "shop.docs.psmdb")["spec"]["backup"]["storages"]["s3-docs"]["s3"]
    assert restore["spec"] == {
        "clusterName": "docs-pitr-mongodb",
        "backupSource": {"type": "physical", "destination": f"s3://{bucket}/mongodb/docs/2026-11-20T02:00:21Z",
                         "s3": source_s3},
        "pitr": {"type": "date", "date": "2026-11-20 10:15:00"},
    }
    assert source_s3["serverSideEncryption"]["kmsKeyID"].startswith("arn:aws:kms:af-south-1:111122223333:key/")


def test_one_shot_objects_are_retained_when_their_entry_goes(plan):
    """Removing an operation (or a restored service's marker) must not make the operator delete a backup."""
    one_shots = [r for r in plan.registrations if r.name.endswith((".restore", ".restore-seed", ".op-pre-upgrade-backup"))
                 and r.type.startswith("kubernetes:")]
    assert sorted((r.name, r.type.split(":")[1]) for r in one_shots) == [
        ("shop.cache-clone.restore", "batch/v1"),
        ("shop.docs-clone.restore", "psmdb.percona.com/v1"), ("shop.docs-clone.restore-seed", "psmdb.percona.com/v1"),
        ("shop.docs-pitr.restore", "psmdb.percona.com/v1"), ("shop.docs.op-pre-upgrade-backup", "psmdb.percona.com/v1"),
        ("shop.kv-clone.restore", "asdb.aerospike.com/v1beta1"), ("shop.kv-named.restore", "asdb.aerospike.com/v1beta1"),
        ("shop.ledger-clone.restore", "operator.yugabyte.io/v1alpha1"),
        ("shop.ledger-clone.restore-seed", "operator.yugabyte.io/v1alpha1"),
        ("shop.ledger-named.restore", "operator.yugabyte.io/v1alpha1"),
        ("shop.sql-clone.restore", "batch/v1"), ("shop.sql-named.restore", "batch/v1"),
        ("shop.wide-clone.restore", "batch/v1"), ("shop.wide-named.restore", "batch/v1")]
    assert all(r.retain_on_delete for r in one_shots)


def test_backup_operation_is_one_awaited_object_named_after_its_id(plan):
    backup = _spec(plan, "kubernetes:psmdb.percona.com/v1:PerconaServerMongoDBBackup", "shop.docs.op-pre-upgrade-backup")
    assert backup["metadata"]["name"] == "docs-mongodb-op-pre-upgrade"
    assert backup["metadata"]["annotations"]["pulumi.com/waitFor"] == "jsonpath={.status.state}=ready"
    assert backup["spec"] == {"clusterName": "docs-mongodb", "storageName": "s3-docs", "type": "physical"}


def test_yugabyte_clone_and_named_restore_are_restore_jobs(plan):
    seed = _spec(plan, "kubernetes:operator.yugabyte.io/v1alpha1:Backup", "shop.ledger-clone.restore-seed")
    assert seed["spec"] == {"backupType": "PGSQL_TABLE_TYPE", "storageConfig": "ledger-yugabyte-s3",
                            "universe": "ledger-yugabyte", "keyspace": "yugabyte", "sse": True}
    clone = _spec(plan, "kubernetes:operator.yugabyte.io/v1alpha1:RestoreJob", "shop.ledger-clone.restore")
    assert clone["spec"] == {"actionType": "RESTORE", "universe": "ledger-clone-yugabyte",
                             "backup": "ledger-clone-yugabyte-seed", "keyspace": "yugabyte"}
    assert clone["metadata"]["annotations"] == {"pulumi.com/waitFor": "jsonpath={.status.resourceUUID}",
                                                "pulumi.com/timeoutSeconds": AWAITED}
    named = _spec(plan, "kubernetes:operator.yugabyte.io/v1alpha1:RestoreJob", "shop.ledger-named.restore")
    assert named["spec"]["backup"] == "ledger-yugabyte-nightly"


def test_aerospike_restore_goes_through_the_new_instances_backup_service(plan, bucket):
    restore = _spec(plan, "kubernetes:asdb.aerospike.com/v1beta1:AerospikeRestore", "shop.kv-named.restore")
    assert restore["metadata"]["annotations"]["pulumi.com/waitFor"] == "jsonpath={.status.phase}=Completed"
    assert restore["spec"] == {
        "backupService": {"name": "kv-named-aerospike-backup", "namespace": "t-shop"},
        "type": "Full",
        "config": {
            "destination": {
                "credentials": {"user": "admin", "password-path": "/etc/aerospike/credentials/password"},
                "seed-nodes": [{"host-name": "kv-named-aerospike.t-shop.svc.cluster.local", "port": 4333,
                                "tls-name": "kv-named-aerospike"}],
            },
            "source": {"s3-storage": {"bucket": bucket, "path": "aerospike/kv", "s3-region": "af-south-1"}},
            "backup-data-path": "t-shop-kv-aerospike-backup-full/backup/1732060800000/data/kv",
            # The backup holds the source's namespace (named after its service); the new cluster's is "kv-named".
            "policy": {"parallel": 4, "namespace": {"source": "kv", "destination": "kv-named"}},
        },
    }
    # The restoring instance has no backups of its own, but gets the backup service the restore runs through.
    one(plan, "kubernetes:asdb.aerospike.com/v1beta1:AerospikeBackupService", "shop", "shop.kv-named.backup-service")
    assert [r.name for r in resources(plan, "kubernetes:asdb.aerospike.com/v1beta1:AerospikeBackup", "shop")] == [
        "shop.kv.backup"]


def test_aerospike_clone_is_a_timestamp_restore_through_the_sources_backup_service(plan, bucket):
    """Only the source's backup service knows the source's routine; it mounts the clone's credentials for it."""
    restore = one(plan, "kubernetes:asdb.aerospike.com/v1beta1:AerospikeRestore", "shop", "shop.kv-clone.restore")
    assert restore.inputs["metadata"]["name"] == "kv-clone-aerospike-restore"
    assert restore.inputs["spec"] == {
        "backupService": {"name": "kv-aerospike-backup", "namespace": "t-shop"},
        "type": "Timestamp",
        "config": {
            "destination": {
                "credentials": {"user": "admin",
                                "password-path": "/etc/aerospike/restore-targets/kv-clone-aerospike/password"},
                "seed-nodes": [{"host-name": "kv-clone-aerospike.t-shop.svc.cluster.local", "port": 4333,
                                "tls-name": "kv-clone-aerospike"}],
            },
            "policy": {"parallel": 4, "namespace": {"source": "kv", "destination": "kv-clone"}},
            "routine": "t-shop-kv-aerospike-backup-full",
            "time": 4102444800000,  # 2100-01-01T00:00:00Z: the newest full backup before it is the latest
        },
    }
    service = _spec(plan, "kubernetes:asdb.aerospike.com/v1beta1:AerospikeBackupService", "shop.kv.backup-service")
    # The routine reads the source's backups: the tenant bucket, under the source's prefix.
    assert service["spec"]["config"]["storage"] == {"tenant-s3": {"s3-storage": {
        "bucket": bucket, "path": "aerospike/kv", "s3-region": "af-south-1"}}}
    routine = _spec(plan, "kubernetes:asdb.aerospike.com/v1beta1:AerospikeBackup", "shop.kv.backup")["spec"]["config"][
        "backup-routines"]["t-shop-kv-aerospike-backup-full"]
    assert routine["storage"] == "tenant-s3"
    assert service["spec"]["secrets"] == [
        {"secretName": "kv-aerospike-credentials",
         "volumeMount": {"name": "credentials", "mountPath": "/etc/aerospike/credentials", "readOnly": True}},
        {"secretName": "kv-clone-aerospike-credentials",
         "volumeMount": {"name": "restore-kv-clone-aerospike", "mountPath": "/etc/aerospike/restore-targets/kv-clone-aerospike",
                         "readOnly": True}}]
    # The restore waits for the source instance (the SDK expands it to its children, so the backup service with
    # the mount) and for the new cluster.
    source_service = one(plan, "kubernetes:asdb.aerospike.com/v1beta1:AerospikeBackupService", "shop",
                         "shop.kv.backup-service")
    cluster = one(plan, "kubernetes:asdb.aerospike.com/v1:AerospikeCluster", "shop", "shop.kv-clone.aerospikecluster")
    assert {source_service.urn, cluster.urn} <= set(restore.dependencies)
    # A clone needs no backup service of its own.
    assert sorted(r.name for r in resources(plan, "kubernetes:asdb.aerospike.com/v1beta1:AerospikeBackupService",
                                            "shop")) == ["shop.kv-named.backup-service", "shop.kv.backup-service"]


def test_aerospike_backup_names_carry_the_prefix_akos_webhook_requires(plan):
    """AKO 4.5.0 refuses an AerospikeBackup whose cluster or routine names do not start with
    `<namespace>-<name>` (internal/webhook/v1beta1/aerospikebackup_webhook.go validateName)."""
    backup = _spec(plan, "kubernetes:asdb.aerospike.com/v1beta1:AerospikeBackup", "shop.kv.backup")
    prefix = f"{backup['metadata']['namespace']}-{backup['metadata']['name']}"
    config = backup["spec"]["config"]
    assert list(config["aerospike-cluster"]) == [f"{prefix}-cluster"] == ["t-shop-kv-aerospike-backup-cluster"]
    assert list(config["backup-routines"]) == [f"{prefix}-full"]
    assert config["backup-routines"][f"{prefix}-full"]["source-cluster"] == f"{prefix}-cluster"
    assert config["aerospike-cluster"][f"{prefix}-cluster"]["credentials"] == {
        "user": "admin", "password-path": "/etc/aerospike/credentials/password"}


def test_aerospike_storage_changes_go_through_a_rack_revision(plan):
    cluster = _spec(plan, "kubernetes:asdb.aerospike.com/v1:AerospikeCluster", "shop.kv.aerospikecluster")
    assert cluster["spec"]["rackConfig"] == {"racks": [{"id": 1, "revision": "50g"}]}


def test_dragonfly_clone_copies_the_snapshot_before_the_instance_starts(plan, bucket):
    job = one(plan, "kubernetes:batch/v1:Job", "shop", "shop.cache-clone.restore")
    assert job.inputs["metadata"]["annotations"] == {"pulumi.com/timeoutSeconds": AWAITED}
    container = job.inputs["spec"]["template"]["spec"]["containers"][0]
    assert container["env"] == [{"name": "BUCKET", "value": bucket}, {"name": "HOME", "value": "/tmp"}]
    assert container["command"] == ["sh", "-c", restore_copy_script(
        "cache-dragonfly", "cache-clone-dragonfly", "dragonfly/cache", "dragonfly/cache-clone", "latest")]
    assert job.inputs["spec"]["template"]["spec"]["serviceAccountName"] == "tenant-workload"
    dragonfly = one(plan, "kubernetes:dragonflydb.io/v1alpha1:Dragonfly", "shop", "shop.cache-clone.dragonfly")
    assert job.urn in dragonfly.dependencies


FAKE_AWS = """#!/bin/sh
# ls prints what `aws s3 ls` prints; cp records its arguments.
case "$2" in
  ls) printf '%s\\n' "2026-11-20 02:00:00 10 cache-dragonfly-2026-11-20T02:00:00-summary.dfs" \\
        "2026-11-20 02:00:00 10 cache-dragonfly-2026-11-20T02:00:00-0000.dfs" \\
        "2026-11-20 03:00:00 10 cache-dragonfly-2026-11-20T03:00:00-summary.dfs" \\
        "2026-11-20 03:00:00 10 cache-dragonfly-2026-11-20T03:00:00-0000.dfs" \\
        "2026-11-20 03:00:00 10 other-dragonfly-2026-11-21T00:00:00-summary.dfs" ;;
  cp) echo "$4 $5" >> "$COPIED" ;;
esac
"""


@pytest.mark.parametrize(("backup", "copied"), [
    ("latest", ["2026-11-20T03:00:00-summary.dfs", "2026-11-20T03:00:00-0000.dfs"]),
    ("2026-11-20T02:00:00", ["2026-11-20T02:00:00-summary.dfs", "2026-11-20T02:00:00-0000.dfs"]),
    ("2026-11-19T00:00:00", None),
])
def test_dragonfly_copy_script_picks_the_snapshot_and_renames_it(tmp_path: Path, backup, copied):
    aws = tmp_path / "aws"
    aws.write_text(FAKE_AWS)
    aws.chmod(aws.stat().st_mode | stat.S_IEXEC)
    log = tmp_path / "copied"
    script = restore_copy_script("cache-dragonfly", "cache-clone-dragonfly", "dragonfly/cache",
                                 "dragonfly/cache-clone", backup)
    env = {"PATH": f"{tmp_path}:{os.environ['PATH']}", "BUCKET": "dbaas-shop-1", "COPIED": str(log)}
    result = subprocess.run(["sh", "-c", script], env=env, capture_output=True, text=True)
    if copied is None:
        assert result.returncode == 1
        assert result.stderr == ("snapshot 2026-11-19T00:00:00 of cache-dragonfly not found under "
                                 "s3://dbaas-shop-1/dragonfly/cache/\n")
        return
    assert result.returncode == 0, result.stderr
    assert log.read_text().splitlines() == [
        f"s3://dbaas-shop-1/dragonfly/cache/cache-dragonfly-{name} "
        f"s3://dbaas-shop-1/dragonfly/cache-clone/cache-clone-dragonfly-{name}" for name in copied]


# --- ScyllaDB: `sctool restore` from a Job in Scylla Manager's namespace. ---

def test_scylla_restore_is_a_job_in_the_managers_namespace_naming_only_this_tenants_clusters(plan, bucket):
    job = one(plan, "kubernetes:batch/v1:Job", "shop", "shop.wide-clone.restore")
    name = "t-shop-wide-clone-scylla-restore"
    assert (job.inputs["metadata"]["name"], job.inputs["metadata"]["namespace"]) == (name, "scylla-manager")
    assert job.inputs["metadata"]["annotations"] == {"pulumi.com/timeoutSeconds": AWAITED}
    pod = job.inputs["spec"]["template"]["spec"]
    assert (pod["serviceAccountName"], pod["automountServiceAccountToken"]) == (name, False)
    assert "volumes" not in pod  # no tenant CA, no tenant Secret: the Job talks to the manager only
    container = pod["containers"][0]
    assert container["image"] == ("docker.io/scylladb/scylla-manager:3.4.0"
                                  "@sha256:6424c36929b39ef4e679ee7d61578b1070e28c186b23b278147fde8e391d9db1")
    assert container["command"] == ["sh", "-c", restore_script("latest")]
    assert container["env"] == [
        {"name": "SCYLLA_MANAGER_API_URL", "value": "http://scylla-manager.scylla-manager.svc/api/v1"},
        {"name": "SOURCE_CLUSTER", "value": "t-shop/wide-scylla"},
        {"name": "TARGET_CLUSTER", "value": "t-shop/wide-clone-scylla"},
        {"name": "LOCATION", "value": f"s3:{bucket}"},
        {"name": "HOME", "value": "/tmp"},
    ]
    named = one(plan, "kubernetes:batch/v1:Job", "shop", "shop.wide-named.restore")
    assert named.inputs["spec"]["template"]["spec"]["containers"][0]["command"] == [
        "sh", "-c", restore_script("sm_20261120020000UTC")]
    account = one(plan, "kubernetes:core/v1:ServiceAccount", "shop", "shop.wide-clone.restore-sa")
    assert (account.inputs["metadata"]["namespace"], account.inputs["automountServiceAccountToken"]) == (
        "scylla-manager", False)
    policy = one(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "shop", "shop.wide-clone.restore-netpol")
    assert policy.inputs["spec"] == {
        "podSelector": {"matchLabels": {"batch.kubernetes.io/job-name": name}},
        "policyTypes": ["Egress"],
        "egress": [
            {"to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "scylla-manager",
                                                     "app.kubernetes.io/instance": "scylla-manager"}}}],
             "ports": [{"protocol": "TCP", "port": 5080}]},
            {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                     "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
             "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]},
        ],
    }
    cluster = one(plan, "kubernetes:scylla.scylladb.com/v1:ScyllaCluster", "shop", "shop.wide-clone.scyllacluster")
    assert {cluster.urn, account.urn, policy.urn} <= set(job.dependencies)


FAKE_SCTOOL = """#!/bin/sh
# Records every call; answers like sctool 3.4 (pkg/managerclient table.go templates, progress "Status:").
echo "$*" >> "$CALLS"
case "$1" in
  status) exit 0 ;;
  backup)
    case "$*" in
      *--all-clusters*) printf '%s\\n' "Cluster: 11111111-aaaa" "" "backup/t1" "Snapshots:" \\
          "  - sm_20261120020000UTC (1GiB, 1 nodes)" "  - sm_20261121020000UTC (1GiB, 1 nodes)" "Keyspaces:" \\
          "  - shop (2 tables)" "" "Cluster: 22222222-bbbb" "" "backup/t2" "Snapshots:" \\
          "  - sm_20261120020000UTC (5GiB, 1 nodes)" "Keyspaces:" "  - other (1 tables)" ;;
      *) printf '%s\\n' "backup/t1" "Snapshots:" "  - sm_20261121020000UTC (1GiB, 1 nodes)" \\
          "  - sm_20261120020000UTC (1GiB, 1 nodes)" "Keyspaces:" "  - shop (2 tables)" ;;
    esac ;;
  restore) echo "restore/task-$5" ;;
  progress) printf 'Restore progress\\nRun:\\t\\tr1\\nStatus:\\t\\t%s\\n' "${STATUS:-DONE}" ;;
esac
"""


def _run_scylla(tmp_path: Path, backup: str, status: str = "DONE"):
    tool = tmp_path / "sctool"
    tool.write_text(FAKE_SCTOOL)
    tool.chmod(tool.stat().st_mode | stat.S_IEXEC)
    calls = tmp_path / "calls"
    env = {"PATH": f"{tmp_path}:{os.environ['PATH']}", "CALLS": str(calls), "STATUS": status,
           "SOURCE_CLUSTER": "t-shop/wide-scylla", "TARGET_CLUSTER": "t-shop/wide-clone-scylla",
           "LOCATION": "s3:dbaas-shop-1"}
    result = subprocess.run(["sh", "-c", restore_script(backup)], env=env, capture_output=True, text=True, timeout=20)
    return result, (calls.read_text().splitlines() if calls.exists() else [])


def test_scylla_script_restores_the_sources_latest_snapshot_schema_then_tables(tmp_path):
    result, calls = _run_scylla(tmp_path, "latest")
    assert result.returncode == 0, result.stderr
    assert calls == [
        "status -c t-shop/wide-clone-scylla",
        "backup list -c t-shop/wide-scylla -L s3:dbaas-shop-1",
        "backup list -c t-shop/wide-scylla --all-clusters -L s3:dbaas-shop-1",
        "restore -c t-shop/wide-clone-scylla -L s3:dbaas-shop-1 -T sm_20261121020000UTC --restore-schema",
        "progress -c t-shop/wide-clone-scylla restore/task-s3:dbaas-shop-1",
        "restore -c t-shop/wide-clone-scylla -L s3:dbaas-shop-1 -T sm_20261121020000UTC --restore-tables",
        "progress -c t-shop/wide-clone-scylla restore/task-s3:dbaas-shop-1",
    ]


@pytest.mark.parametrize(("backup", "status", "stderr"), [
    ("sm_20261119020000UTC", "DONE",
     "snapshot sm_20261119020000UTC of t-shop/wide-scylla not found under s3:dbaas-shop-1\n"),
    ("sm_20261120020000UTC", "DONE",
     "snapshot sm_20261120020000UTC is in s3:dbaas-shop-1 for 2 clusters; Scylla Manager would restore all of them: "
     "name a snapshot only t-shop/wide-scylla has\n"),
    ("latest", "DONE - restart required (see restore docs)",
     "--restore-schema of sm_20261121020000UTC into t-shop/wide-clone-scylla ended: DONE - restart required (see "
     "restore docs) (sctool progress -c t-shop/wide-clone-scylla restore/task-s3:dbaas-shop-1)\n"),
    ("latest", "ERROR", "--restore-schema of sm_20261121020000UTC into t-shop/wide-clone-scylla ended: ERROR "
                        "(sctool progress -c t-shop/wide-clone-scylla restore/task-s3:dbaas-shop-1)\n"),
])
def test_scylla_script_fails_the_job_rather_than_restore_the_wrong_data(tmp_path, backup, status, stderr):
    result, calls = _run_scylla(tmp_path, backup, status)
    assert (result.returncode, result.stderr) == (1, stderr)
    assert not any("--restore-tables" in call for call in calls)


# --- Vitess: the chosen backup copied into the new cluster's shard directory before its tablets start. ---

def test_vitess_clone_copies_the_backup_where_the_new_tablets_restore_from(plan, bucket):
    job = one(plan, "kubernetes:batch/v1:Job", "shop", "shop.sql-clone.restore")
    assert job.inputs["metadata"] == {**job.inputs["metadata"], "name": "sql-clone-vitess-restore", "namespace": "t-shop"}
    assert job.inputs["metadata"]["annotations"] == {"pulumi.com/timeoutSeconds": AWAITED}
    pod = job.inputs["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "tenant-workload"  # IRSA: the tenant role, this bucket and key only
    container = pod["containers"][0]
    assert container["image"] == "docker.io/amazon/aws-cli:2.22.35"
    assert container["env"] == [{"name": "BUCKET", "value": bucket}, {"name": "HOME", "value": "/tmp"}]
    assert container["command"] == ["sh", "-c", vitess_copy_script(
        "vitess/sql/sql-vitess/sql/-", "vitess/sql-clone/sql-clone-vitess/sql_clone/-", "sql-vitess", "latest")]
    cluster = one(plan, "kubernetes:planetscale.com/v2:VitessCluster", "shop", "shop.sql-clone.vitesscluster")
    assert job.urn in cluster.dependencies
    spec = cluster.inputs["spec"]
    # The target directory is where vitess-operator roots this cluster's backups: <keyPrefix>/<cluster>/<keyspace>/-.
    location = spec["backup"]["locations"][0]["s3"]
    keyspace = spec["keyspaces"][0]
    assert (location["bucket"], location["keyPrefix"], cluster.inputs["metadata"]["name"], keyspace["name"]) == (
        bucket, "vitess/sql-clone", "sql-clone-vitess", "sql_clone")
    assert keyspace["databaseName"] == "vt_sql"  # the source's data, under the new keyspace name
    source = one(plan, "kubernetes:planetscale.com/v2:VitessCluster", "shop", "shop.sql.vitesscluster")
    assert "databaseName" not in source.inputs["spec"]["keyspaces"][0]
    assert source.inputs["spec"]["backup"]["locations"][0]["s3"]["keyPrefix"] == "vitess/sql"
    named = one(plan, "kubernetes:batch/v1:Job", "shop", "shop.sql-named.restore")
    assert named.inputs["spec"]["template"]["spec"]["containers"][0]["command"] == ["sh", "-c", vitess_copy_script(
        "vitess/sql/sql-vitess/sql/-", "vitess/sql-named/sql-named-vitess/sql_named/-", "sql-vitess",
        "2026-11-20.020000.zone1-0000000101")]


FAKE_AWS_VITESS = """#!/bin/sh
case "$2" in
  ls) printf '%s\\n' \\
      "2026-11-20 02:00:09 900 vitess/sql/sql-vitess/sql/-/2026-11-20.020000.zone1-0000000101/MANIFEST" \\
      "2026-11-20 02:00:08 9000 vitess/sql/sql-vitess/sql/-/2026-11-20.020000.zone1-0000000101/0" \\
      "2026-11-21 02:00:09 900 vitess/sql/sql-vitess/sql/-/2026-11-21.020000.zone1-0000000101/MANIFEST" \\
      "2026-11-22 02:00:08 9000 vitess/sql/sql-vitess/sql/-/2026-11-22.020000.zone1-0000000101/0" ;;
  cp) echo "$*" >> "$COPIED" ;;
esac
"""


@pytest.mark.parametrize(("backup", "copied"), [
    ("latest", "2026-11-21.020000.zone1-0000000101"),  # the 22nd has no MANIFEST: incomplete, never restored
    ("2026-11-20.020000.zone1-0000000101", "2026-11-20.020000.zone1-0000000101"),
    ("2026-11-22.020000.zone1-0000000101", None),
])
def test_vitess_copy_script_copies_one_complete_backup(tmp_path: Path, backup, copied):
    aws = tmp_path / "aws"
    aws.write_text(FAKE_AWS_VITESS)
    aws.chmod(aws.stat().st_mode | stat.S_IEXEC)
    log = tmp_path / "copied"
    script = vitess_copy_script("vitess/sql/sql-vitess/sql/-", "vitess/sql-clone/sql-clone-vitess/sql_clone/-",
                                "sql-vitess", backup)
    env = {"PATH": f"{tmp_path}:{os.environ['PATH']}", "BUCKET": "dbaas-shop-1", "COPIED": str(log)}
    result = subprocess.run(["sh", "-c", script], env=env, capture_output=True, text=True)
    if copied is None:
        assert (result.returncode, result.stderr) == (1, (
            "backup 2026-11-22.020000.zone1-0000000101 of sql-vitess not found under "
            "s3://dbaas-shop-1/vitess/sql/sql-vitess/sql/-/\n"))
        assert not log.exists()
        return
    assert result.returncode == 0, result.stderr
    src, dst = "s3://dbaas-shop-1/vitess/sql/sql-vitess/sql/-", "s3://dbaas-shop-1/vitess/sql-clone/sql-clone-vitess/sql_clone/-"
    assert log.read_text().splitlines() == [  # the MANIFEST last, so a copy cut short is never a complete backup
        f"s3 cp --recursive --only-show-errors --exclude MANIFEST {src}/{copied}/ {dst}/{copied}/",
        f"s3 cp --only-show-errors {src}/{copied}/MANIFEST {dst}/{copied}/MANIFEST"]
