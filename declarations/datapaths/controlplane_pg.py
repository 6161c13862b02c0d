"""Control-plane PostgreSQL (CloudNativePG 1.29, in-tree barmanObjectStore): who moves the data."""

from declarations.datapaths.model import (
    Actor, Binary, BucketOperation, Encryption, Identity, ServiceAccountFrom, Source, backup_write, restore_read,
)

CNPG = "cloudnative-pg/cloudnative-pg"
TAG = "v1.29.0"

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
    bucket_operations=(BucketOperation("WAL archive", ("s3:PutObject", "s3:ListBucket"), ("kms:GenerateDataKey",)),
                       backup_write("base backup write"), restore_read("recovery read")),
    # CNPG 1.29 builds barman-cloud's arguments with cloudnative-pg/barman-cloud v0.5.0 (go.mod:14): only
    # `--encryption <data.encryption>` (pkg/backup/backup.go:66-67; the API has no KMS key id,
    # pkg/api/config.go:233): `aws:kms` sends the algorithm header without the key id, which the bucket policy
    # refuses (S3 would use aws/s3). Dropping `encryption` lets the bucket default (the platform key) apply.
    encryption=Encryption(kind="plan", algorithm_path="spec.backup.barmanObjectStore.data.encryption",
                          source=Source("cloudnative-pg/barman-cloud", "v0.5.0", "pkg/backup/backup.go", 66)),
    # The `standard` images carry no barman-cloud: the Dockerfile's `standard` stage (Dockerfile:24) adds
    # extensions only; `pip3 install barman[cloud,...]` runs in the `system` stage built FROM it (:35-49)
    # (cloudnative-pg/postgres-containers, read at its newest commit a949ae58).
    binaries=(Binary("barman-cloud-wal-archive", "spec.imageName", images_without=("-standard-",),
                     source=Source("cloudnative-pg/postgres-containers", "a949ae58", "Dockerfile", 35)),),
)

ACTORS = (POSTGRES,)
