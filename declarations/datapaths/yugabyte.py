"""YugabyteDB (YugabyteDB Anywhere 2024.2.2 with its Kubernetes operator): who moves the data."""

from declarations.datapaths.model import (
    Actor, Binary, BucketOperation, Connection, Encryption, Identity, ServiceAccountFrom, Source, backup_write,
    restore_read,
)

CHARTS = "yugabyte/charts"
TAG = "2024.2.2.0-b70"
TYPE = "kubernetes:operator.yugabyte.io/v1alpha1:YBUniverse"

YB_CONTROLLER = Actor(
    name="yb-controller", engine="yugabyte", instance_type=TYPE,
    # YBC (yb-controller-server) runs in each tserver pod and does the uploads and downloads itself with USE_IAM
    # credentials; the pods run as kubernetesOverrides.serviceAccount (stable/yugabyte templates/service.yaml).
    process="yb-controller-server (in the yb-tserver pods)", pod="yb-tserver-N", namespace="tenant",
    pod_labels={"app.kubernetes.io/part-of": "{name}", "app": "yb-tserver"},
    service_account=ServiceAccountFrom(kind="field", path="spec.kubernetesOverrides.serviceAccount",
                                       source=Source(CHARTS, TAG, "stable/yugabyte/templates/service.yaml")),
    identity=Identity.irsa,
    bucket_operations=(backup_write(), BucketOperation("incremental backup write", ("s3:PutObject",), ("kms:GenerateDataKey",)),
                       restore_read()),
    # YBA's STORAGE_S3 config (BACKUP_LOCATION, AWS_HOST_BASE, USE_IAM, keys) has no KMS key field: uploads rely on
    # the bucket's default encryption (no SSE headers). Not read in YBC's source (not public at the pin): verify.
    encryption=Encryption(kind="fixed", algorithm=None),
    binaries=(Binary("yb-controller-server", "fixed:yugabytedb/yugabyte"),),
    # The StorageConfig's BACKUP_LOCATION is `s3://<bucket>/yugabyte/<service>` (components/engines/yugabyte.py,
    # `self.args.backup_url`); YBC writes each backup under it (univ-<uuid>/...).
    key_prefix_source=Source("dbaas-platform", "-", "components/engines/yugabyte.py", 124),
)

YBA = Actor(
    name="yugaware", engine="yugabyte", instance_type=TYPE,
    # YBA validates a USE_IAM storage config (lists and writes a probe object) with its own identity before any
    # backup can be scheduled; it runs as the chart's serviceAccount, default the release name
    # (stable/yugaware/templates/statefulset.yaml:33, values.yaml:72,76; at 2025.1.4.0-b103, where `vendor` moves
    # the pin: statefulset.yaml:39, values.yaml:70,74).
    process="yugaware (storage config validation, backup and restore orchestration)", pod="yugaware-0",
    namespace="yb-operator", pod_labels={"app": "yugaware"},
    service_account=ServiceAccountFrom(kind="release", release="yugaware", path="yugaware.serviceAccount",
                                       default="yugaware", annotations_from="release_values",
                                       annotations_path="yugaware.serviceAccountAnnotations",
                                       source=Source(CHARTS, TAG, "stable/yugaware/templates/statefulset.yaml", 33)),
    identity=Identity.irsa,
    # AWSUtil.validateOnBucket (yugabyte/yugabyte-db managed/src/main/java/com/yugabyte/yw/common/AWSUtil.java, read
    # in the search index's stored version, see PINS.md): PutObject of `<cloudPath>/<uuid>.txt` under
    # BACKUP_LOCATION, GetObject of it (READ), ListObjectsV2 with the object's whole key as prefix (LIST,
    # listContainsObject), DeleteObject and the same list again; no SSE header (the bucket default applies).
    bucket_operations=(BucketOperation("storage config validation",
                                       ("s3:PutObject", "s3:GetObject", "s3:ListBucket", "s3:DeleteObject"),
                                       ("kms:GenerateDataKey", "kms:Decrypt"),
                                       object_name="<uuid>.txt", list_prefix="{object}"),
                       # Before every YBC backup or restore YBA asks the bucket's Region with its own credentials
                       # (AWSUtil.createCredsMapYbc), and it deletes expired backups under BACKUP_LOCATION itself
                       # (declarations/engine_catalog.py OperatorBackupAccess.why for YugabyteDB, the same reading;
                       # the listing prefix of the deletion is not read at the tag: modelled as the location's).
                       BucketOperation("backup location region", ("s3:GetBucketLocation",), ()),
                       BucketOperation("retention delete", ("s3:DeleteObject", "s3:ListBucket"), (),
                                       object_name="<backup>/<file>")),
    encryption=Encryption(kind="fixed", algorithm=None),
    key_prefix_source=Source("yugabyte/yugabyte-db", "2025.1.4.0-b103",
                             "managed/src/main/java/com/yugabyte/yw/common/AWSUtil.java"),
    connections=(Connection("yb-controller RPC", "tenant", {"app.kubernetes.io/part-of": "{name}"}, 18018,
                            client_tls=True, listener_tls=True,
                            source=Source(CHARTS, TAG, "stable/yugabyte/values.yaml")),),
)

ACTORS = (YB_CONTROLLER, YBA)
