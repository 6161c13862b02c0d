"""Aerospike through the Aerospike Kubernetes Operator (Enterprise Edition, which it requires).

One namespace named after the service, on a file-backed device sized from the plan; TLS on the
client port with a platform-issued certificate; access control with a generated admin password.
Metrics: the Aerospike Prometheus exporter as a sidecar (the server itself serves no Prometheus
endpoint), reading the node over TLS on localhost as the admin user, serving `exporter` (9145).
Backups: a per-instance Aerospike Backup Service (tenant ServiceAccount, so IRSA) running a full
backup routine on the service's cron into the tenant bucket (bucket-default SSE-KMS, tenant key). The
cluster listens on TLS only (4333), so every cluster entry the backup service gets (routine source,
restore destination) carries a `tls` block with the instance's CA, mounted from the cert-manager Secret.
CDC (`cdc: true`): an XDR datacenter with `connector: true` ships the namespace's changes to the
service's Kafka outbound connector (components/kafka/outbound.py).
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s
from pulumi_kubernetes.apiextensions import CustomResource

from components.engines.base import EngineInstance
from components.engines.connection import ADMIN_USERS, credentials_secret_name, tls_secret_name
from components.engines.pod_security import restricted_container, restricted_pod
from components.kafka.outbound import xdr_destination
from declarations.engine_catalog import EngineName, backups_retained
from declarations.naming import service_instance
from declarations.tenant_model import LATEST_BACKUP, RestoreFrom

API = "asdb.aerospike.com/v1"
BACKUP_API = "asdb.aerospike.com/v1beta1"
BACKUP_SERVICE_IMAGE = "aerospike/aerospike-backup-service:3.0.0"
EXPORTER_IMAGE = "aerospike/aerospike-prometheus-exporter:1.16.1"
EXPORTER_CONTAINER = "aerospike-prometheus-exporter"
METRICS_PORT_NAME = "exporter"
"""Named container port the platform's PodMonitor scrapes (`/metrics`); see observability/engine_telemetry.py."""
METRICS_PORT = 9145
METRICS_PATH = "/metrics"
AEROSPIKE_UID = 1000
FEATURES_PATH = "/etc/aerospike/secret"
TLS_PATH = "/etc/aerospike/tls"
DATA_PATH = "/opt/aerospike/data"
CREDENTIALS_PATH = "/etc/aerospike/credentials"
STORAGE = "tenant-s3"
POLICY = "platform"
DEVICE_FILL = 0.9
"""The namespace file takes 90% of the volume; the rest is headroom for the filesystem."""
RACK_ID = 1
COMPLETED = "jsonpath={.status.phase}=Completed"
"""AerospikeRestore's phase: InProgress, Completed or Failed."""
RESTORE_TARGETS_PATH = "/etc/aerospike/restore-targets"
"""Where a source's backup service mounts the credentials of the clusters that clone it (see `restore`)."""
RESTORE_TARGETS_TLS_PATH = "/etc/aerospike/restore-targets-tls"
"""Where a source's backup service mounts the CA (TLS Secret) of each cluster that clones it: every instance has its
own self-signed issuer (components/engines/tls.py), so a clone's certificate verifies only against its own CA."""
BACKUP_SERVICE_TLS_PATH = "/etc/aerospike/tls"
"""Where the backup service mounts its own instance's TLS Secret (`ca.crt` verifies the cluster on 4333)."""
XDR_DATACENTER = "kafka"
"""The XDR datacenter that ships a CDC-enabled namespace to the Kafka outbound connector."""
LATEST_TIME_MS = 4102444800000
"""2100-01-01T00:00:00Z in epoch milliseconds: a Timestamp restore applies the newest full backup of the routine
taken before `time` (aerospike-backup-service dto.RestoreTimestampRequest; the service accepts any positive
13-digit time), so a time after every backup restores the latest one. The time is fixed, so the object never
changes between plans."""


def storage_revision(storage_gb: int) -> str:
    """The rack revision for a volume size: AKO cannot resize a rack's volumes in place, but a new revision makes
    it build the rack anew (StatefulSet `<cluster>-<rackID>-<revision>`) with the new volumes and migrate the data
    (AerospikeCluster `rackConfig.racks[].revision`). Volumes only grow, so revisions never repeat."""
    return f"{storage_gb}g"


