"""What the plan says about the control-plane PostgreSQL's backups, read from the plan, not restated.

The drill takes the bucket, the path, the server name, compression and encryption from the CNPG
`Cluster` and `ScheduledBackup` of a region's offline plan (`dbaas plan <region>`, or a file it
wrote with `--json`), and the recovery's object store from the same function the platform uses
for a real recovery (components/controlplane_db/manifests.py, recovery_object_store), so a change
to the spec changes what the drill runs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from components.controlplane_db.manifests import recovery_object_store
from tools.cli_io import UsageError
from tools.drills.barman_cloud_args import ObjectStore, UnsupportedObjectStore, server_name

CLUSTER_TYPE = "kubernetes:postgresql.cnpg.io/v1:Cluster"
SCHEDULED_BACKUP_TYPE = "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup"
BUCKET_TYPE = "aws:s3/bucket:Bucket"
OBJECT_LOCK_TYPE = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"
REGION_KEY = "dbaas-platform:awsRegion"


@dataclass(frozen=True)
class PlannedResource:
    urn: str
    type: str
    inputs: dict[str, Any]


@dataclass(frozen=True)
class ControlPlaneBackupPlan:
    """The control-plane cluster's backup as planned: where, as what server, with which options."""

    cluster_name: str
    namespace: str
    store: ObjectStore
    """spec.backup.barmanObjectStore: what WAL archiving and base backups run with."""
    recovery_store: ObjectStore
    """A recovery's externalClusters[].barmanObjectStore for this cluster as source."""
    schedule: str
    aws_region: str
    object_lock_days: int | None
    service_account: str
    role_arn: str

    @property
    def server_name(self) -> str:
        return server_name(self.store, self.cluster_name)


def resources_from_preview_json(path: Path) -> tuple[list[PlannedResource], dict[str, Any]]:
    """The steps and config of a `dbaas plan --json` file (shaped like `pulumi preview --json`)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"--plan {path}: cannot read: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"--plan {path}: not a plan JSON file: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("steps"), list):
        raise UsageError(f"--plan {path}: no `steps` list: not written by `dbaas plan --json`")
    resources = [PlannedResource(s["newState"]["urn"], s["newState"]["type"], s["newState"].get("inputs") or {})
                 for s in document["steps"] if isinstance(s, dict) and isinstance(s.get("newState"), dict)]
    return resources, document.get("config") or {}


def resources_of_region(project_dir: Path, region: str) -> tuple[list[PlannedResource], dict[str, Any]]:
    """The region's platform stack, planned offline (the control-plane database lives there only)."""
    from declarations.stack_config import load_stack_file
    from tools.offline.plan import plan_platform

    stack_file = load_stack_file(project_dir, region)
    platform = plan_platform(stack_file)
    return ([PlannedResource(r.urn, r.type, r.inputs) for r in platform.registrations],
            {k: v for k, v in stack_file.pulumi_config.items() if k == REGION_KEY})


def _one(resources: list[PlannedResource], type_: str, source: str, **match: str) -> PlannedResource:
    found = [r for r in resources if r.type == type_
             and all(_get(r.inputs, key.split("__")) == value for key, value in match.items())]
    if len(found) != 1:
        what = type_.rsplit(":", 1)[-1] + "".join(f" {k.replace('__', '.')}={v}" for k, v in match.items())
        raise UsageError(f"{source}: expected one {what}, found {len(found)}")
    return found[0]


def _get(inputs: dict[str, Any], path: list[str]) -> Any:
    value: Any = inputs
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def controlplane_backup_plan(resources: list[PlannedResource], config: dict[str, Any], source: str) -> ControlPlaneBackupPlan:
    """Refuses (UsageError naming the resource and field) a plan whose control-plane backup the drill cannot
    reproduce: no Cluster, a ScheduledBackup of another method, an object store it does not model."""
    cluster = _one(resources, CLUSTER_TYPE, source)
    name, namespace = cluster.inputs["metadata"]["name"], cluster.inputs["metadata"]["namespace"]
    where = f"{source}: {cluster.urn}: spec.backup.barmanObjectStore"
    spec = cluster.inputs.get("spec") or {}
    raw_store = _get(spec, ["backup", "barmanObjectStore"])
    if not isinstance(raw_store, dict):
        raise UsageError(f"{where}: missing: the cluster archives no WAL")
    scheduled = _one(resources, SCHEDULED_BACKUP_TYPE, source, spec__cluster__name=name)
    if scheduled.inputs["spec"].get("method") != "barmanObjectStore":
        raise UsageError(f"{source}: {scheduled.urn}: spec.method: {scheduled.inputs['spec'].get('method')!r}, "
                         "the drill runs barmanObjectStore backups")
    try:
        store = ObjectStore.from_spec(raw_store, where)
        recovery = ObjectStore.from_spec(recovery_object_store(store.bucket, name),
                                         f"{where} (as a recovery's externalClusters[].barmanObjectStore)")
    except UnsupportedObjectStore as exc:
        raise UsageError(str(exc)) from None
    if (recovery.destination_path, server_name(recovery, name)) != (store.destination_path, server_name(store, name)):
        raise UsageError(f"{where}: a recovery would read {recovery.destination_path}/{server_name(recovery, name)}, "
                         f"the backups go to {store.destination_path}/{server_name(store, name)}")
    _one(resources, BUCKET_TYPE, source, bucket=store.bucket)
    lock = [r for r in resources if r.type == OBJECT_LOCK_TYPE and r.inputs.get("bucket") == store.bucket]
    lock_days = _get(lock[0].inputs, ["rule", "defaultRetention", "days"]) if lock else None
    annotations = _get(spec, ["serviceAccountTemplate", "metadata", "annotations"]) or {}
    return ControlPlaneBackupPlan(
        cluster_name=name, namespace=namespace, store=store, recovery_store=recovery,
        schedule=scheduled.inputs["spec"].get("schedule", ""), aws_region=str(config.get(REGION_KEY) or "us-east-1"),
        object_lock_days=int(lock_days) if lock_days is not None else None,
        # CloudNativePG names the instances' ServiceAccount after the cluster (cloudnative-pg v1.29.2
        # pkg/specs/pods.go:202 and jobs.go:397, cluster.GetServiceAccountName()).
        service_account=name, role_arn=str(annotations.get("eks.amazonaws.com/role-arn", "")),
    )
