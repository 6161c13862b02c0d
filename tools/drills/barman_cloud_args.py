"""The barman-cloud command lines that CloudNativePG 1.29 runs for a `barmanObjectStore`, as data.

CloudNativePG's instance manager does not take a barman configuration file: it builds each
command's arguments from the Cluster's `spec.backup.barmanObjectStore` (or an external cluster's)
with the Go library github.com/cloudnative-pg/barman-cloud, v0.5.1 at the pin (cloudnative-pg
v1.29.2 go.mod:11). These functions rebuild exactly those argument vectors, option for option and
in the same order, so a drill that runs them runs what the pod runs. Each cites its upstream
function; the upstream paths below are at those tags.

Only the AWS S3 provider is modelled (`s3Credentials`), as that is all the platform declares.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

WAL_ARCHIVE = "barman-cloud-wal-archive"
CHECK_WAL_ARCHIVE = "barman-cloud-check-wal-archive"
BACKUP = "barman-cloud-backup"
BACKUP_LIST = "barman-cloud-backup-list"
RESTORE = "barman-cloud-restore"
WAL_RESTORE = "barman-cloud-wal-restore"
"""Executable names as CloudNativePG looks them up on the pod's PATH (barman-cloud pkg/utils/constants.go)."""


class UnsupportedObjectStore(ValueError):
    """A barmanObjectStore field this model does not reproduce (so a drill would run something else)."""


@dataclass(frozen=True)
class ObjectStore:
    """The fields of a `barmanObjectStore` (barman-cloud v0.5.1 pkg/api/config.go) that shape a command line."""

    destination_path: str
    server_name: str = ""
    endpoint_url: str = ""
    wal_compression: str = ""
    wal_encryption: str = ""
    wal_archive_args: tuple[str, ...] = ()
    wal_restore_args: tuple[str, ...] = ()
    data_compression: str = ""
    data_encryption: str = ""
    data_immediate_checkpoint: bool = False
    data_jobs: int | None = None
    data_args: tuple[str, ...] = ()

    @classmethod
    def from_spec(cls, spec: dict[str, Any], where: str) -> "ObjectStore":
        """From the camelCase dict of the Cluster spec; `where` names it in errors."""
        known = {"destinationPath", "serverName", "endpointURL", "s3Credentials", "wal", "data"}
        extra = sorted(set(spec) - known)
        if extra:
            raise UnsupportedObjectStore(f"{where}: {', '.join(extra)} not modelled by the drill")
        if "s3Credentials" not in spec:
            raise UnsupportedObjectStore(f"{where}.s3Credentials: only the AWS S3 provider is modelled")
        if not str(spec.get("destinationPath", "")).startswith("s3://"):
            raise UnsupportedObjectStore(f"{where}.destinationPath: not an s3:// path: {spec.get('destinationPath')!r}")
        wal, data = spec.get("wal") or {}, spec.get("data") or {}
        return cls(
            destination_path=spec["destinationPath"], server_name=spec.get("serverName", ""),
            endpoint_url=spec.get("endpointURL", ""),
            wal_compression=wal.get("compression", ""), wal_encryption=wal.get("encryption", ""),
            wal_archive_args=tuple(wal.get("archiveAdditionalCommandArgs", ())),
            wal_restore_args=tuple(wal.get("restoreAdditionalCommandArgs", ())),
            data_compression=data.get("compression", ""), data_encryption=data.get("encryption", ""),
            data_immediate_checkpoint=bool(data.get("immediateCheckpoint", False)),
            data_jobs=data.get("jobs"), data_args=tuple(data.get("additionalCommandArgs", ())),
        )

    @property
    def bucket(self) -> str:
        return self.destination_path[len("s3://"):].split("/", 1)[0]

    def with_endpoint(self, endpoint_url: str) -> "ObjectStore":
        """The same store reached at another endpoint (`endpointURL`): how the drill points it at loopback."""
        return ObjectStore(**{**self.__dict__, "endpoint_url": endpoint_url})


def server_name(store: ObjectStore, cluster_name: str) -> str:
    """`serverName`, else the cluster's name (barman-cloud pkg/archiver/command.go:78-81; cloudnative-pg
    pkg/management/postgres/backup.go:314-317)."""
    return store.server_name or cluster_name


def _append_additional(options: list[str], additional: tuple[str, ...]) -> list[str]:
    """barman-cloud pkg/api/config.go:482-497: an extra argument is dropped when its key (the text before
    `=`) is already among the options."""
    keys = {option.split("=")[0] for option in options if option.split("=")[0]}
    for arg in additional:
        key = arg.split("=")[0]
        if key == "" or key in options or key in keys:
            continue
        options.append(arg)
    return options


def _cloud_provider(options: list[str]) -> list[str]:
    """barman-cloud pkg/command/commandbuilder.go:81-86: s3Credentials -> `--cloud-provider aws-s3` (the
    credentials themselves travel as environment, or none at all for inheritFromIAMRole:
    pkg/credentials/env.go:142-144)."""
    return [*options, "--cloud-provider", "aws-s3"]


def _endpoint(options: list[str], store: ObjectStore) -> list[str]:
    return [*options, "--endpoint-url", store.endpoint_url] if store.endpoint_url else options