class AerospikeInstance(EngineInstance):
    ENGINE = EngineName.aerospike
    PLATFORM_TLS = True

    def pod_selector(self) -> dict:
        return {"matchLabels": {"aerospike.com/cr": self.instance_name}}

    def aerospike_config(self) -> dict:
        name = self.instance_name
        return {
            **self.xdr_config(),
            "service": {"feature-key-file": f"{FEATURES_PATH}/features.conf"},
            "security": {},
            "network": {
                "service": {"tls-name": name, "tls-port": self.spec.client_port, "tls-authenticate-client": "false"},
                "heartbeat": {"tls-name": name, "tls-port": 3012},
                "fabric": {"tls-name": name, "tls-port": 3011},
                "tls": [{"name": name, "cert-file": f"{TLS_PATH}/tls.crt", "key-file": f"{TLS_PATH}/tls.key",
                         "ca-file": f"{TLS_PATH}/ca.crt"}],
            },
            "namespaces": [{
                "name": self.service.name,
                "replication-factor": 2 if self.sizing.clustered else 1,
                "storage-engine": {
                    "type": "device",
                    "files": [f"{DATA_PATH}/{self.service.name}.dat"],
                    "filesize": int(self.sizing.storage_gb * DEVICE_FILL) * 1024**3,
                },
            }],
        }

    def xdr_config(self) -> dict:
        """`cdc: true`: one XDR datacenter that ships the service's namespace to its Kafka outbound connector.

        The outbound connector (components/kafka/outbound.py, one Deployment and Service per CDC service in the Kafka
        namespace) only receives: the database must push. An XDR datacenter with `connector: true` speaks the
        connector protocol to `node-address-ports` entries `"<host> <port>"` (AerospikeCluster sample
        config/samples/xdr_src_cluster_cr.yaml at AKO v4.5.0); `dcs[]` takes `name`, `connector`,
        `node-address-ports` and `namespaces[].name` in the server 7.1.0 and 7.2.0 schemas AKO validates against
        (aerospike/schemas json/aerospike/7.1.0.json, 7.2.0.json, `xdr.dcs.items`, the submodule at
        pkg/configschema/schemas). The connector listens in plain HTTP on its XDR port (no `tls-name`), reached through
        the tenant's `allow-aerospike-xdr-egress` and the Kafka namespace's `allow-aerospike-xdr` policies."""
        if not self.service.cdc:
            return {}
        host, port = xdr_destination(self.args.tenant_id, self.service.name,
                                     self.args.placement.kafka_namespace).rsplit(":", 1)
        return {"xdr": {"dcs": [{
            "name": XDR_DATACENTER,
            "connector": True,
            "node-address-ports": [f"{host} {port}"],
            "namespaces": [{"name": self.service.name}],
        }]}}

    def storage(self) -> dict:
        sc = self.sizing.storage_class
        return {
            "filesystemVolumePolicy": {"initMethod": "deleteFiles", "cascadeDelete": False},
            "volumes": [
                {"name": "data", "aerospike": {"path": DATA_PATH},
                 "source": {"persistentVolume": {"storageClass": sc, "volumeMode": "Filesystem", "size": self.sizing.storage}}},
                {"name": "features", "aerospike": {"path": FEATURES_PATH},
                 "source": {"secret": {"secretName": f"{self.instance_name}-features"}}},
                {"name": "tls", "aerospike": {"path": TLS_PATH}, "source": {"secret": {"secretName": self.tls_secret}},
                 "sidecars": [{"containerName": EXPORTER_CONTAINER, "path": TLS_PATH}]},
            ],
        }

    def exporter_sidecar(self) -> dict:
        """Reads its own node (localhost) over TLS, verifying the instance's TLS name against the CA."""
        return {
            "name": EXPORTER_CONTAINER,
            "image": EXPORTER_IMAGE,
            "ports": [{"name": METRICS_PORT_NAME, "containerPort": METRICS_PORT, "protocol": "TCP"}],
            "env": [
                {"name": "AS_HOST", "value": "localhost"},
                {"name": "AS_PORT", "value": str(self.spec.client_port)},
                {"name": "AS_NODE_TLS_NAME", "value": self.instance_name},
                {"name": "AS_ROOT_CA", "value": f"file:{TLS_PATH}/ca.crt"},
                {"name": "AS_AUTH_MODE", "value": "internal"},
                {"name": "AS_AUTH_USER", "value": ADMIN_USERS[self.ENGINE]},
                self.secret_env("AS_AUTH_PASSWORD", "password"),
                {"name": "AGENT_BIND_PORT", "value": str(METRICS_PORT)},
            ],
            "resources": self.sizing.helper_resources,
            "securityContext": restricted_container(AEROSPIKE_UID),
        }

    def cluster_spec(self) -> dict:
        return {
            "size": self.sizing.replicas,
            "image": self.image,
            "aerospikeConfig": self.aerospike_config(),
            "storage": self.storage(),
            "rackConfig": {"racks": [{"id": RACK_ID, "revision": storage_revision(self.sizing.storage_gb)}]},
            **self.restart_operation(),
            "aerospikeAccessControl": {"users": [{
                "name": ADMIN_USERS[self.ENGINE], "secretName": self.credentials_secret,
                "roles": ["sys-admin", "user-admin", "read-write"],
            }]},
            "operatorClientCert": {"tlsClientName": self.instance_name, "secretCertSource": {
                "secretName": self.tls_secret, "caCertsFilename": "ca.crt",
                "clientCertFilename": "tls.crt", "clientKeyFilename": "tls.key"}},
            # AerospikeCluster podSpec has no priorityClassName (AKO 4.0.2): these pods get no PriorityClass.
            "podSpec": {
                "metadata": {"labels": self.pod_labels()},
                "multiPodPerHost": not self.sizing.clustered,
                **self.NODES.pod_fields(),
                "securityContext": restricted_pod(AEROSPIKE_UID),
                "aerospikeContainer": {"resources": self.sizing.resources,
                                       "securityContext": restricted_container(AEROSPIKE_UID)},
                "aerospikeInitContainer": {"resources": self.sizing.helper_resources,
                                           "securityContext": restricted_container(AEROSPIKE_UID)},
                "sidecars": [self.exporter_sidecar()],
            },
        }

    def restart_operation(self) -> dict:
        """AKO's own on-demand operation (at most one, id at most 20 characters, like an operation id): the operator
        restarts each pod once per id and tracks it in status, so removing it restarts nothing (AKO v4.5.0
        internal/controller/cluster/pod.go onDemandOperationType). Its webhook refuses an operation at cluster
        creation and together with a scale-up or an image change (validateOperation, validateOperationUpdate);
        the lifecycle guards refuse those in the tenant file."""
        restart = self.restart_id()
        return {"operations": [{"id": restart, "kind": "PodRestart"}]} if restart else {}

    def s3_storage(self, path: str) -> dict:
        return {"s3-storage": {"bucket": self.args.bucket, "path": path, "s3-region": self.args.placement.aws_region}}

    def backup_service_spec(self) -> dict:
        """The instance's backup service: its own storage and policy. An instance restoring a named backup gets one
        even without backups, because that restore runs through it (it holds this cluster's credentials)."""
        b = self.service.backups
        policy: dict = {"parallel": 4}
        if b is not None:
            policy["retention"] = {"full": backups_retained(b.schedule, b.retention_days)}
        return {
            "image": BACKUP_SERVICE_IMAGE,
            "config": {
                "service": {"http": {"port": 8080}},
                "backup-policies": {POLICY: policy},
                "storage": {STORAGE: self.s3_storage(self.args.backup_prefix)},
            },
            # AKO mounts each entry as a Secret volume at `volumeMount` (v4.5.0 internal/controller/backup-service/
            # reconciler.go:539-556 getVolumeAndMounts). The whole TLS Secret, not a subPath: cert-manager renews the
            # self-signed certificate (its own CA) and only a directory mount follows the renewal.
            "secrets": [{"secretName": self.credentials_secret,
                         "volumeMount": {"name": "credentials", "mountPath": CREDENTIALS_PATH, "readOnly": True}},
                        {"secretName": self.tls_secret,
                         "volumeMount": {"name": "tls", "mountPath": BACKUP_SERVICE_TLS_PATH, "readOnly": True}},
                        *self.clone_credentials()],
            "resources": self.sizing.helper_resources,
            "service": {"type": "ClusterIP"},
            "podSpec": {"serviceAccountName": self.args.service_account, **self.NODES.pod_fields(),
                        "serviceContainer": {"securityContext": restricted_container(AEROSPIKE_UID)}},
        }

    def cluster_access(self, credentials_path: str = CREDENTIALS_PATH, tls_path: str = BACKUP_SERVICE_TLS_PATH) -> dict:
        """How a backup service reaches this cluster: seed node on the TLS service port (the only one the cluster
        listens on, `network.service.tls-port`), verified against this instance's CA mounted at `tls_path`, as the
        admin user with the password from the Secret mounted at `credentials_path`.

        aerospike-backup-service: a cluster with a `tls` block gets a client TLS config (pkg/model/aerospike_cluster.go
        ASClientPolicy: `if c.TLS != nil { policy.TlsConfig = initTLS(...) }`, RootCAs from `ca-file`), each seed
        node's `tls-name` is the name the server certificate is verified against (ASClientHosts: Host.TLSName); without
        the block the client speaks plain TCP to 4333 and no backup or restore ever connects. Only `ca-file`: the
        server does not authenticate clients (`tls-authenticate-client: false`), and from 3.3.0 a `name`, `cert-file`
        or `key-file` requires the other two (pkg/dto/client_tls.go Validate: "ca-file is optional and
        independent"), so a CA alone is valid at the pinned 3.0.0 and in the 3.5.0 dto AKO 4.5.0's webhook decodes
        it with (go.mod `aerospike-backup-service/v3 v3.5.0`; internal/webhook/v1beta1/aerospikebackup_webhook.go
        validates with ValidationSkipTLSFiles, so the file need not exist in the operator's pod)."""
        return {
            "credentials": {"user": ADMIN_USERS[self.ENGINE], "password-path": f"{credentials_path}/password"},
            "seed-nodes": [{"host-name": self.connection.host, "port": self.spec.client_port,
                            "tls-name": self.instance_name}],
            "tls": {"ca-file": f"{tls_path}/ca.crt"},
        }

    def backup_service_ref(self, instance: str | None = None) -> dict:
        """The backup service of this instance (or of `instance`, a source of the same tenant)."""
        return {"name": f"{instance or self.instance_name}-backup", "namespace": self.namespace}

    def routine_name(self, instance: str | None = None) -> str:
        """The full-backup routine of this instance's (or `instance`'s) AerospikeBackup: AKO's webhook requires
        routine and cluster names to start with `<backup namespace>-<backup name>`
        (internal/webhook/v1beta1/aerospikebackup_webhook.go validateName, api/v1beta1/utils.go NamePrefix).
        The backup service keeps each backup under `<storage path>/<routine>/backup/<time>/data/<namespace>`."""
        return f"{self.backup_name_prefix(instance)}-full"

    def backup_name_prefix(self, instance: str | None = None) -> str:
        return f"{self.namespace}-{instance or self.instance_name}-backup"

    def clone_credentials(self) -> list[dict]:
        """The admin credentials and the CA of every cluster cloning this one, for the Timestamp restores this
        instance's backup service runs into them (see `restore`)."""
        mounts: list[dict] = []
        for instance in (service_instance(name, self.ENGINE.value) for name in self.args.clones):
            mounts += [
                {"secretName": credentials_secret_name(instance),
                 "volumeMount": {"name": f"restore-{instance}", "mountPath": f"{RESTORE_TARGETS_PATH}/{instance}",
                                 "readOnly": True}},
                {"secretName": tls_secret_name(self.ENGINE, instance),
                 "volumeMount": {"name": f"restore-tls-{instance}",
                                 "mountPath": f"{RESTORE_TARGETS_TLS_PATH}/{instance}", "readOnly": True}},
            ]
        return mounts

    def backup_spec(self) -> dict:
        b = self.service.backups
        routine = self.routine_name()
        cluster = f"{self.backup_name_prefix()}-cluster"
        spec = {
            "backupService": self.backup_service_ref(),
            "config": {
                "aerospike-cluster": {cluster: self.cluster_access()},
                "backup-routines": {routine: {
                    "backup-policy": POLICY,
                    "interval-cron": f"0 {b.schedule}",
                    "source-cluster": cluster,
                    "storage": STORAGE,
                    "namespaces": [self.service.name],
                }},
            },
        }
        # Each on-demand entry runs once per id (final backup, backup operations). AerospikeBackup's status
        # lists them with no overall state that pulumi-kubernetes could await.
        on_demand = [{"id": name, "routineName": routine, "type": "Full"} for name in self.on_demand_backups()]
        if on_demand:
            spec["onDemandBackups"] = on_demand
        return spec

    def build(self) -> CustomResource:
        features = k8s.core.v1.Secret(
            f"{self.logical_name}.features",
            metadata={"name": f"{self.instance_name}-features", "namespace": self.namespace, "labels": self.labels},
            type="Opaque",
            string_data={"features.conf": pulumi.Output.secret(self.args.placement.aerospike_feature_key)},
            opts=self.child,
        )
        cluster = self.custom_resource("aerospikecluster", API, "AerospikeCluster", self.instance_name,
                                       self.cluster_spec(), holds_data=True,
                                       depends_on=[features, self.credentials, self.certificate])
        self.backup_service = None
        if self.service.backups is not None or self.restores_through_own_service():
            self.backup_service = self.custom_resource("backup-service", BACKUP_API, "AerospikeBackupService",
                                                       f"{self.instance_name}-backup", self.backup_service_spec())
        if self.service.backups is not None:
            self.custom_resource("backup", BACKUP_API, "AerospikeBackup", f"{self.instance_name}-backup",
                                 self.backup_spec(), depends_on=[cluster, self.backup_service])
        return cluster

    def restores_through_own_service(self) -> bool:
        """A named restore runs through this instance's backup service; a clone through the source's."""
        return self.service.restore_from is not None and self.service.restore_from.backup != LATEST_BACKUP

    def backup_now(self, name: str) -> None:
        """On-demand backups are entries of the AerospikeBackup (see backup_spec)."""

    def restore(self, source: RestoreFrom) -> None:
        """A named backup: a Full restore of its data path under the source's prefix, through this instance's own
        backup service, which holds this cluster's credentials. A clone (`backup: latest`): a Timestamp restore
        through the SOURCE's backup service, the only one that knows the source's routine (the service resolves
        `routine` in its own configuration: dto.RestoreTimestampRequest.ToModel), with a time after every backup;
        the source's service mounts this cluster's credentials for it (`clone_credentials`). Either way the
        backup's namespace (named after the source service) is restored into this cluster's namespace."""
        policy = {"parallel": 4, "namespace": {"source": source.service, "destination": self.service.name}}
        if source.backup == LATEST_BACKUP:
            spec = {
                "backupService": self.backup_service_ref(self.source_instance(source)),
                "type": "Timestamp",
                "config": {
                    "destination": self.cluster_access(f"{RESTORE_TARGETS_PATH}/{self.instance_name}",
                                                       f"{RESTORE_TARGETS_TLS_PATH}/{self.instance_name}"),
                    "policy": policy,
                    "routine": self.routine_name(self.source_instance(source)),
                    "time": LATEST_TIME_MS,
                },
            }
            after = [self.instance, *self.args.restore_after]
        else:
            spec = {
                "backupService": self.backup_service_ref(),
                "type": "Full",
                "config": {
                    "destination": self.cluster_access(),
                    "source": self.s3_storage(self.source_prefix(source)),
                    "backup-data-path": source.backup,
                    "policy": policy,
                },
            }
            after = [self.instance, self.backup_service]
        self.one_shot("restore", BACKUP_API, "AerospikeRestore", f"{self.instance_name}-restore", spec, COMPLETED,
                      depends_on=after)
