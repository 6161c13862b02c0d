"""Aerospike (AKO 4.5.0, Aerospike Backup Service 3.0.0): who moves the data."""

from declarations.datapaths.model import (
    Actor, Binary, Connection, Encryption, Identity, ServiceAccountFrom, Source, backup_write, clone_read, restore_read,
)

ABS = "aerospike/aerospike-backup-service"
AKO = "aerospike/aerospike-kubernetes-operator"

BACKUP_SERVICE = Actor(
    name="aerospike-backup-service", engine="aerospike",
    instance_type="kubernetes:asdb.aerospike.com/v1beta1:AerospikeBackupService",
    # AKO runs the service as a Deployment named after the AerospikeBackupService, under podSpec.serviceAccountName
    # (AKO v4.5.0 internal/controller/backup-service/reconciler.go).
    process="aerospike-backup-service (routines, on-demand backups, restores)", pod="{name}", namespace="tenant",
    pod_labels={"app": "aerospike-backup-service", "aerospike.com/backup-service": "{name}"},
    service_account=ServiceAccountFrom(kind="field", path="spec.podSpec.serviceAccountName",
                                       source=Source(AKO, "v4.5.0", "internal/controller/backup-service/reconciler.go")),
    identity=Identity.irsa,
    bucket_operations=(backup_write(), restore_read(), clone_read()),
    # ABS s3-storage has no SSE fields (bucket, path, s3-region, s3-profile, s3-endpoint-override, s3-log-level,
    # min_part_size, max_async_connections: pkg/dto/storage.go:84-99, read at the mirror's newest commit, which
    # has no 3.0.0 tag): uploads rely on the bucket's default encryption.
    encryption=Encryption(kind="fixed", algorithm=None, source=Source(ABS, "main", "pkg/dto/storage.go", 84)),
    connections=(
        # The cluster listens on TLS 4333 only (network.service has tls-port, no port); the service's cluster
        # entry speaks TLS only with a `tls` block (pkg/dto/aerospike_cluster.go:26 TLS `yaml:"tls"`).
        Connection("cluster (backup and restore)", "tenant", {"app": "aerospike-cluster"}, 4333, to_name="{instance}",
                   client_tls="plan-aerospike-backup-tls", listener_tls="plan-aerospike-listener-tls",
                   # the cluster entry's credentials.password-path reads a Secret the service mounts (podSpec secrets)
                   credentials="plan:spec.secrets[].secretName",
                   source=Source(ABS, "v3.0.0", "pkg/dto/aerospike_cluster.go", 26)),
    ),
    binaries=(Binary("aerospike-backup-service", "spec.image"),),
    # The service's own `s3-storage` has `path: aerospike/<service>` (components/engines/aerospike.py s3_storage with
    # `backup_prefix`), the default key prefix; a clone's storage is the source's (`aerospike/<source>`).
)

ACTORS = (BACKUP_SERVICE,)
