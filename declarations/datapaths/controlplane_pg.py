"""Control-plane PostgreSQL (CloudNativePG 1.29, in-tree barmanObjectStore): who moves the data."""

from declarations.datapaths.model import (
    BACKUP_WRITE, KMS_WRITE, Actor, Binary, BucketOperation, Encryption, Identity, ServiceAccountFrom, Source,
    restore_read,
)

CNPG = "cloudnative-pg/cloudnative-pg"
TAG = "v1.29.0"

ARGS_SOURCE = Source("EnterpriseDB/barman", "release/3.19.1", "barman/cloud_providers/aws_s3.py", 205)
"""CNPG 1.29 builds barman-cloud's arguments with cloudnative-pg/barman-cloud v0.5.0 (go.mod:14): `--encryption
<encryption>` (pkg/backup/backup.go:66-67) and then the `additionalCommandArgs` of `data` (base backups) or
`archiveAdditionalCommandArgs` of `wal` (WAL archive) verbatim; the API has no KMS key id field
(pkg/api/config.go:233), so the platform passes `--sse-kms-key-id=<platform key ARN>` there
(components/controlplane_db/manifests.py) and barman 3.19.1 sends it as SSEKMSKeyId with every upload
(barman/cloud_providers/aws_s3.py:205-210 _extra_upload_args). Each is read from the plan per operation."""

POSTGRES = Actor(
    name="barman-cloud", engine="controlplane", instance_type="kubernetes:postgresql.cnpg.io/v1:Cluster",
    # The instance manager in each postgres pod execs barman-cloud-wal-archive / -backup / -restore
    # (pkg/management/postgres/archiver/archiver.go:335, restore.go:1014); the pods run as the cluster's name
    # (api/v1/cluster_funcs.go:1594-1598), a ServiceAccount made from spec.serviceAccountTemplate.
    process="barman-cloud-wal-archive, barman-cloud-backup, barman-cloud-wal-restore (instance manager)",
    pod="{name}-N", namespace="tenant", pod_labels={"cnpg.io/cluster": "{name}"},
    service_account=ServiceAccountFrom(kind="template", template="{name}", annotations_from="cr_field",
                                       annotations_path="spec.serviceAccountTemplate.metadata.annotations",
                                       source=Source(CNPG, TAG, "api/v1/cluster_funcs.go", 1598)),
    identity=Identity.irsa, bucket_from="controlplane",
    bucket_operations=(
        BucketOperation("WAL archive", ("s3:PutObject", "s3:ListBucket"), ("kms:GenerateDataKey",),
                        encryption=Encryption(kind="plan", algorithm_path="spec.backup.barmanObjectStore.wal.encryption",
                                              key_path="spec.backup.barmanObjectStore.wal.archiveAdditionalCommandArgs[]",
                                              key_flag="--sse-kms-key-id", source=ARGS_SOURCE)),
        BucketOperation("base backup write", BACKUP_WRITE, KMS_WRITE,
                        encryption=Encryption(kind="plan", algorithm_path="spec.backup.barmanObjectStore.data.encryption",
                                              key_path="spec.backup.barmanObjectStore.data.additionalCommandArgs[]",
                                              key_flag="--sse-kms-key-id", source=ARGS_SOURCE)),
        restore_read("recovery read")),
    # barman-cloud keeps a server's objects under `<destinationPath>/<serverName>/` (`wals/`, `base/`), the server
    # name being the cluster's name (CNPG passes it as barman-cloud's SERVER_NAME argument).
    key_prefix="{plan}/{name}", key_prefix_path="spec.backup.barmanObjectStore.destinationPath",
    # The `standard` images carry no barman-cloud: the Dockerfile's `standard` stage (Dockerfile:24) adds
    # extensions only; `pip3 install barman[cloud,...]` runs in the `system` stage built FROM it (:35-49)
    # (cloudnative-pg/postgres-containers, read at its newest commit a949ae58).
    binaries=(Binary("barman-cloud-wal-archive", "spec.imageName", images_without=("-standard-",),
                     source=Source("cloudnative-pg/postgres-containers", "a949ae58", "Dockerfile", 35)),),
)

ACTORS = (POSTGRES,)
