"""Vitess through the PlanetScale vitess-operator: one VitessCluster with one keyspace per service.

The keyspace is unsharded (one shard, `-`): the tenant declaration has no shard count, and
resharding is a deliberate operation. A replica tablet pool holds `replicas` tablets (one primary,
the rest replicas); vtgate serves MySQL over TLS. Backups are xtrabackup through vtbackup, on the
cluster's backup schedule, to an S3 location in the tenant bucket with SSE-KMS.
"""

from __future__ import annotations

import json

import pulumi
import pulumi_kubernetes as k8s
from pulumi_kubernetes.apiextensions import CustomResource

from components.engines.backup_copy import copy_backup_script
from components.engines.base import EngineInstance
from components.engines.connection import ADMIN_USERS, client_service_name
from declarations.engine_catalog import EngineName
from declarations.naming import TENANT_WORKLOAD_SA
from declarations.tenant_model import RestoreFrom

API = "planetscale.com/v2"
CELL = "zone1"
MYSQL80_TAG_SUFFIX = "-mysql80"
"""The `vitess/lite:<version>-mysql80` variant carries mysqld and Percona XtraBackup beside the Vitess binaries
(vitessio/vitess docker/utils/install_dependencies.sh, flavor mysql80: percona-xtrabackup-80). The backup engine is
xtrabackup, and vitess-operator v2.17.0 runs vtbackup inside the mysqld image ("Use the mysqld container",
pkg/operator/vttablet/vtbackup_pod.go:179-186) and restores in the vttablet container, so both need xtrabackup: the
operator's own xtrabackup clusters use this variant for mysqld and vttablet
(test/endtoend/operator/101_initial_cluster_backup.yaml:12-24). The plain `mysql:8.0.40` image the platform used
before has no xtrabackup, so no backup, not even the shard's initial one, could run."""
MYSQLD_EXPORTER_IMAGE = "prom/mysqld-exporter:v0.15.1"
VITESS_UID = 999
USERS_KEY = "users.json"
INIT_KEY = "init_db.sql"
VTCTLD_GRPC_PORT = 15999
INIT_SQL = """-- Runs once on an empty mysqld, before Vitess takes over (no binlog, no read-only).
SET GLOBAL super_read_only = 'OFF';
SET sql_log_bin = 0;
DELETE FROM mysql.user WHERE User = '' OR (User = 'root' AND Host != 'localhost');
DROP DATABASE IF EXISTS test;
CREATE DATABASE IF NOT EXISTS _vt;
CREATE USER 'vt_dba'@'localhost';
GRANT ALL ON *.* TO 'vt_dba'@'localhost' WITH GRANT OPTION;
CREATE USER 'vt_app'@'localhost';
GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, INDEX, REFERENCES, CREATE VIEW, SHOW VIEW,
  CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, TRIGGER, PROCESS, RELOAD, REPLICATION CLIENT ON *.* TO 'vt_app'@'localhost';
CREATE USER 'vt_allprivs'@'localhost';
GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, INDEX, REFERENCES, CREATE VIEW, SHOW VIEW,
  CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, TRIGGER, PROCESS, RELOAD, REPLICATION SLAVE, REPLICATION CLIENT
  ON *.* TO 'vt_allprivs'@'localhost';
CREATE USER 'vt_filtered'@'localhost';
GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, INDEX, REFERENCES, CREATE VIEW, SHOW VIEW,
  CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, TRIGGER, PROCESS, RELOAD, REPLICATION SLAVE, REPLICATION CLIENT
  ON *.* TO 'vt_filtered'@'localhost';
CREATE USER 'vt_repl'@'%';
GRANT REPLICATION SLAVE ON *.* TO 'vt_repl'@'%';
FLUSH PRIVILEGES;
RESET SLAVE ALL;
RESET MASTER;
SET GLOBAL super_read_only = 'ON';
"""
"""The shard's database init script (the operator requires one); it creates the users Vitess runs as."""
POD_SERVICE_ACCOUNT = TENANT_WORKLOAD_SA
"""What every Vitess pod that touches backups runs as: vitess-operator v2.17.0 gives vttablet pods, vtbackup pods and
scheduled-backup Job pods the ServiceAccount of its `--default_vitess_service_account` flag
(pkg/operator/vttablet/pod.go:410-412, vtbackup_pod.go:196-198, pkg/controller/vitessbackupschedule/
vitessbackupschedule_controller.go:909-911; flag: pkg/operator/environment/environment.go:49), which the vendored
operator Deployment sets to the tenant workload ServiceAccount: one per tenant namespace, annotated with the tenant's
IRSA role, which trusts exactly that subject (components/tenant/environment.py). Without the flag they run as the
namespace's `default` and reach no bucket. The backup subcontroller is named explicitly (`backup.subcontroller`)."""
BACKUP_LOCATION = "tenant-s3"
RESTART_PATH = "spec.keyspaces[0].partitionings[0].equal.shardTemplate.tabletPools[0].annotations"
"""Where the restart marker lives (see VitessInstance.tablet_pool)."""
METRICS_PORT_NAME = "web"
"""The operator's name for every Vitess component's HTTP port (15000), which serves `/metrics`."""
METRICS_PATH = "/metrics"


