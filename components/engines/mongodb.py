"""MongoDB through the Percona Operator: one PerconaServerMongoDB replica set per service.

Percona Backup for MongoDB runs as a sidecar in the replica-set pods (tenant ServiceAccount, so
IRSA), takes physical backups on the service's cron and streams the oplog for point-in-time
recovery. Its objects are SSE-KMS under the tenant key by the bucket's default encryption: the
operator copies a storage's `serverSideEncryption` into the PBM config only together with a
`credentialsSecret` (psmdb v1.21.2 pkg/psmdb/backup/pbm.go:357-404), which the platform does not use.
The operator's own pod reads and deletes backups too (restore validation, retention) with the
platform's psmdb-operator IRSA role (components/engines/operator_identity.py).

Metrics: Percona's mongodb_exporter as a `replsets[].sidecars` container. It reads its own mongod
(localhost) as the operator's `clustermonitor` system user (credentials from the users Secret, never
inline) over TLS: it verifies the server against the operator's CA and presents the operator's client
certificate, both from the operator's `ssl` volume (`<name>-ssl`, SANs include `localhost`), which is
how the operator's own local clients (PMM agent, healthcheck) connect under `requireTLS`.
"""

from __future__ import annotations

import pulumi
from pulumi_kubernetes.apiextensions import CustomResource

from components.engines.base import EngineInstance
from components.engines.connection import ADMIN_USERS, MONGODB_REPLICA_SET
from components.engines.pod_security import restricted_container, restricted_pod
from declarations.engine_catalog import EngineName, backups_retained
from declarations.tenant_model import LATEST_BACKUP, RestoreFrom

API = "psmdb.percona.com/v1"
CR_VERSION = "1.21.2"
"""The operator the pinned chart (psmdb-operator 1.21.3) installs; `retention` of backup tasks needs at least 1.21.0."""
BACKUP_IMAGE = "percona/percona-backup-mongodb:2.11.0"
"""The PBM release of operator 1.21.2 (psmdb v1.21.2 e2e-tests/release_versions IMAGE_BACKUP)."""
MONGO_UID = 1001
READY = "jsonpath={.status.state}=ready"
"""Both PerconaServerMongoDBBackup and PerconaServerMongoDBRestore end in state `ready` (or `error`)."""
RESTART_PATH = "spec.replsets[0].annotations"
"""Where the restart marker lives: the replset pods' template annotations (see MongodbInstance.replset)."""
PITR_DATE = "%Y-%m-%d %H:%M:%S"
"""`pitr.date` as the operator parses it (UTC)."""
PITR_OPLOG_SPAN_MINUTES = 10
EXPORTER_IMAGE = "docker.io/percona/mongodb_exporter:0.44.0"
EXPORTER_CONTAINER = "mongodb-exporter"
EXPORTER_UID = MONGO_UID
"""The image is `FROM scratch` (no shell, any uid); it runs as the pod's uid so the operator's `ssl`
volume (mode 0440, group = fsGroup) is readable."""
METRICS_PORT_NAME = "metrics"
"""Named container port of the exporter sidecar that the platform's PodMonitor scrapes."""
METRICS_PORT = 9216
METRICS_PATH = "/metrics"
SSL_VOLUME = "ssl"
"""The operator's volume of the `<name>-ssl` Secret in every replset pod (psmdb v1.21.2 pkg/psmdb/statefulset.go:220)."""
SSL_DIR = "/etc/mongodb-ssl"
MONGOD_PORT = 27017
EXPORTER_URI = (
    f"mongodb://localhost:{MONGOD_PORT}/?tls=true&tlsCAFile={SSL_DIR}/ca.crt"
    f"&tlsCertificateFile={SSL_DIR}/tls.crt&tlsPrivateKeyFile={SSL_DIR}/tls.key"
)
"""No credentials in it: the exporter adds MONGODB_USER/MONGODB_PASSWORD (from the Secret) to a URI without
user-info. The Go driver takes the client certificate and key as separate files (`tlsCertificateFile`,
`tlsPrivateKeyFile`), so the operator's Secret is used as mounted, with no shell to concatenate a PEM."""
EXPORTER_ARGS = (
    f"--web.listen-address=:{METRICS_PORT}",
    f"--web.telemetry-path={METRICS_PATH}",
    "--collector.diagnosticdata",
    "--collector.replicasetstatus",
    "--collector.dbstats",
    "--compatible-mode",
)
SYSTEM_USERS = {
    "backup": "MONGODB_BACKUP",
    "clusteradmin": "MONGODB_CLUSTER_ADMIN",
    "clustermonitor": "MONGODB_CLUSTER_MONITOR",
    "useradmin": "MONGODB_USER_ADMIN",
}
"""Operator system users: generated password -> key prefix the operator reads from the users Secret."""


