"""Vitess (PlanetScale vitess-operator v2.17.0): who moves the data."""

from declarations.datapaths.model import (
    Actor, Binary, Encryption, Identity, ServiceAccountFrom, Source, backup_write, restore_read,
)

VO = "planetscale/vitess-operator"
TAG = "v2.17.0"
TYPE = "kubernetes:planetscale.com/v2:VitessCluster"

# Tablets and vtbackup pods run as DefaultVitessServiceAccount when the operator is started with
# --default_vitess_service_account (pkg/operator/environment/environment.go:49), else Kubernetes' `default`
# (pkg/apis/planetscale/v2/defaults.go:152; vttablet pod.go:410-411; vtbackup via
# pkg/controller/vitessbackupschedule/vitessbackupschedule_controller.go:909-910).
VITESS_SA = ServiceAccountFrom(kind="operator_flag", flag="default_vitess_service_account", default="default",
                               operator_namespace="vitess-operator",
                               source=Source(VO, TAG, "pkg/operator/vttablet/pod.go", 411))

# vitess/lite: --s3_backup_server_side_encryption ("server-side encryption algorithm (e.g., AES256, aws:kms)")
# sends the algorithm header only: no s3_backup_* flag names a KMS key (go/flags/endtoend/vttablet.txt lists
# aws_region, aws_retries, force_path_style, log_level, server_side_encryption, storage_bucket, storage_root,
# tls_skip_verify_cert). With `aws:kms` and no key id S3 would use the aws/s3 key, which the bucket policy refuses.
ENCRYPTION = Encryption(kind="plan", algorithm_path="spec.extraVitessFlags.s3_backup_server_side_encryption",
                        source=Source("vitessio/vitess", "v20.0.5", "go/flags/endtoend/vttablet.txt"))

# The S3 backup storage's keys are `<s3_backup_storage_root>/<dir>/<backup>/<file>` and ListBackups sends
# `<root>/<dir>/` (vitessio/vitess go/vt/mysqlctl/s3backupstorage/s3.go objName, ListBackups); the operator sets the
# root to the location's `keyPrefix` (`vitess/<service>`, components/engines/vitess.py) and the dir to
# `<cluster>/<keyspace>/<shard>` (components/engines/vitess.py backup_dir).
KEY_PREFIX, KEY_PREFIX_PATH = "{plan}/{name}/<keyspace>/<shard>", "spec.backup.locations[].s3.keyPrefix"
KEY_PREFIX_SOURCE = Source("vitessio/vitess", "v20.0.5", "go/vt/mysqlctl/s3backupstorage/s3.go")

VTTABLET = Actor(
    name="vttablet", engine="vitess", instance_type=TYPE,
    process="vttablet --restore_from_backup (and on-demand backups)", pod="{name}-vttablet-zone1-N",
    namespace="tenant", pod_labels={"planetscale.com/cluster": "{name}", "planetscale.com/component": "vttablet"},
    service_account=VITESS_SA, identity=Identity.irsa,
    bucket_operations=(restore_read(),), encryption=ENCRYPTION,  # clones: restore_copy.py
    key_prefix=KEY_PREFIX, key_prefix_path=KEY_PREFIX_PATH, key_prefix_source=KEY_PREFIX_SOURCE,
    binaries=(Binary("vttablet", "spec.images.vttablet"),),
)

VTBACKUP = Actor(
    name="vtbackup", engine="vitess", instance_type=TYPE,
    process="vtbackup (scheduled backup Job)", pod="{name}-backup-scheduled-N", namespace="tenant",
    pod_labels={"planetscale.com/cluster": "{name}", "planetscale.com/component": "vtbackup"},
    service_account=VITESS_SA, identity=Identity.irsa,
    # vtbackup first restores the shard's newest backup into its own mysqld (ListBackups, then the files), catches
    # up, then uploads a new one (vitessio/vitess go/cmd/vtbackup/cli/vtbackup.go takeBackup). It deletes nothing:
    # pruneBackups returns at once when --min_retention_time is 0 ("Pruning of old backups is disabled."), and
    # vitess-operator v2.17.0 passes 0 (components/engines/README.md: retention not applied), so no delete path.
    bucket_operations=(restore_read("previous backup read"), backup_write()),
    encryption=ENCRYPTION,
    key_prefix=KEY_PREFIX, key_prefix_path=KEY_PREFIX_PATH, key_prefix_source=KEY_PREFIX_SOURCE,
    # vtbackup runs in the mysqld image ("Use the mysqld container, as if we are running mysqlctld",
    # pkg/operator/vttablet/vtbackup_pod.go:179-186), its binary copied in by an init container from the vtbackup
    # image; the xtrabackup engine then needs xtrabackup in the mysqld image, which the official mysql images lack
    # (the operator's xtrabackup e2e runs vitess/lite:<v>-mysql80 for mysqld: test/endtoend/operator/
    # 101_initial_cluster_backup.yaml).
    binaries=(Binary("vtbackup", "spec.images.vtbackup", source=Source(VO, TAG, "pkg/operator/vttablet/vtbackup_pod.go", 173)),
              Binary("xtrabackup", "spec.images.mysqld.mysql80Compatible", images_without=("mysql:",),
                     source=Source(VO, TAG, "pkg/operator/vttablet/vtbackup_pod.go", 182))),
)

ACTORS = (VTTABLET, VTBACKUP)
