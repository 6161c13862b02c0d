"""The CloudNativePG and Job specs as plain dicts (camelCase, as in the operator's API reference).

Pure functions of typed settings, so tests and the schema validator read exactly what ships.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from declarations.controlplane_schema.roles import APP, MIGRATOR, OWNER, RECORDER
from components.irsa import IRSA_ROLE_ANNOTATION

DATABASE = "controlplane"
POSTGRES_PORT = 5432
MIGRATIONS_MOUNT = "/migrations"
CA_MOUNT = "/etc/controlplane-ca"
TOOLS_UID = 10001
BACKUP_SCHEDULE = "0 0 2 * * *"
"""Daily base backup at 02:00 (CloudNativePG cron has a seconds field); WAL is archived continuously."""


@dataclass(frozen=True)
class Recovery:
    """Create the cluster from another cluster's barman backups in the same bucket (CloudNativePG `bootstrap.recovery`).

    `target_time` (RFC 3339) stops the WAL replay there (point in time); None replays all archived WAL."""

    source: str
    target_time: str | None = None


@dataclass(frozen=True)
class ClusterSettings:
    name: str
    namespace: str
    image: str
    instances: int
    storage_class: str
    storage_size: str
    bucket_name: str
    backup_retention_days: int
    migrator_secret: str
    app_secret: str
    recorder_secret: str
    app_connection_limit: int = 200
    recovery: Recovery | None = None


def managed_roles(s: ClusterSettings) -> list[dict]:
    """The four contract roles; every attribute spelt out so drift is reconciled back."""
    locked = {"ensure": "present", "superuser": False, "bypassrls": False, "createdb": False,
              "createrole": False, "replication": False, "inherit": True}
    return [
        {**locked, "name": OWNER, "login": False, "disablePassword": True,
         "comment": "owns the control-plane schema; cannot log in"},
        {**locked, "name": MIGRATOR, "login": True, "inRoles": [OWNER], "connectionLimit": 5,
         "passwordSecret": {"name": s.migrator_secret}, "comment": "runs dbaas migrate"},
        {**locked, "name": APP, "login": True, "connectionLimit": s.app_connection_limit,
         "passwordSecret": {"name": s.app_secret}, "comment": "the application; row-level security applies"},
        {**locked, "name": RECORDER, "login": True, "connectionLimit": 20,
         "passwordSecret": {"name": s.recorder_secret},
         "comment": "records applies (dbaas record-apply); row-level security applies"},
    ]


def object_store(bucket_name: str, cluster: str) -> dict:
    """Where `cluster`'s WAL and base backups live: `s3://<bucket>/<cluster>/<cluster>/` (barman adds the server
    name, which defaults to the cluster name), read and written through the IRSA role."""
    return {"destinationPath": f"s3://{bucket_name}/{cluster}", "s3Credentials": {"inheritFromIAMRole": True}}


def bootstrap(s: ClusterSettings) -> dict:
    """`initdb` for a new database; `recovery` from the source cluster's backups, declared as an external cluster
    with the same object store and credentials as the backups (CloudNativePG reads it only at creation)."""
    if s.recovery is None:
        return {"bootstrap": {"initdb": {"database": DATABASE, "owner": OWNER, "dataChecksums": True}}}
    recovery: dict = {"source": s.recovery.source, "database": DATABASE, "owner": OWNER}
    if s.recovery.target_time is not None:
        recovery["recoveryTarget"] = {"targetTime": s.recovery.target_time}
    return {"bootstrap": {"recovery": recovery},
            "externalClusters": [{"name": s.recovery.source,
                                  "barmanObjectStore": recovery_object_store(s.bucket_name, s.recovery.source)}]}


def recovery_object_store(bucket_name: str, source: str) -> dict:
    """The external cluster a recovery reads `source`'s base backups and WAL from (`dbaas drill controlplane-pitr`
    restores through exactly this)."""
    return {**object_store(bucket_name, source), "serverName": source, "wal": {"maxParallel": 4}}


def sse_kms_key_arg(key_arn: object) -> object:
    """`--sse-kms-key-id=<platform key>` for barman-cloud-wal-archive and barman-cloud-backup.

    `encryption: aws:kms` alone makes barman send `x-amz-server-side-encryption: aws:kms` and no key id
    (barman 3.19.1 barman/cloud_providers/aws_s3.py:205-210: SSEKMSKeyId only with --sse-kms-key-id), and the platform
    bucket's `DenyOtherEncryptionKeys` (components/aws_policies.py, StringNotEqualsIfExists on
    s3:x-amz-server-side-encryption-aws-kms-key-id) denies a PutObject whose key id is absent: an ...IfExists
    condition on a missing key is true. barmanObjectStore has no key-id field (barman-cloud v0.5.1
    pkg/api/config.go), so it goes in the additional arguments, in `key=value` form because that is how
    pkg/api/config.go:482-497 recognises a duplicate."""
    if isinstance(key_arn, pulumi.Output):
        return pulumi.Output.concat("--sse-kms-key-id=", key_arn)
    return f"--sse-kms-key-id={key_arn}"


def cluster_spec(s: ClusterSettings, role_arn: object, key_arn: object) -> dict:
    """Three instances, TLS-only client access, WAL archived to the regional bucket via IRSA, under the platform key."""
    return {
        "instances": s.instances,
        "imageName": s.image,
        "primaryUpdateStrategy": "unsupervised",
        "enableSuperuserAccess": False,
        "storage": {"storageClass": s.storage_class, "size": s.storage_size},
        "affinity": {"enablePodAntiAffinity": True, "podAntiAffinityType": "required",
                     "topologyKey": "kubernetes.io/hostname"},
        "postgresql": {
            "parameters": {"ssl_min_protocol_version": "TLSv1.3", "password_encryption": "scram-sha-256",
                           "log_connections": "on"},
            # CloudNativePG's own hostssl rules come first; these refuse any client without TLS.
            "pg_hba": ["hostnossl all all 0.0.0.0/0 reject", "hostnossl all all ::/0 reject",
                       "hostssl all all all scram-sha-256"],
            "synchronous": {"method": "any", "number": 1, "dataDurability": "required"},
        },
        **bootstrap(s),
        "managed": {"roles": managed_roles(s)},
        "serviceAccountTemplate": {"metadata": {"annotations": {IRSA_ROLE_ANNOTATION: role_arn}}},
        "backup": {
            "retentionPolicy": f"{s.backup_retention_days}d",
            "barmanObjectStore": {
                **object_store(s.bucket_name, s.name),
                # aws:kms without a key id: the bucket's default key (the platform key) encrypts.
                "wal": {"compression": "gzip", "encryption": "aws:kms", "maxParallel": 4,
                        "archiveAdditionalCommandArgs": [sse_kms_key_arg(key_arn)]},
                "data": {"compression": "gzip", "encryption": "aws:kms", "jobs": 2,
                         "additionalCommandArgs": [sse_kms_key_arg(key_arn)]},
            },
        },
    }


def pooler_spec(s: ClusterSettings) -> dict:
    """PgBouncer in transaction mode: the tenant scope is per transaction, so nothing leaks."""
    return {
        "cluster": {"name": s.name},
        "instances": 2,
        "type": "rw",
        "pgbouncer": {"poolMode": "transaction",
                      "parameters": {"max_client_conn": "2000", "default_pool_size": "25"}},
    }


def scheduled_backup_spec(s: ClusterSettings) -> dict:
    return {"schedule": BACKUP_SCHEDULE, "cluster": {"name": s.name}, "method": "barmanObjectStore",
            "backupOwnerReference": "self", "immediate": True}


def migration_dsn(s: ClusterSettings) -> str:
    """No password here: PGUSER/PGPASSWORD come from the migrator's Secret as environment."""
    return (f"host={s.name}-rw.{s.namespace}.svc port={POSTGRES_PORT} dbname={DATABASE} "
            f"sslmode=verify-full sslrootcert={CA_MOUNT}/ca.crt")