def storage_name(service_name: str) -> str:
    """A PBM storage is named after the service whose backups it holds, so a restored cluster can declare its
    source's storage under the same name: a restore by `backupName` looks up the backup's `storageName` among the
    restoring cluster's own storages (psmdb v1.21.2 pkg/controller/perconaservermongodbrestore/
    psmdb_restore_controller.go:275 getStorage)."""
    return f"s3-{service_name}"


class MongodbInstance(EngineInstance):
    ENGINE = EngineName.mongodb
    EXTRA_PASSWORDS = tuple(SYSTEM_USERS)

    def pod_selector(self) -> dict:
        return {"matchLabels": {"app.kubernetes.io/instance": self.instance_name}}

    def engine_credentials(self) -> dict:
        keys: dict[str, pulumi.Input[str]] = {
            "MONGODB_DATABASE_ADMIN_USER": ADMIN_USERS[self.ENGINE],
            "MONGODB_DATABASE_ADMIN_PASSWORD": self.admin_password,
        }
        for name, prefix in SYSTEM_USERS.items():
            keys[f"{prefix}_USER"] = name
            keys[f"{prefix}_PASSWORD"] = self.passwords[name]
        return keys

    def exporter_sidecar(self) -> dict:
        monitor = SYSTEM_USERS["clustermonitor"]
        return {
            "name": EXPORTER_CONTAINER,
            "image": EXPORTER_IMAGE,
            "args": list(EXPORTER_ARGS),
            "ports": [{"name": METRICS_PORT_NAME, "containerPort": METRICS_PORT, "protocol": "TCP"}],
            "env": [
                {"name": "MONGODB_URI", "value": EXPORTER_URI},
                self.secret_env("MONGODB_USER", f"{monitor}_USER"),
                self.secret_env("MONGODB_PASSWORD", f"{monitor}_PASSWORD"),
            ],
            "volumeMounts": [{"name": SSL_VOLUME, "mountPath": SSL_DIR, "readOnly": True}],
            "resources": self.sizing.helper_resources,
            "securityContext": {**restricted_container(EXPORTER_UID), "readOnlyRootFilesystem": True},
        }

    def replset(self) -> dict:
        return {
            "name": MONGODB_REPLICA_SET,
            "size": self.sizing.replicas,
            # The operator's own labels (app.kubernetes.io/instance = CR name among them) win over these.
            "labels": self.pod_labels(),
            **self.priority_fields(),
            "sidecars": [self.exporter_sidecar()],
            "serviceAccountName": self.args.service_account,
            "resources": self.sizing.resources,
            "volumeSpec": {"persistentVolumeClaim": self.sizing.volume_claim()},
            "podSecurityContext": restricted_pod(MONGO_UID),
            "containerSecurityContext": restricted_container(MONGO_UID),
            **self.NODES.pod_fields(),
            "affinity": {"antiAffinityTopologyKey": "kubernetes.io/hostname" if self.sizing.clustered else "none"},
            "podDisruptionBudget": {"maxUnavailable": 1},
            # The replset pods' template annotations (psmdb v1.21.2 pkg/psmdb/statefulset.go:204, MultiAZ.Annotations).
            **self.restart_annotations(),
        }

    def s3(self, prefix: str) -> dict:
        return {
            "bucket": self.args.bucket,
            "prefix": prefix,
            "region": self.args.placement.aws_region,
            "serverSideEncryption": {"sseAlgorithm": "aws:kms", "kmsKeyID": self.args.key_arn},
        }

    def storages(self) -> dict:
        """The service's own storage (main), plus its restore source's, read-only in practice."""
        own = storage_name(self.service.name)
        storages = {own: {"type": "s3", "main": True, "s3": self.s3(self.args.backup_prefix)}}
        source = self.service.restore_from
        if source is not None:
            storages[storage_name(source.service)] = {"type": "s3", "s3": self.s3(self.source_prefix(source))}
        return storages

    def backup(self) -> dict:
        backup: dict = {
            "enabled": True,
            "image": BACKUP_IMAGE,
            "serviceAccountName": self.args.service_account,
            "containerSecurityContext": restricted_container(MONGO_UID),
            "resources": self.sizing.helper_resources,
            "storages": self.storages(),
            "pitr": {"enabled": self.service.backups is not None, "oplogSpanMin": PITR_OPLOG_SPAN_MINUTES,
                     "compressionType": "gzip"},
        }
        if self.service.backups is not None:
            b = self.service.backups
            backup["tasks"] = [{
                "name": "scheduled",
                "enabled": True,
                "schedule": b.schedule,
                "type": "physical",
                "storageName": storage_name(self.service.name),
                "compressionType": "gzip",
                "retention": {"type": "count", "count": backups_retained(b.schedule, b.retention_days),
                              "deleteFromStorage": True},
            }]
        return backup

    def cluster_spec(self) -> dict:
        return {
            "crVersion": CR_VERSION,
            "image": self.image,
            # Grow the replset PVCs in place when storage_gb grows: from crVersion 1.18 the operator resizes them
            # only with this set (psmdb v1.21.2 pkg/controller/perconaservermongodb/volumes.go:230).
            "enableVolumeExpansion": True,
            "updateStrategy": "SmartUpdate",
            # The version is the declared image (`apply: disabled`, no version service). `setFCV`: once every replset
            # pod runs the new image, the operator reads the running version from mongod (psmdb v1.21.2
            # pkg/controller/perconaservermongodb/version.go:584-617 fetchVersionFromMongo, with `apply: disabled` too)
            # and raises featureCompatibilityVersion to its major.minor (psmdb_controller.go:433 upgradeFCVIfNeeded,
            # :1018-1047, fcv.go:29-58);
            # without it the FCV stays at the old major and mongod refuses the next major upgrade.
            "upgradeOptions": {"apply": "disabled", "setFCV": True},
            "secrets": {"users": self.credentials_secret},
            "tls": {"mode": "requireTLS"},
            "initContainerSecurityContext": restricted_container(MONGO_UID),
            "replsets": [self.replset()],
            "sharding": {"enabled": False},
            "backup": self.backup(),
        }

    def build(self) -> CustomResource:
        return self.custom_resource("psmdb", API, "PerconaServerMongoDB", self.instance_name, self.cluster_spec(),
                                    holds_data=True, depends_on=[self.credentials],
                                    ignore_changes=self.restart_kept(RESTART_PATH))

    def backup_now(self, name: str) -> None:
        self.one_shot(f"{name}-backup", API, "PerconaServerMongoDBBackup", f"{self.instance_name}-{name}", {
            "clusterName": self.instance_name,
            "storageName": storage_name(self.service.name),
            "type": "physical",
        }, READY, depends_on=[self.instance])

    def restore(self, source: RestoreFrom) -> None:
        """A clone restores a fresh backup of the source (the seed), found by name through the source's storage,
        which this cluster declares too; a named backup (and the base of a point in time) is read through
        `backupSource` at the source's prefix, the operator's way to restore into another cluster."""
        spec: dict = {"clusterName": self.instance_name}
        depends = [self.instance]
        if source.backup == LATEST_BACKUP:
            seed = self.one_shot("restore-seed", API, "PerconaServerMongoDBBackup", f"{self.instance_name}-seed", {
                "clusterName": self.source_instance(source),
                "storageName": storage_name(source.service),
                "type": "physical",
            }, READY)
            spec["backupName"] = f"{self.instance_name}-seed"
            depends.append(seed)
        else:
            prefix = self.source_prefix(source)
            spec["backupSource"] = {
                "type": "physical",
                "destination": pulumi.Output.concat("s3://", self.args.bucket, f"/{prefix}/{source.backup}"),
                "s3": self.s3(prefix),
            }
        if source.point_in_time is not None:
            spec["pitr"] = {"type": "date", "date": source.point_in_time.strftime(PITR_DATE)}
        self.one_shot("restore", API, "PerconaServerMongoDBRestore", f"{self.instance_name}-restore", spec, READY,
                      depends_on=depends)
