"""Engines a tenant may ask for, with the versions the platform supports and can restore."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum

from croniter import croniter as _croniter

from declarations.chart_pins import PinnedChart, PinnedManifest
from declarations.naming import service_instance


class EngineName(str, Enum):
    yugabyte = "yugabyte"
    vitess = "vitess"
    scylla = "scylla"
    dragonfly = "dragonfly"
    aerospike = "aerospike"
    mongodb = "mongodb"


SUPPORTED_VERSIONS: dict[EngineName, tuple[str, ...]] = {
    EngineName.yugabyte: ("2.20", "2024.1", "2024.2"),
    EngineName.vitess: ("23.0", "24.0"),
    EngineName.scylla: ("6.1", "6.2"),
    EngineName.dragonfly: ("1.24", "1.25"),
    EngineName.aerospike: ("7.1", "7.2"),
    EngineName.mongodb: ("6.0", "7.0", "8.0"),
}

RETIRED_VERSIONS: dict[EngineName, dict[str, str]] = {
    EngineName.vitess: dict.fromkeys(("19.0", "20.0", "21.0"), (
        "the pinned vitess-operator v2.17.0 is built against Vitess 24 (go.mod vitess.io/vitess v0.24.0, default "
        "image vitess/lite:v24.0.0-mysql80 in pkg/apis/planetscale/v2/defaults.go) and tested from Vitess 23 "
        "(test/endtoend/upgrade_test.sh: v23.0.3 upgraded to v24.0.0); its compatibility table pairs Vitess 21 with "
        "operator v2.14, which supports Kubernetes up to 1.31 only")),
}
"""Versions the platform supported before and no longer does, with the reason a declaration naming one is told."""


# --- What the platform runs for each engine: operator charts, images, ports, backup abilities. ---
# Everything below is pinned: a chart or image bump is a reviewed change to this table, and an
# engine version the platform cannot name an image for cannot appear in SUPPORTED_VERSIONS.

@dataclass(frozen=True)
class OperatorRelease:
    """One operator Helm release: its name, the pinned chart, and the values the platform sets."""

    release: str
    chart: PinnedChart | PinnedManifest
    values: dict = field(default_factory=dict)
    """Helm values (charts only)."""
    crds: PinnedManifest | None = None
    """CRDs the chart does not ship, vendored at the chart's tag, that the platform applies itself."""
    namespace: str | None = None
    """Where the release goes when its chart fixes a namespace of its own; default the engine's operator namespace."""


@dataclass(frozen=True)
class OperatorBackupAccess:
    """Backup objects an engine's operator process (not the database pods) reads or deletes itself, with the
    cloud identity of its own pod: the platform gives that pod an IRSA role limited to these actions on
    `<engine>/...` of the region's tenant buckets, and each tenant key admits that role for `key_actions`
    (components/aws_policies.py operator_backup_policy, key_policy)."""

    service_account: str
    """The operator pod's ServiceAccount in the engine's operator namespace, as its chart names it."""
    annotations_value: tuple[str, ...]
    """Where the chart takes that ServiceAccount's annotations (the IRSA role ARN goes there)."""
    object_actions: tuple[str, ...]
    """S3 actions on objects under the engine's prefix; listing is allowed under that prefix only."""
    key_actions: tuple[str, ...]
    """KMS actions on each tenant key, through S3 only (objects are SSE-KMS under the tenant key)."""
    bucket_actions: tuple[str, ...] = ()
    """S3 actions on the tenant buckets themselves, besides listing the prefix."""
    why: str = ""
    """What the operator does with them, with the upstream source."""


