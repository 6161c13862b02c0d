"""MongoDB through the Percona Operator: one PerconaServerMongoDB replica set per service.

Percona Backup for MongoDB runs as a sidecar in the replica-set pods (tenant ServiceAccount, so
IRSA), takes physical backups on the service's cron, streams the oplog for point-in-time
recovery, and writes with SSE-KMS under the tenant key explicitly.
"""

from __future__ import annotations

import pulumi
from pulumi_kubernetes.apiextensions import CustomResource

from components.engines.base import EngineInstance
from components.engines.connection import ADMIN_USERS, MONGODB_REPLICA_SET
from components.engines.pod_security import restricted_container, restricted_pod
from dbaas.engine_catalog import EngineName, backups_retained

API = "psmdb.percona.com/v1"
CR_VERSION = "1.19.1"
BACKUP_IMAGE = "percona/percona-backup-mongodb:2.8.0"
MONGO_UID = 1001
STORAGE = "tenant-s3"
PITR_OPLOG_SPAN_MINUTES = 10
SYSTEM_USERS = {
    "backup": "MONGODB_BACKUP",
    "clusteradmin": "MONGODB_CLUSTER_ADMIN",
    "clustermonitor": "MONGODB_CLUSTER_MONITOR",
    "useradmin": "MONGODB_USER_ADMIN",
}
"""Operator system users: generated password -> key prefix the operator reads from the users Secret."""


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

    def replset(self) -> dict:
        return {
            "name": MONGODB_REPLICA_SET,
            "size": self.sizing.replicas,
            "serviceAccountName": self.args.service_account,
            "resources": self.sizing.resources,
            "volumeSpec": {"persistentVolumeClaim": self.sizing.volume_claim()},
            "podSecurityContext": restricted_pod(MONGO_UID),
            "containerSecurityContext": restricted_container(MONGO_UID),
            **self.NODES.pod_fields(),
            "affinity": {"antiAffinityTopologyKey": "kubernetes.io/hostname" if self.sizing.clustered else "none"},
            "podDisruptionBudget": {"maxUnavailable": 1},
        }

    def backup(self) -> dict:
        s3 = {
            "bucket": self.args.bucket,
            "prefix": self.args.backup_prefix,
            "region": self.args.placement.aws_region,
            "serverSideEncryption": {"sseAlgorithm": "aws:kms", "kmsKeyID": self.args.key_arn},
        }
        backup: dict = {
            "enabled": True,
            "image": BACKUP_IMAGE,
            "serviceAccountName": self.args.service_account,
            "containerSecurityContext": restricted_container(MONGO_UID),
            "resources": self.sizing.helper_resources,
            "storages": {STORAGE: {"type": "s3", "main": True, "s3": s3}},
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
                "storageName": STORAGE,
                "compressionType": "gzip",
                "retention": {"type": "count", "count": backups_retained(b.schedule, b.retention_days),
                              "deleteFromStorage": True},
            }]
        return backup

    def cluster_spec(self) -> dict:
        return {
            "crVersion": CR_VERSION,
            "image": self.image,
            "updateStrategy": "SmartUpdate",
            "upgradeOptions": {"apply": "disabled"},
            "secrets": {"users": self.credentials_secret},
            "tls": {"mode": "requireTLS"},
            "initContainerSecurityContext": restricted_container(MONGO_UID),
            "replsets": [self.replset()],
            "sharding": {"enabled": False},
            "backup": self.backup(),
        }

    def build(self) -> CustomResource:
        return self.custom_resource("psmdb", API, "PerconaServerMongoDB", self.instance_name, self.cluster_spec(),
                                    holds_data=True, depends_on=[self.credentials])

    def final_backup(self) -> None:
        # No schema for PerconaServerMongoDBBackup in shared/crd-schemas (see README "Schemas").
        self.custom_resource("final-backup", API, "PerconaServerMongoDBBackup", f"{self.instance_name}-final", {
            "clusterName": self.instance_name,
            "storageName": STORAGE,
            "type": "physical",
        }, depends_on=[self.instance])
