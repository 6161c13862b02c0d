"""YugabyteDB through the YugabyteDB Anywhere operator: YBUniverse, StorageConfig, BackupSchedule.

Backups are YBA's own (YBC in the tserver pods): full backups on the service's cron plus hourly
incrementals, with point-in-time restore enabled, written with IAM (IRSA) to the tenant bucket,
whose default encryption is SSE-KMS under the tenant key.
"""

from __future__ import annotations

import datetime as dt

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
ACCEPTED = "jsonpath={.status.resourceUUID}"
"""YBA sets `status.resourceUUID` once it has accepted the backup or restore task. The operator's Backup and
RestoreJob status (the vendored CRD) has no completion state, so pulumi-kubernetes can await acceptance only;
completion is visible in YBA (task `status.taskUUID`)."""
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
                                        holds_data=True, depends_on=[self.credentials])
        # The backup target always exists, so a decommissioning service can take its final backup.
        storage = self.custom_resource("storageconfig", API, "StorageConfig", f"{self.instance_name}-s3",
                                       self.storage_config_spec())
        if self.service.backups is None:
            return universe
        self.custom_resource("backupschedule", API, "BackupSchedule", f"{self.instance_name}-backups",
                             self.backup_schedule_spec(), depends_on=[universe, storage])
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
        self.one_shot(f"{name}-backup", API, "Backup", f"{self.instance_name}-{name}",
                      self.backup_spec(self.instance_name), ACCEPTED, depends_on=[self.instance])

    def restore(self, source: RestoreFrom) -> None:
        """RestoreJob names a Backup object: for a clone, a fresh Backup of the source universe (the seed);
        otherwise the named Backup, one of the source's (`backup: <Backup name>`)."""
        depends = [self.instance]
        backup = source.backup
        if backup == LATEST_BACKUP:
            backup = f"{self.instance_name}-seed"
            depends.append(self.one_shot("restore-seed", API, "Backup", backup,
                                         self.backup_spec(self.source_instance(source)), ACCEPTED))
        self.one_shot("restore", API, "RestoreJob", f"{self.instance_name}-restore", {
            "actionType": "RESTORE",
            "universe": self.instance_name,
            "backup": backup,
            "keyspace": YSQL_DATABASE,
        }, ACCEPTED, depends_on=depends)
