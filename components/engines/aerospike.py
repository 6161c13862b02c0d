"""Aerospike through the Aerospike Kubernetes Operator (Enterprise Edition, which it requires).

One namespace named after the service, on a file-backed device sized from the plan; TLS on the
client port with a platform-issued certificate; access control with a generated admin password.
Metrics: the Aerospike Prometheus exporter as a sidecar (the server itself serves no Prometheus
endpoint), reading the node over TLS on localhost as the admin user, serving `exporter` (9145).
Backups: a per-instance Aerospike Backup Service (tenant ServiceAccount, so IRSA) running a full
backup routine on the service's cron into the tenant bucket (bucket-default SSE-KMS, tenant key).
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s
from pulumi_kubernetes.apiextensions import CustomResource

from components.engines.base import EngineInstance
from components.engines.connection import ADMIN_USERS
from components.engines.pod_security import restricted_container, restricted_pod
from dbaas.engine_catalog import EngineName, backups_retained

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

    def backup_service_spec(self) -> dict:
        b = self.service.backups
        return {
            "image": BACKUP_SERVICE_IMAGE,
            "config": {
                "service": {"http": {"port": 8080}},
                "backup-policies": {POLICY: {"parallel": 4, "retention": {
                    "full": backups_retained(b.schedule, b.retention_days)}}},
                "storage": {STORAGE: {"s3-storage": {
                    "bucket": self.args.bucket, "path": self.args.backup_prefix,
                    "s3-region": self.args.placement.aws_region}}},
            },
            "secrets": [{"secretName": self.credentials_secret,
                         "volumeMount": {"name": "credentials", "mountPath": CREDENTIALS_PATH, "readOnly": True}}],
            "resources": self.sizing.helper_resources,
            "service": {"type": "ClusterIP"},
            "podSpec": {"serviceAccountName": self.args.service_account, **self.NODES.pod_fields(),
                        "serviceContainer": {"securityContext": restricted_container(AEROSPIKE_UID)}},
        }

    def backup_spec(self, on_demand: bool) -> dict:
        b = self.service.backups
        routine = f"{self.instance_name}-full"
        spec = {
            "backupService": {"name": f"{self.instance_name}-backup", "namespace": self.namespace},
            "config": {
                "aerospike-cluster": {self.instance_name: {
                    "credentials": {"user": ADMIN_USERS[self.ENGINE], "secret-file": f"{CREDENTIALS_PATH}/password"},
                    "seed-nodes": [{"host-name": self.connection.host, "port": self.spec.client_port,
                                    "tls-name": self.instance_name}],
                }},
                "backup-routines": {routine: {
                    "backup-policy": POLICY,
                    "interval-cron": f"0 {b.schedule}",
                    "source-cluster": self.instance_name,
                    "storage": STORAGE,
                    "namespaces": [self.service.name],
                }},
            },
        }
        if on_demand:
            spec["onDemandBackups"] = [{"id": "final", "routineName": routine, "type": "Full"}]
        return spec

    def build(self) -> CustomResource:
        features = k8s.core.v1.Secret(
            f"{self.args.logical_prefix}-features",
            metadata={"name": f"{self.instance_name}-features", "namespace": self.namespace, "labels": self.labels},
            type="Opaque",
            string_data={"features.conf": pulumi.Output.secret(self.args.placement.aerospike_feature_key)},
            opts=self.child,
        )
        cluster = self.custom_resource("aerospikecluster", API, "AerospikeCluster", self.instance_name,
                                       self.cluster_spec(), holds_data=True,
                                       depends_on=[features, self.credentials, self.certificate])
        if self.service.backups is not None:
            service = self.custom_resource("backup-service", BACKUP_API, "AerospikeBackupService",
                                           f"{self.instance_name}-backup", self.backup_service_spec())
            final = self.service.decommission is not None and self.service.decommission.final_backup
            self.custom_resource("backup", BACKUP_API, "AerospikeBackup", f"{self.instance_name}-backup",
                                 self.backup_spec(on_demand=final), depends_on=[cluster, service])
        return cluster

    def final_backup(self) -> None:
        """The final backup is an on-demand entry of the AerospikeBackup (see build)."""