def xtrabackup_image(image: str) -> str:
    """The `-mysql80` variant of a vitess/lite image (MYSQL80_TAG_SUFFIX); an image that is one already stays."""
    return image if image.endswith(MYSQL80_TAG_SUFFIX) else f"{image}{MYSQL80_TAG_SUFFIX}"


def keyspace_name(service_name: str) -> str:
    """MySQL schema names cannot contain '-'."""
    return service_name.replace("-", "_")


def restored_database(source_service: str) -> str:
    """The MySQL database a restored keyspace serves: the source's (`vt_<source keyspace>`, vitess-operator's
    default name, pkg/operator/vttablet/spec.go localDatabaseName), because an xtrabackup backup is the source's
    data directory and MySQL cannot rename a database. The keyspace (what clients see) keeps the new name; the
    operator passes `databaseName` to vttablet as `--init_db_name_override`."""
    return f"vt_{keyspace_name(source_service)}"


def backup_dir(backup_prefix: str, instance: str, service_name: str) -> str:
    """Where a cluster's tablets find the backups of its (unsharded) keyspace: vitess-operator roots a cluster's
    backups at `<keyPrefix>/<cluster name>` (pkg/operator/vitessbackup/storage.go rootKeyPrefix), and Vitess keeps
    each shard's backups in `<keyspace>/<shard>` below the root, one directory per backup holding a MANIFEST once
    complete (go/vt/mysqlctl/backup.go)."""
    return f"{backup_prefix}/{instance}/{keyspace_name(service_name)}/-"


def restore_copy_script(source_dir: str, target_dir: str, source_instance: str, backup: str) -> str:
    """Copy one complete backup (the latest, or the one named `backup`, e.g. `2026-11-20.020000.zone1-0000000101`)
    of the source's shard into the new cluster's shard directory, under its own name. vitess-operator starts every
    tablet with `--restore_from_backup` (pkg/operator/vttablet/backup.go), so the new tablets restore the newest
    complete backup they find there; its "initial backup" vtbackup does nothing when a backup exists
    (pkg/controller/vitessshard/reconcile_backup_job.go)."""
    return copy_backup_script(
        source_prefix=source_dir, target_prefix=target_dir, backup=backup, noun="backup", subject=source_instance,
        listing=rf"""ids=$(aws s3 ls --recursive "$src" | sed -n 's#^.* {source_dir}/\([^/]*\)/MANIFEST$#\1#p')""",
        # MANIFEST last: a backup without it is incomplete to Vitess, so a copy cut short is never restored.
        copy=('aws s3 cp --recursive --only-show-errors --exclude MANIFEST "$src$id/" "$dst$id/"\n'
              'aws s3 cp --only-show-errors "$src${id}/MANIFEST" "$dst${id}/MANIFEST"'))


