"""MongoDB (Percona Operator for MongoDB 1.19.1, PBM 2.8.0): who moves the data."""

from declarations.datapaths.model import (
    Actor, Binary, BucketOperation, Encryption, Identity, ServiceAccountFrom, Source, backup_write, clone_read, restore_read,
)

PSMDB = "percona/percona-server-mongodb-operator"
TAG = "v1.19.1"
TYPE = "kubernetes:psmdb.percona.com/v1:PerconaServerMongoDB"
PBM = "percona/percona-backup-mongodb"
PBM_TAG = "2f499a6a31c8"
"""The PBM commit psmdb-operator v1.21.2's go.mod pins (the operator links PBM for validation and retention)."""

PBM_AGENT = Actor(
    name="pbm-agent", engine="mongodb", instance_type=TYPE,
    # The `backup-agent` container (pkg/naming/naming.go:13 ContainerBackupAgent) runs pbm-agent beside mongod in
    # every replica-set pod; the StatefulSet runs as the replset's serviceAccountName (pkg/psmdb/statefulset.go:310).
    process="pbm-agent (container backup-agent)", pod="{name}-rs0-N", namespace="tenant",
    pod_labels={"app.kubernetes.io/instance": "{name}", "app.kubernetes.io/name": "percona-server-mongodb"},
    service_account=ServiceAccountFrom(kind="field", path="spec.replsets[].serviceAccountName",
                                       source=Source(PSMDB, TAG, "pkg/psmdb/statefulset.go", 310)),
    identity=Identity.irsa,
    bucket_operations=(backup_write(), BucketOperation("oplog archive", ("s3:PutObject",), ("kms:GenerateDataKey",)),
                       restore_read(), clone_read()),
    # PBM sends the storage's serverSideEncryption (sseAlgorithm, kmsKeyID) on every upload.
    encryption=Encryption(kind="plan", algorithm_path="spec.backup.storages.*.s3.serverSideEncryption.sseAlgorithm",
                          key_path="spec.backup.storages.*.s3.serverSideEncryption.kmsKeyID",
                          source=Source(PSMDB, TAG, "pkg/psmdb/backup/pbm.go")),
    binaries=(Binary("pbm-agent", "spec.backup.image", source=Source(PSMDB, TAG, "pkg/psmdb/backup/agent.go")),),
    # Every key is path.Join(<storage prefix>, name) and List sends `<prefix>/` (percona-backup-mongodb
    # pbm/storage/s3/s3.go Save, List); the own storage's prefix is the service's `mongodb/<service>`
    # (components/engines/mongodb.py storages: `s3(self.args.backup_prefix)`).
    key_prefix_source=Source(PBM, PBM_TAG, "pbm/storage/s3/s3.go"),
)

OPERATOR = Actor(
    name="psmdb-operator", engine="mongodb", instance_type=TYPE,
    # The restore controller validates the backup itself before any agent runs: validate() reads the storage
    # (pkg/controller/perconaservermongodbrestore/validate.go:20-47, backup.GetPBMConfig -> GetMetaFromStore);
    # retention (deleteFromStorage) deletes from the operator pod too.
    process="percona-server-mongodb-operator (restore validation, retention pruning)",
    pod="percona-server-mongodb-operator", namespace="psmdb-operator",
    pod_labels={"app.kubernetes.io/name": "psmdb-operator"},
    # The Deployment runs as the chart's fullname, the release name here (templates/deployment.yaml:34); the
    # ServiceAccount carries the values' serviceAccount.annotations (templates/role-binding.yaml:7); the same at
    # psmdb-operator-1.21.3 (PINS.md: mongo-yb moves the pin there).
    service_account=ServiceAccountFrom(kind="release", release="psmdb-operator", path="",
                                       default="psmdb-operator", annotations_from="release_values",
                                       annotations_path="serviceAccount.annotations",
                                       source=Source("percona/percona-helm-charts", "psmdb-operator-1.19.1",
                                                     "charts/psmdb-operator/templates/deployment.yaml", 34)),
    identity=Identity.irsa,
    # validate: GetMetaFromStore reads `<prefix>/<backup>.pbm.json` and CheckBackupFiles stats the backup's files
    # (psmdb v1.21.2 pkg/psmdb/backup/pbm.go:716); retention lists the storage (`<prefix>/`) and deletes a backup's
    # files and oplog chunks under the same prefix (pkg/controller/perconaservermongodbbackup/
    # psmdb_backup_controller.go:584-615), all through PBM's S3 storage with the storage's prefix.
    bucket_operations=(BucketOperation("restore validation read", ("s3:GetObject", "s3:ListBucket"), ("kms:Decrypt",),
                                       object_name="<backup>.pbm.json"),
                       BucketOperation("retention delete", ("s3:DeleteObject", "s3:ListBucket"), (),
                                       object_name="<backup>/rs0/<file>")),
    key_prefix_source=Source(PBM, PBM_TAG, "pbm/storage/s3/s3.go"),
    sources=(Source(PSMDB, TAG, "pkg/controller/perconaservermongodbrestore/validate.go", 47),),
)

ACTORS = (PBM_AGENT, OPERATOR)
