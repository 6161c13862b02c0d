"""ScyllaDB (Scylla Operator v1.15.0, Scylla Manager 3.4): who moves the data."""

from declarations.datapaths.model import (
    Actor, Binary, Connection, Encryption, Identity, ServiceAccountFrom, Source, backup_write, clone_read, restore_read,
)

SO = "scylladb/scylla-operator"
TAG = "v1.15.0"
TYPE = "kubernetes:scylla.scylladb.com/v1:ScyllaCluster"

AGENT = Actor(
    name="scylla-manager-agent", engine="scylla", instance_type=TYPE,
    # The agent sidecar uploads snapshots and downloads them for a restore; the Scylla pods run as
    # `<cluster>-member` (pkg/naming/names.go:191), made with the ScyllaCluster's annotations
    # (pkg/controller/scylladbdatacenter/resource.go MakeServiceAccount); it listens on 10001 (resource.go:1202).
    process="scylla-manager-agent (sidecar of each Scylla pod)", pod="{name}-af-south-1-a-N", namespace="tenant",
    pod_labels={"scylla/cluster": "{name}", "app.kubernetes.io/name": "scylla"},
    service_account=ServiceAccountFrom(kind="template", template="{name}-member", annotations_from="cr_annotations",
                                       source=Source(SO, TAG, "pkg/naming/names.go", 191)),
    identity=Identity.irsa,
    bucket_operations=(backup_write(), restore_read(), clone_read()),
    # The location is the bucket itself (`s3:<bucket>`, components/engines/scylla.py); Manager's layout puts every
    # object under `backup/` (`backup/{meta,sst,schema}/cluster/<cluster id>/...`, scylla-manager v3.4.0
    # pkg/service/backup/backupspec RemoteManifestDir, RemoteSSTableBaseDir), and a clone reads the source
    # cluster's directories in the same bucket.
    key_prefix="backup", key_prefix_source=Source("scylladb/scylla-manager", "v3.4.0", "pkg/service/backup/backupspec"),
    # The agent config Secret (components/engines/scylla.py agent_config) sets rclone's server_side_encryption
    # aws:kms and sse_kms_key_id to the tenant key.
    encryption=Encryption(kind="fixed", algorithm="aws:kms", sends_key_id=True),
    binaries=(Binary("scylla-manager-agent", "fixed:scylladb/scylla-manager-agent"),),
)

MANAGER = Actor(
    name="scylla-manager", engine="scylla", instance_type=TYPE,
    # The operator registers each cluster in Manager with the agents' auth token, `ForceTLSDisabled` and
    # `ForceNonSslSessionPort` and no CQL credentials (pkg/controller/manager/sync_action.go:50-60); the platform adds
    # the credentials afterwards with `sctool cluster update --username --password` from the
    # `<ns>-<instance>-manager-cql` Job in Manager's namespace (components/engines/scylla.py MANAGER_CQL_SCRIPT).
    # With PasswordAuthenticator on, Manager needs them for the schema backup of Scylla 6.x
    # (scylla-manager v3.4.0 pkg/service/backup/worker_schema.go:48-53) and for every restore
    # (pkg/service/restore/service.go:196): scylla-operator#2548, #1896.
    process="scylla-manager (registration, schema backup over CQL, restore orchestration)",
    pod="scylla-manager", namespace="scylla-manager", pod_labels={"app.kubernetes.io/name": "scylla-manager"},
    # helm/scylla-manager/templates/manager_deployment.yaml:24, _helpers.tpl:65-71: serviceAccount.name, else the
    # chart's fullname.
    service_account=ServiceAccountFrom(kind="release", release="scylla-manager", path="serviceAccount.name",
                                       default="scylla-manager", annotations_from="release_values",
                                       annotations_path="serviceAccount.annotations",
                                       source=Source(SO, TAG, "helm/scylla-manager/templates/manager_deployment.yaml", 24)),
    identity=Identity.none,
    no_identity_why="Manager itself never touches the bucket (the agents do)",
    connections=(
        Connection("agent API (registration, backup and restore tasks)", "tenant", {"scylla/cluster": "{name}"}, 10001,
                   client_tls=True, listener_tls=True, source=Source(SO, TAG, "pkg/controller/manager/sync_action.go", 53)),
        # `ForceNonSslSessionPort` and `ForceTLSDisabled` (sync_action.go:55-56): Manager dials the node's
        # `native_transport_port` 9042 in plain TCP (scylla-manager v3.4.0 pkg/service/cluster/service.go
        # extendClusterConfigWithTLS), which Scylla serves without TLS beside the TLS port 9142.
        Connection("CQL (schema backup and restore)", "tenant", {"scylla/cluster": "{name}"}, 9042,
                   client_tls=False, listener_tls=False,
                   credentials="registered-by-job:scylla-manager:CLUSTER={namespace}/{name}",
                   source=Source(SO, TAG, "pkg/controller/manager/sync_action.go", 55)),
    ),
)

ACTORS = (AGENT, MANAGER)