@dataclass(frozen=True)
class EngineSpec:
    """Platform facts about one engine that tenants cannot choose."""

    engine: EngineName
    title: str
    operator: str
    operator_namespace: str
    charts: tuple[OperatorRelease, ...]
    images: dict[str, str]
    """Supported version -> exact image (or software version) the instance runs."""
    client_port: int
    """The port clients (and Debezium) connect to; TLS where the engine supports it."""
    tls: bool
    pitr: bool
    """Whether the platform wires point-in-time recovery for this engine."""
    backup_mechanism: str
    pod_service_account_suffix: str | None = None
    """When the operator runs the data pods under a ServiceAccount of its own, named `<instance><suffix>`,
    rather than the tenant's workload ServiceAccount: whatever in those pods reaches the tenant bucket
    (ScyllaDB's manager agent, for backups and restores) needs the tenant role to trust it too."""
    operator_backup_access: OperatorBackupAccess | None = None
    """Set when the operator's own pod reads the tenant's backups (restore validation, retention): see
    OperatorBackupAccess."""

    @property
    def namespaces(self) -> tuple[str, ...]:
        """Every namespace the engine's releases run in, the operator's first: all of them manage the instances."""
        extra = sorted({r.namespace for r in self.charts if r.namespace and r.namespace != self.operator_namespace})
        return (self.operator_namespace, *extra)


def operator_service_accounts(services: Iterable[tuple[str, "EngineName"]]) -> tuple[str, ...]:
    """The operator-made ServiceAccounts, in the tenant namespace, whose pods use the tenant role,
    for (service name, engine) pairs (naming.service_instance gives the instance name)."""
    return tuple(sorted(
        service_instance(name, engine.value) + suffix
        for name, engine in services
        if (suffix := ENGINE_SPECS[engine].pod_service_account_suffix) is not None))


VITESS_OPERATOR = PinnedManifest("vitess-operator", "v2.17.0", crd_groups=("planetscale.com",))
"""PlanetScale publishes no chart for the vitess-operator; its install is deploy/ of each release tag. It is
vendored rendered, with reviewed fixes (vendor/vitess-operator/rendered.yaml, tools/vendoring/vitess_operator.py),
and applied object by object by the platform stack. v2.17.0 (Kubernetes 1.32-1.35 in its README's table, so the
pinned 1.33 is inside) supports the Vitess versions above."""

YUGAWARE_CRDS = PinnedManifest("yugaware", "2025.1.4", crd_groups=("operator.yugabyte.io",))
"""The yugaware chart ships no CRDs; yugabyte/charts publishes them as crds/concatenated_crd.yaml at the chart's tag
(its appVersion, 2025.1.4.0-b103), vendored in vendor/yugaware/ and applied by the platform before the chart."""

YBA_APP_CONF = {"yb.backup.s3.use_db_nodes_iam_role_for_backup": True}
"""YBA configuration the yugaware chart writes into application.conf (`additionalAppConf.nonStringConf`, chart
2025.1.4 templates/configs.yaml:169-172). With a `USE_IAM` StorageConfig YBA by default hands its own temporary
credentials to YBC in the tserver pods (AWSUtil.createCredsMapYbc -> fillMapWithIAMCreds), so every tenant's data
would move under YBA's role; with this key it passes `USE_AWS_IAM=true` and YBC uses the pod's own IAM, the tenant
role on `tenant-workload` (the `useDBNodesIAMRoleForBackup` branch of AWSUtil.createCredsMapYbc; the key arrived in
yugabyte/yugabyte-db 2.25.1.0-b85, "ability to use IAM role attached on the DB node itself", default false; YBA
still needs its own role for validation and deletion, as that release note says)."""

