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
from tools.k8s_validation import kubernetes_objects, validate_object
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
     restore_from: {service: kv, backup: kv-aerospike-full/backup/1732060800000/data/kv}}
  - {name: cache, engine: dragonfly, version: "1.25", topology: single, replicas: 1, storage_gb: 10,
     backups: {schedule: "0 * * * *", retention_days: 3}}
  - {name: cache-clone, engine: dragonfly, version: "1.25", topology: single, replicas: 1, storage_gb: 10,
     restore_from: {service: cache}}
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
            "Job"} <= kinds
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
                 and r.type.startswith("kubernetes:") and "batch/v1" not in r.type]
    assert sorted(r.name for r in one_shots) == [
        "shop.docs-clone.restore", "shop.docs-clone.restore-seed", "shop.docs-pitr.restore",
        "shop.docs.op-pre-upgrade-backup", "shop.kv-named.restore", "shop.ledger-clone.restore", "shop.ledger-clone.restore-seed",
        "shop.ledger-named.restore"]
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
                "credentials": {"user": "admin", "secret-file": "/etc/aerospike/credentials/password"},
                "seed-nodes": [{"host-name": "kv-named-aerospike.t-shop.svc.cluster.local", "port": 4333,
                                "tls-name": "kv-named-aerospike"}],
            },
            "source": {"s3-storage": {"bucket": bucket, "path": "aerospike/kv", "s3-region": "af-south-1"}},
            "backup-data-path": "kv-aerospike-full/backup/1732060800000/data/kv",
            "policy": {"parallel": 4},
        },
    }
    # The restoring instance has no backups of its own, but gets the backup service the restore runs through.
    one(plan, "kubernetes:asdb.aerospike.com/v1beta1:AerospikeBackupService", "shop", "shop.kv-named.backup-service")
    assert [r.name for r in resources(plan, "kubernetes:asdb.aerospike.com/v1beta1:AerospikeBackup", "shop")] == [
        "shop.kv.backup"]


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