def wal_archive_argv(store: ObjectStore, cluster_name: str, wal_path: str) -> list[str]:
    """barman-cloud pkg/archiver/command.go:30-86 (BarmanCloudWalArchiveOptions), then the WAL path
    (pkg/walarchive/cmd.go:69-78); cloudnative-pg pkg/management/postgres/archiver/archiver.go:242-250."""
    options: list[str] = []
    if store.wal_compression:
        options.append(f"--{store.wal_compression}")
    if store.wal_encryption:
        options += ["-e", store.wal_encryption]
    options = _append_additional(options, store.wal_archive_args)
    options = _cloud_provider(_endpoint(options, store))
    return [WAL_ARCHIVE, *options, store.destination_path, server_name(store, cluster_name), wal_path]


def check_wal_archive_argv(store: ObjectStore, cluster_name: str) -> list[str]:
    """Before a cluster's first WAL, and before a recovery into a new cluster: is its archive empty?
    barman-cloud pkg/archiver/archiver.go:136-162; cloudnative-pg archiver.go:325-349 and restore.go:1016."""
    options = _cloud_provider(_endpoint([], store))
    return [CHECK_WAL_ARCHIVE, *options, store.destination_path, server_name(store, cluster_name)]


def backup_name(started: datetime) -> str:
    """cloudnative-pg pkg/management/postgres/backup.go:304 `backup-` + machinery v0.5.0
    pkg/postgres/time/time.go:109 ToCompactISO8601 (`20060102150405`)."""
    return "backup-" + started.strftime("%Y%m%d%H%M%S")


def backup_argv(store: ObjectStore, name: str, cluster_name: str) -> list[str]:
    """barman-cloud pkg/backup/backup.go:88-129 (GetBarmanCloudBackupOptions with GetDataConfiguration, 50-84)."""
    options = ["--user", "postgres", "--name", name]
    if store.data_compression:
        options.append(f"--{store.data_compression}")
    if store.data_encryption:
        options += ["--encryption", store.data_encryption]
    if store.data_immediate_checkpoint:
        options.append("--immediate-checkpoint")
    if store.data_jobs is not None:
        options += ["--jobs", str(int(store.data_jobs))]
    options = _append_additional(options, store.data_args)
    options = _cloud_provider(_endpoint(options, store))
    return [BACKUP, *options, store.destination_path, server_name(store, cluster_name)]


def backup_list_argv(store: ObjectStore, server: str) -> list[str]:
    """How a recovery reads the source's catalog: barman-cloud pkg/command/backuplist.go:56-78
    (executeQueryCommand), called by cloudnative-pg restore.go:531."""
    options = _cloud_provider(_endpoint(["--format", "json"], store))
    return [BACKUP_LIST, *options, store.destination_path, server]


def wal_restore_options(store: ObjectStore, server: str) -> list[str]:
    """barman-cloud pkg/command/commandbuilder.go:26-53 (CloudWalRestoreOptions)."""
    options = _cloud_provider(_endpoint([], store))
    return _append_additional([*options, store.destination_path, server], store.wal_restore_args)


def check_first_wal_argv(store: ObjectStore, server: str, begin_wal: str, destination: str) -> list[str]:
    """The recovery first fetches the backup's begin WAL (cloudnative-pg restore.go:351-392,
    ensureArchiveContainsLastCheckpointRedoWAL; barman-cloud pkg/restorer/restorer.go:253-259)."""
    return [WAL_RESTORE, *wal_restore_options(store, server), begin_wal, destination]


def restore_argv(store: ObjectStore, server: str, backup_id: str, pgdata: str) -> list[str]:
    """cloudnative-pg pkg/management/postgres/restore.go:431-452 (restoreDataDir): the provider option
    comes after the positional arguments there, and before PGDATA."""
    options = _endpoint([], store)
    options = [*options, store.destination_path, server, backup_id]
    return [RESTORE, *_cloud_provider(options), pgdata]


def restore_command(store: ObjectStore, server: str, executable: str = WAL_RESTORE) -> str:
    """restore_command of the recovered instance: cloudnative-pg restore.go:631-653 (getRestoreWalConfig),
    shell-quoted as there (shellquote.Join). `executable` may be a full path to the same tool."""
    cmd = _cloud_provider([executable, *_endpoint([], store), store.destination_path, server])
    return " ".join([*(shlex.quote(part) for part in cmd), "%f", "%p"])


def postgres_target_time(target_time: str) -> str:
    """machinery v0.5.0 pkg/postgres/time/time.go:43-66 (ConvertToPostgresFormat): RFC 3339 ->
    `2006-01-02 15:04:05.000000+00:00` (UTC written as +00:00)."""
    parsed = datetime.fromisoformat(target_time.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    text = parsed.strftime("%Y-%m-%d %H:%M:%S.%f%z")
    return f"{text[:-2]}:{text[-2:]}"


def recovery_settings(store: ObjectStore, server: str, target_time: str, executable: str = WAL_RESTORE) -> dict[str, str]:
    """What CloudNativePG appends to the recovered instance's configuration before it starts with
    recovery.signal: restore.go:631-653 and 618-626 (recovery_target_action, restore_command, then
    RecoveryTarget.BuildPostgresOptions, cloudnative-pg api/v1/cluster_funcs.go:1487-1518, with
    `recovery_target_inclusive = true` unless `exclusive`), and `archive_command = 'false'` until the
    recovered instance runs as a primary (restore.go:663-665)."""
    return {
        "archive_command": "false",
        "recovery_target_action": "promote",
        "restore_command": restore_command(store, server, executable),
        "recovery_target_inclusive": "true",
        "recovery_target_time": postgres_target_time(target_time),
    }