ENGINE_SPECS: dict[EngineName, EngineSpec] = {
    EngineName.yugabyte: EngineSpec(
        engine=EngineName.yugabyte,
        title="YugabyteDB",
        operator="YugabyteDB Anywhere with its Kubernetes operator",
        operator_namespace="yb-operator",
        charts=(
            OperatorRelease(
            release="yugaware",
            # 2025.1.4: the newest 2025.1 chart; BackupSchedule and YBUniverse masterDeviceInfo, both emitted, do not
            # exist before 2025.1 (2024.2.2's CRDs lack them).
            chart=PinnedChart("yugaware", "2025.1.4", "https://charts.yugabyte.com"), crds=YUGAWARE_CRDS,
            values={"yugaware": {"kubernetesOperatorEnabled": True, "kubernetesOperatorNamespace": ""},
                    "additionalAppConf": {"nonStringConf": YBA_APP_CONF}}),
        ),
        images={"2.20": "2.20.8.0-b53", "2024.1": "2024.1.3.0-b105", "2024.2": "2024.2.2.0-b70"},
        client_port=5433,
        tls=True,
        pitr=True,
        backup_mechanism="YBA scheduled full + incremental backups (YBC) via StorageConfig + BackupSchedule",
        operator_backup_access=OperatorBackupAccess(
            # yugaware chart 2025.1.4 (yugabyte/charts 48a34d0): the ServiceAccount is the release name
            # (stable/yugaware/templates/rbac.yaml:20, statefulset.yaml:39), annotated from
            # `yugaware.serviceAccountAnnotations` (rbac.yaml:28-31).
            service_account="yugaware",
            annotations_value=("yugaware", "serviceAccountAnnotations"),
            object_actions=("s3:PutObject", "s3:GetObject", "s3:DeleteObject"),
            key_actions=("kms:Decrypt", "kms:GenerateDataKey"),
            # AWSUtil.createCredsMapYbc asks the bucket's Region (GetBucketLocation) with YBA's credentials before
            # every YBC backup or restore, and fails it when that is refused ("Failed to retrieve region of Bucket").
            bucket_actions=("s3:GetBucketLocation",),
            why="a StorageConfig with USE_IAM is validated by YBA itself when the operator creates it "
                "(StorageConfigReconciler.onAdd -> CustomerConfigService.create -> CustomerConfigStorageS3Validator, "
                "AWSUtil.validateOnBucket: put, read, list and delete a test object under BACKUP_LOCATION), with "
                "YBA's own credentials (IAMTemporaryCredentialsProvider: AssumeRoleWithWebIdentity from "
                "AWS_ROLE_ARN/AWS_WEB_IDENTITY_TOKEN_FILE first); YBA also lists a backup's location before a "
                "restore, asks the bucket's Region for YBC, and deletes expired backups. The data itself moves with "
                "the tserver pods' tenant role: YBA_APP_CONF below makes YBC use the DB pods' IAM instead of YBA's "
                "credentials",
        ),
    ),
    EngineName.vitess: EngineSpec(
        engine=EngineName.vitess,
        title="Vitess",
        operator="PlanetScale vitess-operator",
        operator_namespace="vitess-operator",
        charts=(OperatorRelease(
            release="vitess-operator",
            chart=VITESS_OPERATOR),),
        # The releases vitess-operator v2.17.0 runs in its own tests (test/endtoend/upgrade_test.sh: v23.0.3, then
        # v24.0.0); components/engines/vitess.py derives the `-mysql80` variant from these where it needs xtrabackup.
        images={"23.0": "vitess/lite:v23.0.3", "24.0": "vitess/lite:v24.0.0"},
        client_port=3306,
        tls=True,
        pitr=False,
        backup_mechanism="vtbackup (xtrabackup) jobs from the cluster's backup schedules to an S3 backup location",
    ),
    EngineName.scylla: EngineSpec(
        engine=EngineName.scylla,
        title="ScyllaDB",
        operator="Scylla Operator with Scylla Manager",
        operator_namespace="scylla-operator",
        charts=(
            OperatorRelease(
            release="scylla-operator",
            chart=PinnedChart("scylla-operator", "v1.15.0", "https://scylla-operator-charts.storage.googleapis.com/stable",
                              crd_groups=("scylla.scylladb.com",))),
            OperatorRelease(
            release="scylla-manager",
            chart=PinnedChart("scylla-manager", "v1.15.0", "https://scylla-operator-charts.storage.googleapis.com/stable"),
            # The chart writes `namespace: scylla-manager` into its templates
            # (helm/scylla-manager/templates/manager_deployment.yaml, manager_service.yaml), so the release goes there.
            namespace="scylla-manager"),
        ),
        images={"6.1": "6.1.4", "6.2": "6.2.3"},
        client_port=9142,
        tls=True,
        pitr=False,
        backup_mechanism="Scylla Manager backup task (snapshots uploaded by the manager agent)",
        pod_service_account_suffix="-member",
        # scylla-operator v1.15.0: Scylla pods (with the manager agent sidecar) run as `<cluster>-member`
        # (pkg/naming/names.go MemberServiceAccountNameForScyllaDBDatacenter), a ServiceAccount the operator
        # makes with the ScyllaCluster's annotations (pkg/controller/scyllacluster/migrate.go copies them to
        # the ScyllaDBDatacenter, pkg/controller/scylladbdatacenter/resource.go MakeServiceAccount to it).
    ),
    EngineName.dragonfly: EngineSpec(
        engine=EngineName.dragonfly,
        title="DragonflyDB",
        operator="Dragonfly operator",
        operator_namespace="dragonfly-operator",
        charts=(OperatorRelease(
            release="dragonfly-operator",
            chart=PinnedChart("oci://ghcr.io/dragonflydb/dragonfly-operator/helm/dragonfly-operator", "v1.1.11", None,
                              crd_groups=("dragonflydb.io",))),),
        images={"1.24": "docker.dragonflydb.io/dragonflydb/dragonfly:v1.24.0",
                "1.25": "docker.dragonflydb.io/dragonflydb/dragonfly:v1.25.6"},
        client_port=6379,
        tls=True,
        pitr=False,
        backup_mechanism="Dragonfly snapshots written directly to S3 on the service's cron",
    ),
    EngineName.aerospike: EngineSpec(
        engine=EngineName.aerospike,
        title="Aerospike",
        operator="Aerospike Kubernetes Operator (Enterprise Edition)",
        operator_namespace="aerospike-operator",
        charts=(OperatorRelease(
            release="aerospike-kubernetes-operator",
            # 4.5.0: the latest release, and the first whose CRD matches the shared AerospikeCluster schema
            # except two fields added after it (spec/status.ignoreSidecarFailure, unused here); 4.0.2 lacked
            # rackConfig revisions (added in 4.2.0), which storage growth relies on.
            chart=PinnedChart("aerospike-kubernetes-operator", "4.5.0", "https://aerospike.github.io/aerospike-kubernetes-enterprise",
                              crd_groups=("asdb.aerospike.com",)), values={"watchNamespaces": ""}),),
        images={"7.1": "aerospike/aerospike-server-enterprise:7.1.0.14",
                "7.2": "aerospike/aerospike-server-enterprise:7.2.0.8"},
        client_port=4333,
        tls=True,
        pitr=False,
        backup_mechanism="Aerospike Backup Service full backups (AerospikeBackupService + AerospikeBackup routine)",
    ),
    EngineName.mongodb: EngineSpec(
        engine=EngineName.mongodb,
        title="MongoDB",
        operator="Percona Operator for MongoDB",
        operator_namespace="psmdb-operator",
        charts=(OperatorRelease(
            release="psmdb-operator",
            # Chart 1.21.3 installs operator 1.21.2 (percona-helm-charts charts/psmdb-operator/Chart.yaml appVersion):
            # storages' `main` (1.20) and tasks' `retention` (honoured from crVersion 1.21.0, psmdb v1.21.2
            # pkg/apis/psmdb/v1/psmdb_types.go GetRetention) exist there; 1.19.1 pruned both.
            chart=PinnedChart("psmdb-operator", "1.21.3", "https://percona.github.io/percona-helm-charts/", crd_groups=("psmdb.percona.com",)), values={"watchAllNamespaces": True}),),
        images={"6.0": "percona/percona-server-mongodb:6.0.19-16",
                "7.0": "percona/percona-server-mongodb:7.0.15-9",
                "8.0": "percona/percona-server-mongodb:8.0.4-1"},
        client_port=27017,
        tls=True,
        pitr=True,
        backup_mechanism="Percona Backup for MongoDB: scheduled physical backups plus continuous oplog (PITR)",
        operator_backup_access=OperatorBackupAccess(
            # psmdb-operator chart 1.21.3: release `psmdb-operator` contains the chart name, so the fullname and the
            # ServiceAccount are `psmdb-operator` (templates/_helpers.tpl:14-25, role-binding.yaml:1-10), annotated
            # from `serviceAccount.annotations`.
            service_account="psmdb-operator",
            annotations_value=("serviceAccount", "annotations"),
            object_actions=("s3:GetObject", "s3:DeleteObject"),
            key_actions=("kms:Decrypt",),
            why="the operator validates every restore in its own process before the agents run it "
                "(psmdb v1.21.2 pkg/controller/perconaservermongodbrestore/validate.go:61 -> pkg/psmdb/backup/pbm.go:716 "
                "ValidateBackupInStorage: GetMetaFromStore reads <backup>.pbm.json, CheckBackupFiles stats the files), "
                "and deletes backups and oplog chunks for retention (pkg/controller/perconaservermongodbbackup/"
                "psmdb_backup_controller.go:584-615); PBM there takes IRSA credentials before any node role "
                "(percona-backup-mongodb 2f499a6a31c8, the operator's go.mod pin, pbm/storage/s3/s3.go:667-677)",
        ),
    ),
}

