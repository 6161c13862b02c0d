"""DragonflyDB (dragonfly-operator v1.1.11): who moves the data."""

from declarations.datapaths.model import (
    Actor, Binary, Encryption, Identity, ServiceAccountFrom, Source, backup_write, restore_read,
)

DO = "dragonflydb/dragonfly-operator"
TAG = "v1.1.11"

DRAGONFLY = Actor(
    name="dragonfly", engine="dragonfly", instance_type="kubernetes:dragonflydb.io/v1alpha1:Dragonfly",
    # The server itself writes snapshots to `snapshot.dir` (s3://...) and loads the latest at start; the
    # StatefulSet runs as spec.serviceAccountName (internal/resources/resources.go:307-308); pods carry
    # `app: <name>` (internal/resources/const.go:61).
    process="dragonfly (snapshot save on cron, load at start)", pod="{name}-N", namespace="tenant",
    pod_labels={"app": "{name}", "app.kubernetes.io/name": "dragonfly"},
    service_account=ServiceAccountFrom(kind="field", path="spec.serviceAccountName",
                                       source=Source(DO, TAG, "internal/resources/resources.go", 308)),
    identity=Identity.irsa,
    bucket_operations=(backup_write("snapshot write"), restore_read("snapshot load")),  # clones: restore_copy.py
    # Dragonfly's S3 snapshot writer sends no SSE headers (the bucket default encrypts): its only S3 flags are
    # s3_endpoint, s3_use_https, s3_ec2_metadata and s3_sign_payload (src/server/server_family.cc ABSL_FLAGs).
    encryption=Encryption(kind="fixed", algorithm=None,
                          source=Source("dragonflydb/dragonfly", "v1.25.6", "src/server/server_family.cc")),
    binaries=(Binary("dragonfly", "spec.image"),),
    # Snapshots are `<dir>/<snapshot name>` of `snapshot.dir` (s3://<bucket>/dragonfly/<service>); the latest is
    # found by listing that prefix (src/server/detail/snapshot_storage.cc AwsS3SnapshotStorage).
    key_prefix="{plan}", key_prefix_path="spec.snapshot.dir",
    key_prefix_source=Source("dragonflydb/dragonfly", "v1.25.6", "src/server/detail/snapshot_storage.cc"),
)

ACTORS = (DRAGONFLY,)
