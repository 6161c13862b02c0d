"""YugabyteDB through the YugabyteDB Anywhere operator: YBUniverse, StorageConfig, BackupSchedule.

Backups are YBA's own (YBC in the tserver pods): full backups on the service's cron plus hourly
incrementals, with point-in-time restore enabled, written with IAM (IRSA) to the tenant bucket,
whose default encryption is SSE-KMS under the tenant key. YBA itself validates the `USE_IAM`
StorageConfig (a test object under the prefix) and deletes expired backups with its own pod's
identity: the platform's yugaware IRSA role (components/engines/operator_identity.py).

What the operator writes into each object's status, and so what is awaited, is read from
yugabyte/yugabyte-db, managed/src/main/java/com/yugabyte/yw/: common/operator/RestoreJobReconciler.java
(stored version 1087dc8b643b and an earlier one matching the 2025.1.4 RestoreJob CRD), BackupReconciler.java
(0567a9e954d2), StorageConfigReconciler.java (174746d2589e), KubernetesOperatorStatusUpdater.java and
OperatorStatusUpdater.java (0a61b1bd9e1b), commissioner/tasks/CreateBackup.java and RestoreBackup.java; the
2025.1.4.0-b103 tag itself could not be fetched here (engines README, known gaps). The operator handles a Backup, RestoreJob or
StorageConfig only when it is first added (`onAdd`; `onUpdate` only logs), never retries, and
resolves the universe, storage config and backup named in the spec at that moment. So each object
waits, through `dependsOn`, for what it names to have reached the state the operator checks.
"""

from __future__ import annotations

import datetime as dt

import pulumi
from pulumi_kubernetes.apiextensions import CustomResource

from components.engines.base import EngineInstance
from components.engines.pod_security import restricted_container, restricted_pod
from declarations.engine_catalog import EngineName, shortest_interval
from declarations.tenant_model import LATEST_BACKUP, RestoreFrom

API = "operator.yugabyte.io/v1alpha1"
YB_UID = 10001
YSQL_DATABASE = "yugabyte"
"""The database that scheduled backups cover; tenants create their schema in it."""
INCREMENTAL_EVERY = dt.timedelta(hours=1)
MS = 1000
UNIVERSE_READY = "jsonpath={.status.universeState}=Ready"
"""YBA writes `Ready` (OperatorStatusUpdater.UniverseState.READY) into the YBUniverse when its create (or edit) task
succeeds (KubernetesOperatorStatusUpdater.updateYBUniverseStatus, called in CreateKubernetesUniverse's `finally`);
a failed create writes `Error Creating`. Until then the universe is unknown to YBA, and a RestoreJob or Backup
naming it fails for good: RestoreJobReconciler.getRestoreBackupParamsFromCr throws "No universe found with name",
BackupReconciler.getBackupTaskParamsFromCr dereferences a null universe UUID; both only set a failed status."""
UNIVERSE_READY_SECONDS = 2 * 3600
"""A universe create is minutes; two hours before the `pulumi up` fails on a universe that never became Ready."""
STORAGE_CONFIG_ADDED = "jsonpath={.status.success}=true"
"""StorageConfigReconciler.onAdd sets `success: true` and `resourceUUID` once YBA validated and saved the config
(`success: false` and `resourceUUID: ""` when validation failed); Backup and BackupSchedule resolve the config
through that `resourceUUID` (BackupReconciler.getStorageConfigUUIDFromName)."""
STORAGE_CONFIG_SECONDS = 600
"""Validation is one synchronous call in onAdd: ten minutes, then the `pulumi up` fails and the status says why."""
BACKUP_COMPLETED = "jsonpath={.status.message}=Backup State: Completed"
"""BackupReconciler.onAdd writes `scheduled backup task` and `resourceUUID: ""` at once, even when scheduling
failed, so `resourceUUID` says nothing. When the CreateBackup task ends, KubernetesOperatorStatusUpdater.
updateBackupStatus writes `Backup State: <BackupState>` and the backup's UUID (CreateBackup.run's `finally`); a
RestoreJob resolves its backup through that UUID (RestoreJobReconciler.getBackupUUIDFromName)."""
RESTORE_FINISHED = "jsonpath={.status.message}=Finished Restore"
"""The operator never sets a RestoreJob's `resourceUUID`: RestoreJobReconciler.updateStatus writes only `message`
and `taskUUID` (`scheduled restoreJob task`, or `Failed in scheduling restore Job...`), and the RestoreBackup task
ends with KubernetesOperatorStatusUpdater.updateRestoreJobStatus("Finished Restore") (`Failed Restore task` or
`Aborted Restore task` otherwise)."""
METRICS_PORT_NAME = "http-ysql-met"
"""The yugabyte chart's tserver container port (13000) serving the YSQL server's metrics; there is
no port named `http-tserver` (tserver web is `http-ui`, 9000)."""
METRICS_PATH = "/prometheus-metrics"
UI_METRICS_PORT_NAME = "http-ui"
"""The chart's web server port of both servers (master 7000, tserver 9000); its `/prometheus-metrics` has
the master's and tserver's own metrics (RPCs, tablets, WAL, replication). The chart's own ServiceMonitors
(templates/{master,tserver}-servicemonitor.yaml, chart 2024.2) scrape the same ports and path."""