def engine_spec(engine: EngineName | str) -> EngineSpec:
    return ENGINE_SPECS[EngineName(engine)]


# --- Backup cadence: what a five-field cron schedule means for engines that count or space backups. ---

CADENCE_REFERENCE = _dt.datetime(2025, 1, 6, tzinfo=_dt.timezone.utc)
"""A fixed Monday 00:00 UTC: cadence facts derived from it are deterministic, so plans never drift."""

FIXED_INTERVAL_ENGINES: frozenset[EngineName] = frozenset({EngineName.scylla})
"""Engines whose scheduler takes an interval and a start date instead of a cron expression."""


def _fires(schedule: str, start: _dt.datetime, end: _dt.datetime) -> list[_dt.datetime]:
    it = _croniter(schedule, start - _dt.timedelta(seconds=1))
    out: list[_dt.datetime] = []
    while True:
        nxt = it.get_next(_dt.datetime)
        if nxt >= end:
            return out
        out.append(nxt)


def first_fire(schedule: str) -> _dt.datetime:
    """The first time `schedule` fires at or after CADENCE_REFERENCE."""
    return _croniter(schedule, CADENCE_REFERENCE - _dt.timedelta(seconds=1)).get_next(_dt.datetime)


def fixed_interval(schedule: str) -> _dt.timedelta | None:
    """The constant gap between runs of `schedule` over two weeks, or None if the gaps vary."""
    fires = _fires(schedule, CADENCE_REFERENCE, CADENCE_REFERENCE + _dt.timedelta(days=14))
    gaps = {b - a for a, b in zip(fires, fires[1:])}
    if len(gaps) == 1:
        gap = gaps.pop()
        # The wrap from the last run of a week to the first of the next is a gap too.
        return gap if (_dt.timedelta(days=7) % gap) == _dt.timedelta(0) else None
    return None