class VitessInstance(EngineInstance):
    ENGINE = EngineName.vitess
    PLATFORM_TLS = True

    def pod_selector(self) -> dict:
        return {"matchLabels": {"planetscale.com/cluster": self.instance_name}}

    def engine_credentials(self) -> dict:
        user = ADMIN_USERS[self.ENGINE]
        users = self.admin_password.apply(lambda pw: json.dumps({user: [{"UserData": user, "Password": pw}]}))
        return {USERS_KEY: pulumi.Output.secret(users), INIT_KEY: INIT_SQL}

    def component(self) -> dict:
        """Fields every Vitess component spec takes alike: scheduling (no nodeSelector in VitessCluster, so
        an Affinity plus tolerations) and `extraLabels`, which the operator adds to the component's pods.
        VitessCluster has no PriorityClass field: the operator sets its `--default_vitess_priority_class`
        (default `vitess`) on every Vitess pod (see README, Known gaps)."""
        return {**self.NODES.affinity_fields(), "extraLabels": self.pod_labels()}

    def tablet_pool(self) -> dict:
        return {
            "cell": CELL,
            "type": "replica",
            "replicas": self.sizing.replicas,
            "vttablet": {"resources": self.sizing.helper_resources, "extraFlags": {"db_charset": "utf8mb4"}},
            "mysqld": {"resources": self.sizing.resources},
            "dataVolumeClaimTemplate": self.sizing.volume_claim(),
            "backupLocationName": BACKUP_LOCATION,
            **self.component(),
            # Tablet Pod annotations: a changed value (or key) makes the operator recreate each tablet Pod in a
            # rolling update (v2.17.0 pkg/operator/vttablet/pod.go UpdatePod); only the restart marker goes here.
            **self.restart_annotations(),
        }

    def backup_spec(self) -> dict:
        backup: dict = {
            "engine": "xtrabackup",
            "locations": [{"name": BACKUP_LOCATION, "s3": {
                "bucket": self.args.bucket, "region": self.args.placement.aws_region,
                "keyPrefix": self.args.backup_prefix,
            }}],
            "subcontroller": {"serviceAccountName": self.args.service_account},
        }
        if self.service.backups is not None:
            b = self.service.backups
            backup["schedules"] = [{
                "name": "scheduled",
                "schedule": b.schedule,
                "resources": self.sizing.helper_resources,
                "concurrencyPolicy": "Forbid",
                "successfulJobsHistoryLimit": 3,
                "failedJobsHistoryLimit": 3,
                **self.NODES.affinity_fields(),
                # No retention flags: at v2.17.0 nothing prunes Vitess backups (see BACKUP_RETENTION in
                # declarations/engine_catalog.py). A strategy's `extraFlags` reach only the vtctldclient method's
                # `BackupShard` (pkg/controller/vitessbackupschedule/vitessbackupschedule_controller.go:866-874), where
                # `min_retention_time` is no flag at all; the default vtbackup method ignores them (:739-781).
                "strategies": [{
                    "name": "keyspace",
                    "keyspace": keyspace_name(self.service.name),
                    "shard": "-",
                }],
            }]
        return backup

    def cluster_spec(self) -> dict:
        image = self.image
        with_xtrabackup = xtrabackup_image(image)
        helper = self.sizing.helper_resources
        nodes = self.component()
        return {
            "images": {
                "vtctld": image, "vtgate": image, "vtorc": image,
                "vttablet": with_xtrabackup, "vtbackup": with_xtrabackup,
                "mysqld": {"mysql80Compatible": with_xtrabackup}, "mysqldExporter": MYSQLD_EXPORTER_IMAGE,
            },
            "backup": self.backup_spec(),
            # No `s3_backup_server_side_encryption`: it takes only an algorithm ("e.g., AES256, aws:kms", vitess
            # go/vt/mysqlctl/s3backupstorage flag help), and S3 encrypts a PutObject that names `aws:kms` without a key
            # id under the AWS managed key aws/s3 (S3 API PutObject, x-amz-server-side-encryption-aws-kms-key-id). With
            # no header the bucket's default encryption applies: SSE-KMS under the tenant key (components/storage).
            "globalLockserver": {"etcd": {"resources": helper, **nodes, "dataVolumeClaimTemplate": {
                "accessModes": ["ReadWriteOnce"], "storageClassName": self.sizing.storage_class,
                "resources": {"requests": {"storage": "1Gi"}}}}},
            "cells": [{
                "name": CELL,
                "gateway": {
                    "replicas": 2 if self.sizing.clustered else 1,
                    "resources": helper,
                    **nodes,
                    "authentication": {"static": {"secret": {"name": self.credentials_secret, "key": USERS_KEY}}},
                    "secureTransport": {"required": True, "tls": {
                        "certSecret": {"name": self.tls_secret, "key": "tls.crt"},
                        "keySecret": {"name": self.tls_secret, "key": "tls.key"},
                    }},
                },
            }],
            "vitessDashboard": {"cells": [CELL], "replicas": 1, "resources": helper, **nodes},
            "keyspaces": [{
                "name": keyspace_name(self.service.name),
                **self.database_name_field(),
                "durabilityPolicy": "semi_sync" if self.sizing.clustered else "none",
                "turndownPolicy": "RequireIdle",
                "vitessOrchestrator": {"resources": helper, **nodes},
                "partitionings": [{"equal": {"parts": 1, "shardTemplate": {
                    "databaseInitScriptSecret": {"name": self.credentials_secret, "key": INIT_KEY},
                    "tabletPools": [self.tablet_pool()],
                }}}],
            }],
            "updateStrategy": {"type": "Immediate"},
        }

    def database_name_field(self) -> dict:
        """`databaseName` of a restored keyspace (see restored_database()); absent otherwise."""
        source = self.service.restore_from
        return {"databaseName": restored_database(source.service)} if source is not None else {}

    def restore_copy(self, source: RestoreFrom):
        """The one-shot copy Job; it must finish before the cluster's tablets look for a backup."""
        return self.backup_copy_job(restore_copy_script(
            backup_dir(self.source_prefix(source), self.source_instance(source), source.service),
            backup_dir(self.args.backup_prefix, self.instance_name, self.service.name),
            self.source_instance(source), source.backup), VITESS_UID)

    def restore(self, source: RestoreFrom) -> None:
        """The restore is the copy Job `build()` runs before the cluster (see restore_copy)."""

    def build(self) -> CustomResource:
        depends = [self.credentials, self.certificate]
        if self.service.restore_from is not None:
            depends.append(self.restore_copy(self.service.restore_from))
        cluster = self.custom_resource("vitesscluster", API, "VitessCluster", self.instance_name, self.cluster_spec(),
                                       holds_data=True, depends_on=depends,
                                       ignore_changes=self.restart_kept(RESTART_PATH))
        # The operator's own Service names end in a hash; these give clients and jobs stable names.
        self.client_service = self._service("vtgate", client_service_name(self.ENGINE, self.instance_name),
                                            "vtgate", "mysql", self.spec.client_port, 3306)
        self.vtctld_service = self._service("vtctld", f"{self.instance_name}-vtctld", "vtctld", "grpc",
                                            VTCTLD_GRPC_PORT, VTCTLD_GRPC_PORT)
        return cluster

    def _service(self, suffix: str, name: str, component: str, port_name: str, port: int, target: int) -> k8s.core.v1.Service:
        return k8s.core.v1.Service(
            f"{self.logical_name}.{suffix}",
            metadata={"name": name, "namespace": self.namespace, "labels": self.labels},
            spec={
                "type": "ClusterIP",
                "selector": {"planetscale.com/cluster": self.instance_name, "planetscale.com/component": component},
                "ports": [{"name": port_name, "protocol": "TCP", "port": port, "targetPort": target}],
            },
            opts=self.child,
        )

    def backup_now(self, name: str) -> None:
        vtctld = f"{self.instance_name}-vtctld:{VTCTLD_GRPC_PORT}"
        self.one_off_job(
            f"{name}-backup",
            self.image,
            ["/vt/bin/vtctldclient", f"--server={vtctld}", "BackupShard", f"{keyspace_name(self.service.name)}/-"],
            [],
            VITESS_UID,
        )