def migration_job_spec(s: ClusterSettings, tools_image: str, configmap: str, labels: dict[str, str]) -> dict:
    """One run of `dbaas migrate` as the migrator; the pod meets Pod Security `restricted`."""
    secret_env = [{"name": env, "valueFrom": {"secretKeyRef": {"name": s.migrator_secret, "key": key}}}
                  for env, key in (("PGUSER", "username"), ("PGPASSWORD", "password"))]
    return {
        "backoffLimit": 4,
        "activeDeadlineSeconds": 900,
        "template": {
            "metadata": {"labels": labels},
            "spec": {
                "restartPolicy": "Never",
                "automountServiceAccountToken": False,
                "securityContext": {"runAsNonRoot": True, "runAsUser": TOOLS_UID, "runAsGroup": TOOLS_UID,
                                    "seccompProfile": {"type": "RuntimeDefault"}},
                "containers": [{
                    "name": "migrate",
                    "image": tools_image,
                    "command": ["dbaas", "migrate", "--dsn", migration_dsn(s), "--migrations-dir", MIGRATIONS_MOUNT],
                    "env": secret_env,
                    "resources": {"requests": {"cpu": "50m", "memory": "128Mi"},
                                  "limits": {"cpu": "500m", "memory": "256Mi"}},
                    "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                        "runAsNonRoot": True, "capabilities": {"drop": ["ALL"]}},
                    "volumeMounts": [{"name": "migrations", "mountPath": MIGRATIONS_MOUNT, "readOnly": True},
                                     {"name": "cluster-ca", "mountPath": CA_MOUNT, "readOnly": True}],
                }],
                "volumes": [
                    {"name": "migrations", "configMap": {"name": configmap}},
                    {"name": "cluster-ca", "secret": {"secretName": f"{s.name}-ca",
                                                      "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                ],
            },
        },
    }