def shortest_interval(schedule: str) -> _dt.timedelta:
    """The shortest gap between two runs of `schedule` within two weeks; for a schedule that runs less often
    (`0 0 29 2 *`), the gap between its next runs."""
    fires = _fires(schedule, CADENCE_REFERENCE, CADENCE_REFERENCE + _dt.timedelta(days=14))
    if len(fires) < 2:
        runs = _croniter(schedule, CADENCE_REFERENCE - _dt.timedelta(seconds=1))
        fires = [runs.get_next(_dt.datetime) for _ in range(3)]
    return min(b - a for a, b in zip(fires, fires[1:]))


def backups_retained(schedule: str, retention_days: int) -> int:
    """How many backups `schedule` takes in `retention_days` days: the count to keep for count-based retention."""
    week = _dt.timedelta(days=7)
    per_week = len(_fires(schedule, CADENCE_REFERENCE, CADENCE_REFERENCE + week))
    full_weeks, rest_days = divmod(retention_days, 7)
    rest = len(_fires(schedule, CADENCE_REFERENCE, CADENCE_REFERENCE + _dt.timedelta(days=rest_days)))
    return max(1, full_weeks * per_week + rest)


# --- How each engine restores a new service from another service's backups (`restore_from`). ---

@dataclass(frozen=True)
class RestoreWay:
    """What the platform can do for `restore_from` on one engine, and how (engines README table)."""

    how: str
    clone: bool
    """`backup: latest`: restore the source's current state."""
    named: bool
    """`backup: <id>`: restore one named backup."""
    point_in_time: bool
    """`point_in_time:` through the operator's own restore."""
    missing: str = ""
    """What is not possible yet, and why; shown when a declaration asks for it."""
    backup_id: str = ""
    """A regular expression every named backup of this engine matches (empty: any BACKUP_ID), so a mistyped id is
    refused at validation instead of failing the restore Job an apply later."""
    backup_id_form: str = ""
    """The form of a named backup, with an example, for the refusal."""
    keeps_source_names: str = ""
    """Non-empty when the restored service keeps naming the source's data after the restore (Vitess: the MySQL
    database), and why: `restore_from` must then stay in the file, and its source may not itself be restored."""
    same_version_only: str = ""
    """Non-empty when a backup restores only into the source's own version (not a newer one), and why."""


