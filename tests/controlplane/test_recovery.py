"""Recovery of the control-plane database: the CloudNativePG Cluster created by `bootstrap.recovery` from an
earlier cluster's barman backups (and a point in time), from the platform stack config; located config errors; and
the diff's refusal of a recovery declared on the running cluster."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from declarations.errors import InputError
from tools.kubernetes.validation import kubernetes_objects, validate_object
from tools.offline.create_only import create_only_problems
from tools.offline.plan import build_plan
from declarations.stack_config import load_stack_file
from tests.conftest import PROJECT_DIR, shipped_plan

COMPONENT = "dbaas:controlplane:ControlPlaneDatabase"
CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster"
TARGET = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
RECOVERY_KEYS = (f"  dbaas-platform:controlPlaneDbClusterName: controlplane-pg-2\n"
                 f"  dbaas-platform:controlPlaneDbRecoverFrom: controlplane-pg\n"
                 f"  dbaas-platform:controlPlaneDbRecoveryTargetTime: \"{TARGET}\"\n")


def project(tmp_path: Path, extra_config: str) -> Path:
    """The project's config files, with `extra_config` lines added after the lagos stack's `config:` (line 7)."""
    shutil.copy(PROJECT_DIR / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    text = (PROJECT_DIR / "Pulumi.lagos.yaml").read_text()
    (tmp_path / "Pulumi.lagos.yaml").write_text(text.replace("config:\n", "config:\n" + extra_config, 1))
    (tmp_path / "tenants" / "lagos").mkdir(parents=True)
    return tmp_path


def problems(tmp_path: Path, extra_config: str) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_stack_file(project(tmp_path, extra_config), "lagos")
    return [str(p) for p in caught.value.problems]


@pytest.fixture(scope="module")
def recovered(tmp_path_factory):
    return build_plan("lagos", project(tmp_path_factory.mktemp("recovery"), RECOVERY_KEYS))


def _component(plan):
    return [r for r in plan.registrations if f"{COMPONENT}$" in r.urn or r.type == COMPONENT]


def _only(regs, type_: str):
    [found] = [r for r in regs if r.type == type_]
    return found


def test_the_new_cluster_recovers_from_the_old_ones_backups_to_the_target_time(recovered):
    regs = _component(recovered)
    cluster = _only(regs, CLUSTER)
    bucket = _only(regs, "aws:s3/bucket:Bucket").inputs["bucket"]
    assert cluster.name == "controlplane-lagos-cluster-controlplane-pg-2"
    assert cluster.inputs["metadata"]["name"] == "controlplane-pg-2"
    spec = cluster.inputs["spec"]
    assert spec["bootstrap"] == {"recovery": {"source": "controlplane-pg", "database": "controlplane",
                                              "owner": "dbaas_owner", "recoveryTarget": {"targetTime": TARGET}}}
    assert spec["externalClusters"] == [{"name": "controlplane-pg", "barmanObjectStore": {
        "destinationPath": f"s3://{bucket}/controlplane-pg", "serverName": "controlplane-pg",
        "s3Credentials": {"inheritFromIAMRole": True}, "wal": {"maxParallel": 4}}}]
    # The new cluster archives to its own, empty path, with the same credentials.
    store = spec["backup"]["barmanObjectStore"]
    assert (store["destinationPath"], store["s3Credentials"]) == (f"s3://{bucket}/controlplane-pg-2",
                                                                 {"inheritFromIAMRole": True})


def test_recovered_objects_validate_strictly(recovered):
    objects = kubernetes_objects(_component(recovered))
    assert {urn: validate_object(o) for urn, o in objects} == {urn: [] for urn, _ in objects}


def test_the_backup_role_trusts_the_new_clusters_service_account(recovered):
    role = _only(_component(recovered), "aws:iam/role:Role").inputs
    [statement] = json.loads(role["assumeRolePolicy"])["Statement"]
    subjects = [v for cond in statement["Condition"].values() for k, v in cond.items() if k.endswith(":sub")]
    assert subjects == ["system:serviceaccount:dbaas-controlplane:controlplane-pg-2"]


def test_shipped_stacks_bootstrap_with_initdb():
    cluster = next(r for r in shipped_plan("lagos").registrations if r.type == CLUSTER)
    assert cluster.name == "controlplane-lagos-cluster"
    assert cluster.inputs["spec"]["bootstrap"] == {
        "initdb": {"database": "controlplane", "owner": "dbaas_owner", "dataChecksums": True}}
    assert "externalClusters" not in cluster.inputs["spec"]


def test_a_cluster_cannot_recover_from_itself(tmp_path):
    assert problems(tmp_path, "  dbaas-platform:controlPlaneDbRecoverFrom: controlplane-pg\n") == [
        "Pulumi.lagos.yaml:8:45: config.dbaas-platform:controlPlaneDbRecoverFrom: the cluster 'controlplane-pg' "
        "cannot be created from its own backups: CloudNativePG reads bootstrap only when it creates a cluster, and a "
        "new cluster must archive to an empty path; set controlPlaneDbClusterName to a new name (e.g. "
        "controlplane-pg-2) and keep this key"]


@pytest.mark.parametrize(("value", "message"), [
    ('"2026-11-20 10:15:00"', "'2026-11-20 10:15:00' is not an RFC 3339 time with an offset, such as "
                              "'2026-11-20T10:15:00Z'"),
    ('"2026-02-30T10:15:00Z"', "'2026-02-30T10:15:00Z' is not a valid time: day is out of range for month"),
    ('"2999-01-01T00:00:00Z"', "2999-01-01T00:00:00Z is in the future; WAL can only be replayed up to now"),
    ('"2020-01-01T00:00:00+01:00"', "2020-01-01T00:00:00+01:00 is older than the backups are kept "
                                    "(controlPlaneDbBackupRetentionDays: 30); choose a time within the last 30 days "
                                    "(once the cluster is recovered, remove controlPlaneDbRecoverFrom and this key)"),
])
def test_the_target_time_is_rfc3339_and_inside_the_retention(tmp_path, value, message):
    config = ("  dbaas-platform:controlPlaneDbClusterName: controlplane-pg-2\n"
              "  dbaas-platform:controlPlaneDbRecoverFrom: controlplane-pg\n"
              f"  dbaas-platform:controlPlaneDbRecoveryTargetTime: {value}\n")
    assert problems(tmp_path, config) == [
        f"Pulumi.lagos.yaml:10:52: config.dbaas-platform:controlPlaneDbRecoveryTargetTime: {message}"]


def test_a_target_time_needs_a_source(tmp_path):
    assert problems(tmp_path, f"  dbaas-platform:controlPlaneDbRecoveryTargetTime: \"{TARGET}\"\n") == [
        "Pulumi.lagos.yaml:8:52: config.dbaas-platform:controlPlaneDbRecoveryTargetTime: a recovery target needs "
        "controlPlaneDbRecoverFrom (the cluster whose backups to replay)"]


def test_the_diff_refuses_a_recovery_declared_on_the_running_cluster(tmp_path, recovered):
    """Same cluster name, new bootstrap: CloudNativePG would accept the update and restore nothing."""
    config = "  dbaas-platform:controlPlaneDbRecoverFrom: controlplane-old\n"
    head = build_plan("lagos", project(tmp_path, config))
    assert [str(p) for p in create_only_problems(shipped_plan("lagos"), head, tmp_path, "lagos")] == [
        "Pulumi.lagos.yaml:8:3: config.dbaas-platform:controlPlaneDbRecoverFrom: spec.bootstrap of the existing "
        "'controlplane-pg' would change: CloudNativePG reads bootstrap only when it creates a cluster, so the running "
        "cluster would restore nothing; set controlPlaneDbClusterName to a new name too, so the recovery creates a new "
        "cluster (README of components/controlplane_db, 'Recovery')"]
    # Under a new name the recovered cluster is another resource, created with its bootstrap: nothing to refuse.
    assert create_only_problems(shipped_plan("lagos"), recovered, tmp_path, "lagos") == []
    # Once it runs, dropping the recovery keys (bootstrap back to initdb, which CloudNativePG ignores) is allowed.
    (tmp_path / "done").mkdir()
    done = build_plan("lagos", project(tmp_path / "done",
                                       "  dbaas-platform:controlPlaneDbClusterName: controlplane-pg-2\n"))
    assert create_only_problems(recovered, done, tmp_path / "done", "lagos") == []