class YugabyteInstance(EngineInstance):
    ENGINE = EngineName.yugabyte

    storage_config: CustomResource
    """The instance's StorageConfig, awaited until YBA validated and added it."""

    def pod_selector(self) -> dict:
        # YBA labels universe pods with the universe name; all of them need operator traffic.
        return {"matchLabels": {"app.kubernetes.io/part-of": self.instance_name}}

    def engine_credentials(self) -> dict:
        return {"ysqlPassword": self.admin_password, "ycqlPassword": self.admin_password}

    def _overrides(self) -> dict:
        resources = {"requests": self.sizing.requests, "limits": self.sizing.limits}
        tolerations = self.NODES.tolerations()
        # The chart (stable/yugabyte templates/service.yaml) appends `<server>.podLabels` to each pod template.
        # It has no priorityClassName value (nor does the YBUniverse CRD), so these pods get none.
        pod_labels = {"app.kubernetes.io/part-of": self.instance_name, **self.pod_labels()}
        return {
            "resource": {"master": self.sizing.helper_resources, "tserver": resources},
            "serviceAccount": self.args.service_account,
            "podSecurityContext": {**restricted_pod(YB_UID), "enabled": True},
            "containerSecurityContext": restricted_container(YB_UID),
            # The chart applies the top-level nodeSelector to masters and tservers; tolerations are per server.
            "nodeSelector": self.NODES.node_selector(),
            "master": {"podLabels": pod_labels, "tolerations": tolerations},
            "tserver": {"podLabels": pod_labels, "tolerations": tolerations},
        }

    def universe_spec(self) -> dict:
        replicas = self.sizing.replicas
        return {
            "universeName": self.instance_name,
            "numNodes": replicas,
            "replicationFactor": replicas if replicas < 3 else 3,
            "ybSoftwareVersion": self.image,
            "enableYSQL": True,
            "enableYSQLAuth": True,
            "ysqlPassword": {"secretName": self.credentials_secret},
            "enableYCQL": False,
            "enableNodeToNodeEncrypt": True,
            "enableClientToNodeEncrypt": True,
            "enableLoadBalancer": False,
            "deviceInfo": {"volumeSize": self.sizing.storage_gb, "numVolumes": 1, "storageClass": self.sizing.storage_class},
            "masterDeviceInfo": {"volumeSize": 10, "numVolumes": 1, "storageClass": self.sizing.storage_class},
            "kubernetesOverrides": self._overrides(),
        }

    def storage_config_spec(self) -> dict:
        return {
            "config_type": "STORAGE_S3",
            "data": {"USE_IAM": True, "BACKUP_LOCATION": self.args.backup_url},
        }

    def backup_schedule_spec(self) -> dict:
        backups = self.service.backups
        spec = {
            "backupType": "PGSQL_TABLE_TYPE",
            "storageConfig": f"{self.instance_name}-s3",
            "universe": self.instance_name,
            "keyspace": YSQL_DATABASE,
            "cronExpression": backups.schedule,
            "timeBeforeDelete": backups.retention_days * 86_400 * MS,
            "enablePointInTimeRestore": True,
        }
        if shortest_interval(backups.schedule) > INCREMENTAL_EVERY:
            spec["incrementalBackupFrequency"] = int(INCREMENTAL_EVERY.total_seconds()) * MS
        return spec

    def build(self) -> CustomResource:
        universe = self.custom_resource("ybuniverse", API, "YBUniverse", self.instance_name, self.universe_spec(),
                                        holds_data=True, depends_on=[self.credentials],
                                        annotations=self.awaited(UNIVERSE_READY, timeout_seconds=UNIVERSE_READY_SECONDS))
        # The backup target always exists, so a decommissioning service can take its final backup.
        self.storage_config = self.custom_resource(
            "storageconfig", API, "StorageConfig", f"{self.instance_name}-s3", self.storage_config_spec(),
            annotations=self.awaited(STORAGE_CONFIG_ADDED, timeout_seconds=STORAGE_CONFIG_SECONDS))
        if self.service.backups is None:
            return universe
        self.custom_resource("backupschedule", API, "BackupSchedule", f"{self.instance_name}-backups",
                             self.backup_schedule_spec(), depends_on=[universe, self.storage_config])
        return universe

    def backup_spec(self, universe: str) -> dict:
        return {
            "backupType": "PGSQL_TABLE_TYPE",
            "storageConfig": f"{universe}-s3",
            "universe": universe,
            "keyspace": YSQL_DATABASE,
            "sse": True,
        }

    def backup_now(self, name: str) -> None:
        """After the universe is Ready and the StorageConfig added, or the operator fails the Backup for good."""
        self.one_shot(f"{name}-backup", API, "Backup", f"{self.instance_name}-{name}",
                      self.backup_spec(self.instance_name), BACKUP_COMPLETED,
                      depends_on=[self.instance, self.storage_config])

    def restore(self, source: RestoreFrom) -> None:
        """RestoreJob names a Backup object: for a clone, a fresh Backup of the source universe (the seed);
        otherwise the named Backup, one of the source's (`backup: <Backup name>`). It is created once this universe
        is Ready (the universe is awaited on it) and, for a clone, once the seed has completed."""
        depends: list[pulumi.Resource] = [self.instance]
        backup = source.backup
        if backup == LATEST_BACKUP:
            backup = f"{self.instance_name}-seed"
            depends.append(self.one_shot("restore-seed", API, "Backup", backup,
                                         self.backup_spec(self.source_instance(source)), BACKUP_COMPLETED,
                                         depends_on=self.args.restore_after))
        self.one_shot("restore", API, "RestoreJob", f"{self.instance_name}-restore", {
            "actionType": "RESTORE",
            "universe": self.instance_name,
            "backup": backup,
            "keyspace": YSQL_DATABASE,
        }, RESTORE_FINISHED, depends_on=depends)