RESTORE_WAYS: dict[EngineName, RestoreWay] = {
    EngineName.mongodb: RestoreWay(
        how="PerconaServerMongoDBRestore: a clone restores a fresh PerconaServerMongoDBBackup of the source; a named "
            "backup (or the base of a point in time, with `pitr.date`) through `backupSource` at the source's prefix",
        clone=True, named=True, point_in_time=True,
        same_version_only="Percona Backup for MongoDB restores a backup only into the MongoDB major.minor it was "
                          "taken from (percona-backup-mongodb v2.11.0 pbm/restore/physical.go:2616, logical.go:843)"),
    EngineName.yugabyte: RestoreWay(
        how="RestoreJob naming a Backup: a clone restores a fresh Backup of the source universe; a named backup is "
            "the name of a Backup object of the source",
        clone=True, named=True, point_in_time=False,
        missing="RestoreJob has no restore time (only YBA's REST API restores to a time)"),
    EngineName.aerospike: RestoreWay(
        how="AerospikeRestore: a named backup (its data path) as type Full through the new instance's backup "
            "service; a clone as type Timestamp (the source's routine, a time after every backup) through the "
            "source's backup service, which mounts the new cluster's credentials",
        clone=True, named=True, point_in_time=False),
    EngineName.dragonfly: RestoreWay(
        how="one-shot Job, before the new instance starts, that copies the source's latest (or named) snapshot to "
            "the new service's prefix under the new instance's file name (snapshot names carry the instance name)",
        clone=True, named=True, point_in_time=False,
        backup_id=r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}",
        backup_id_form="a snapshot's timestamp, e.g. 2026-11-20T02:00:00"),
    EngineName.scylla: RestoreWay(
        how="one-shot Job in Scylla Manager's namespace, after the new cluster is registered: `sctool restore` of "
            "the source's latest (or named) snapshot from the tenant bucket, schema first, then tables",
        clone=True, named=True, point_in_time=False,
        backup_id=r"sm_[0-9]{14}UTC", backup_id_form="a Scylla Manager snapshot tag, e.g. sm_20261120020000UTC"),
    EngineName.vitess: RestoreWay(
        how="one-shot Job, before the new cluster starts, that copies the source's latest (or named) complete backup "
            "into the new cluster's shard directory; its tablets restore it (`--restore_from_backup`), serving the "
            "source's MySQL database (`databaseName: vt_<source keyspace>`) under the new keyspace name",
        clone=True, named=True, point_in_time=False,
        backup_id=r"[0-9]{4}-[0-9]{2}-[0-9]{2}\.[0-9]{6}\.[a-z0-9]+-[0-9]+",
        backup_id_form="a Vitess backup name, e.g. 2026-11-20.020000.zone1-0000000101",
        keeps_source_names="a restored keyspace keeps serving its source's MySQL database, vt_<source keyspace>, "
                           "named by restore_from"),
}


# --- How each engine's operator restarts an instance's pods declaratively (`operations: [{action: restart}]`). ---

@dataclass(frozen=True)
class RestartWay:
    """Where the platform puts a restart, and whether removing the entry later is safe (engines README)."""

    how: str
    declarative: bool
    kept_when_removed: bool = False
    """True: the marker is a pod-template field that the operator rolls on every change, including its removal, so
    the engine module keeps the last value when the entry leaves (Pulumi `ignoreChanges` on that one field)."""
    missing: str = ""
    """Why the operator cannot, and what to do instead; shown when a declaration asks for it."""


RESTART_WAYS: dict[EngineName, RestartWay] = {
    EngineName.mongodb: RestartWay(
        how="`replsets[0].annotations` (pod template annotations, psmdb pkg/psmdb/statefulset.go): the operator's "
            "SmartUpdate restarts secondaries first, then steps the primary down",
        declarative=True, kept_when_removed=True),
    EngineName.scylla: RestartWay(
        how="`forceRedeploymentReason` (ScyllaCluster: a rolling update of all racks for a new string)",
        declarative=True, kept_when_removed=True),
    EngineName.dragonfly: RestartWay(
        how="`annotations` (pod template annotations of the StatefulSet, dragonfly-operator internal/resources/"
            "resources.go): the operator's rolling update restarts replicas first, then fails the master over",
        declarative=True, kept_when_removed=True),
    EngineName.vitess: RestartWay(
        how="the tablet pool's `annotations` (vitess-operator pkg/operator/vttablet/pod.go: a changed annotation "
            "recreates each tablet Pod in a rolling update); vtgate, vtctld and vtorc are not restarted",
        declarative=True, kept_when_removed=True),
    EngineName.aerospike: RestartWay(
        how="`operations: [{id, kind: PodRestart}]`, AKO's own one-shot operation, tracked by id (a removed "
            "operation restarts nothing)",
        declarative=True),
    EngineName.yugabyte: RestartWay(
        how="not through the operator: YBUniverse has no restart field, and YBA restarts a universe only as its own "
            "task (RestartUniverseKubernetesUpgrade)",
        declarative=False,
        missing="the YugabyteDB Anywhere operator has no restart field in YBUniverse; ask the platform team to run "
                "YBA's rolling restart of the universe (Universe > Actions > Initiate Rolling Restart, or "
                "POST /api/v1/customers/<c>/universes/<u>/upgrade/restart), and remove this entry"),
}


# --- What removes old backups, where it is not the engine honouring `backups.retention_days`. ---

BACKUP_RETENTION: dict[EngineName, str] = {
    EngineName.vitess: (
        "not enforced by the engine: at vitess-operator v2.17.0 every vtbackup runs with `--min_retention_time=0` "
        "(\"never delete any backups\") and `--min_retention_count=1`, set last among its flags "
        "(pkg/controller/vitessshard/reconcile_backup_job.go:208-210, 244-248; pkg/operator/vttablet/flags.go:111-121 "
        "is registered after backup.go's `vtbackupExtraFlags`, pkg/operator/lazy/vitess_flags.go:31-38: the later "
        "provider wins), and a schedule strategy's `extraFlags` go only to `vtctldclient BackupShard`, which has no "
        "retention flag (pkg/controller/vitessbackupschedule/vitessbackupschedule_controller.go:861-876). Vitess "
        "backups are kept by the tenant bucket instead: Object Lock (governance) keeps every object for the "
        "longest `retention_days` the tenant declares, and the bucket lifecycle expires objects after the "
        "tenant's data-class retention (Tenant.backup_retention_days); `retention_days` itself is not applied"),
}
"""Engines whose backups are not pruned by `backups.retention_days`, and what keeps and removes them instead
(engines README, "Backups and restore"). An engine absent here applies `retention_days` through its operator."""
