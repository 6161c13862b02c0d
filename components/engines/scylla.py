"""ScyllaDB through Scylla Operator: a rack-aware ScyllaCluster, backed up by Scylla Manager.

Racks: a clustered service spreads its nodes over three racks, and each rack's pods refuse zones
that hold another rack's pods, so racks land in distinct zones without naming them. Backups are a
Scylla Manager task (the manager takes an interval and a start date, not a cron, so the tenant
model only accepts schedules with a fixed interval for ScyllaDB); the manager agent uploads with
SSE-KMS under the tenant key.

Scylla Operator exposes no pod security context in the ScyllaCluster API, so whether its pods pass
Pod Security `restricted` is decided by the operator (see README, "Known gaps").

Pod labels: the vendored ScyllaCluster CRD (v1.15.0) has no pod-label field (v1.15's `podMetadata` is not
in it), but Scylla Operator v1.15.0 copies the ScyllaCluster's own `metadata.labels` to the ScyllaDBDatacenter it
converts it to (pkg/controller/scyllacluster/migrate.go) and, with no `podMetadata`, from there to every rack's pod
template and to the member Services (pkg/controller/scylladbdatacenter/resource.go). The base puts `pod_labels()`
into the CR's metadata labels, so the pods carry them. ScyllaCluster has no PriorityClass field.
"""

from __future__ import annotations

import json

import pulumi
import pulumi_kubernetes as k8s
from pulumi_kubernetes.apiextensions import CustomResource

from components.engines.backup_copy import pick_backup
from components.engines.base import EngineInstance, JobPlacement
from components.namespace_baseline import allow_egress, baseline_network_policies
from declarations.engine_catalog import EngineName, backups_retained, first_fire, fixed_interval
from declarations.naming import dns_label
from declarations.tenant_model import RestoreFrom
from components.irsa import IRSA_ROLE_ANNOTATION

API = "scylla.scylladb.com/v1"
RACKS = ("a", "b", "c")
AGENT_VERSION = "3.4.1"
SCYLLA_UID = 999
ZONE_KEY = "topology.kubernetes.io/zone"
METRICS_PORT_NAME = "prometheus"
"""Scylla's own Prometheus endpoint (9180): a named container port of the operator's `scylla` container
(scylla-operator v1.15.0 pkg/controller/scylladbdatacenter/resource.go), also a port of its member Services."""
METRICS_PATH = "/metrics"
RESTART_PATH = "spec.forceRedeploymentReason"
"""ScyllaCluster's own restart field: "a rolling update of all racks by providing a unique string" (its CRD); the
restart id is that string, kept when the entry leaves (see EngineInstance.restart_kept)."""
MANAGER_NAMESPACE = "scylla-manager"
"""Where Scylla Manager runs: the scylla-manager chart (v1.15.0, pinned beside the operator) writes this namespace
into every template (helm/scylla-manager/templates/manager_deployment.yaml, manager_service.yaml)."""
MANAGER_IMAGE = ("docker.io/scylladb/scylla-manager:3.4.0"
                 "@sha256:6424c36929b39ef4e679ee7d61578b1070e28c186b23b278147fde8e391d9db1")
"""The manager image the chart pins (helm/scylla-manager/values.yaml `image.tag`); it carries `sctool`."""
MANAGER_API_URL = f"http://scylla-manager.{MANAGER_NAMESPACE}.svc/api/v1"
"""The chart's Service `scylla-manager` (port 80 -> the manager's API on 5080), read by sctool from
SCYLLA_MANAGER_API_URL."""
MANAGER_API_PORT = 5080
MANAGER_POD_LABELS = {"app.kubernetes.io/name": "scylla-manager", "app.kubernetes.io/instance": "scylla-manager"}
"""The chart's selector labels of the manager pod (helm/scylla-manager/templates/_helpers.tpl selectorLabels)."""
JOB_NAME_LABEL = "batch.kubernetes.io/job-name"
"""Set by the Job controller on the Job's pods: selects exactly the restore Job's pod."""
SNAPSHOT_TAG = r"sm_[0-9]\{14\}UTC"
"""Scylla Manager snapshot tags, e.g. sm_20261120020000UTC (basic regular expression, for sed)."""
RESTORE_SCRIPT = r"""set -eu
until sctool status -c "$TARGET_CLUSTER" >/dev/null 2>&1; do
  echo "waiting for Scylla Manager to register $TARGET_CLUSTER"; sleep 15
done
ids=$(sctool backup list -c "$SOURCE_CLUSTER" -L "$LOCATION" | sed -n 's/^ *- \(@TAG@\).*$/\1/p' | sort -u)
@PICK@
owners=$(sctool backup list -c "$SOURCE_CLUSTER" --all-clusters -L "$LOCATION" | {
  cluster=""
  while IFS= read -r line; do
    case "$line" in
      "Cluster: "*) cluster=${line#Cluster: } ;;
      *"- $id "*|*"- $id") echo "$cluster" ;;
    esac
  done; } | sort -u | grep -c . || true)
[ "$owners" = 1 ] || { echo "snapshot $id is in $LOCATION for $owners clusters; Scylla Manager would restore all of them: name a snapshot only $SOURCE_CLUSTER has" >&2; exit 1; }
run() {
  task=$(sctool restore -c "$TARGET_CLUSTER" -L "$LOCATION" -T "$id" "$1")
  echo "$1 of $id into $TARGET_CLUSTER: $task"
  while :; do
    status=$(sctool progress -c "$TARGET_CLUSTER" "$task" | sed -n 's/^Status:[[:space:]]*//p' | head -n 1)
    case "$status" in
      DONE) return 0 ;;
      NEW|RUNNING|WAITING|STOPPING|"") sleep 30 ;;
      *) echo "$1 of $id into $TARGET_CLUSTER ended: $status (sctool progress -c $TARGET_CLUSTER $task)" >&2; exit 1 ;;
    esac
  done
}
run --restore-schema
run --restore-tables"""
"""The restore, as the operator's docs describe it (docs/source/resources/scyllaclusters/nodeoperations/restore.md):
wait until the operator has registered the new cluster with the manager, pick the snapshot, restore the schema,
then the tables (`sctool restore`, pkg/command/restore/res.yaml). ScyllaDB 6.x with manager 3.4 restores the schema
over CQL (DESCRIBE SCHEMA WITH INTERNALS), so no rolling restart is needed: a "restart required" status fails.
The manager restores every manifest of the snapshot tag in the location, from any cluster
(pkg/service/restore/worker_manifest.go getManifestInfo), and all of a tenant's ScyllaDB services back up into the
same bucket, so a tag that another cluster also has is refused rather than mixed in."""


def restore_script(backup: str) -> str:
    """RESTORE_SCRIPT with the snapshot pick for `backup` (latest: the source's newest tag in the location)."""
    return (RESTORE_SCRIPT.replace("@TAG@", SNAPSHOT_TAG)
            .replace("@PICK@", pick_backup(backup, "snapshot", "$SOURCE_CLUSTER", "$LOCATION")))


def manager_cluster_name(namespace: str, instance: str) -> str:
    """The name scylla-operator registers a ScyllaCluster under in Scylla Manager (pkg/naming ManagerClusterName)."""
    return f"{namespace}/{instance}"


SCYLLA_CONFIG = {
    "authenticator": "PasswordAuthenticator",
    "authorizer": "CassandraAuthorizer",
}


def rack_members(replicas: int, clustered: bool) -> dict[str, int]:
    """Spread nodes over racks as evenly as possible; a single node is one rack."""
    racks = RACKS if clustered else RACKS[:1]
    base, extra = divmod(replicas, len(racks))
    return {rack: base + (1 if i < extra else 0) for i, rack in enumerate(racks)}


def go_duration(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"{hours}h" if rest == 0 else f"{seconds // 60}m"


class ScyllaInstance(EngineInstance):
    ENGINE = EngineName.scylla

    def pod_selector(self) -> dict:
        return {"matchLabels": {"scylla/cluster": self.instance_name}}

    def rack(self, name: str, members: int) -> dict:
        rack = {
            "name": name,
            "members": members,
            "resources": self.sizing.resources,
            "agentResources": self.sizing.helper_resources,
            "storage": {"capacity": self.sizing.storage, "storageClassName": self.sizing.storage_class},
            "scyllaConfig": f"{self.instance_name}-config",
            "scyllaAgentConfig": f"{self.instance_name}-agent-config",
        }
        spread = {}
        if self.sizing.clustered:
            spread["podAntiAffinity"] = {"requiredDuringSchedulingIgnoredDuringExecution": [{
                "topologyKey": ZONE_KEY,
                "labelSelector": {"matchExpressions": [
                    {"key": "scylla/cluster", "operator": "In", "values": [self.instance_name]},
                    {"key": "scylla/rack", "operator": "NotIn", "values": [name]},
                ]},
            }]}
        # Rack placement is the only scheduling field ScyllaCluster has: an Affinity plus tolerations.
        rack["placement"] = {**self.NODES.affinity(**spread), "tolerations": self.NODES.tolerations()}
        return rack

    def backup_task(self, name: str) -> dict:
        b = self.service.backups
        task = {
            "name": name,
            "location": [pulumi.Output.concat("s3:", self.args.bucket)],
            "keyspace": ["*"],
            "retention": backups_retained(b.schedule, b.retention_days),
        }
        if name == "scheduled":
            interval = fixed_interval(b.schedule)
            task["interval"] = go_duration(int(interval.total_seconds()))
            task["startDate"] = first_fire(b.schedule).strftime("%Y-%m-%dT%H:%M:%SZ")
        else:
            task["startDate"] = "now"
            task["numRetries"] = 3
        return task

    def cluster_spec(self) -> dict:
        tasks = []
        if self.service.backups is not None:
            tasks.append(self.backup_task("scheduled"))
            # No interval: Scylla Manager runs each once. The manager reports no outcome on the ScyllaCluster
            # that pulumi-kubernetes could await (status.backups[] per task, no overall state).
            tasks += [self.backup_task(name) for name in self.on_demand_backups()]
        return {
            "version": self.image,
            "agentVersion": AGENT_VERSION,
            "developerMode": False,
            "automaticOrphanedNodeCleanup": True,
            "datacenter": {
                "name": self.args.placement.aws_region,
                "racks": [self.rack(n, m) for n, m in rack_members(self.sizing.replicas, self.sizing.clustered).items()],
            },
            "backups": tasks,
            **({"forceRedeploymentReason": self.restart_id()} if self.restart_id() else {}),
        }

    def agent_config(self) -> pulumi.Output[str]:
        def render(key_arn: str) -> str:
            return json.dumps({"s3": {"region": self.args.placement.aws_region, "server_side_encryption": "aws:kms",
                                      "sse_kms_key_id": key_arn}}, indent=2)
        return pulumi.Output.from_input(self.args.key_arn).apply(render)

    def build(self) -> CustomResource:
        config = k8s.core.v1.ConfigMap(
            f"{self.logical_name}.config",
            metadata={"name": f"{self.instance_name}-config", "namespace": self.namespace, "labels": self.labels},
            data={"scylla.yaml": json.dumps(SCYLLA_CONFIG, indent=2)},
            opts=self.child,
        )
        agent = k8s.core.v1.Secret(
            f"{self.logical_name}.agent-config",
            metadata={"name": f"{self.instance_name}-agent-config", "namespace": self.namespace, "labels": self.labels},
            type="Opaque",
            string_data={"scylla-manager-agent.yaml": self.agent_config()},
            opts=self.child,
        )
        # The manager agent in the Scylla pods uploads backups and downloads restores with the tenant's role:
        # the operator copies these annotations onto the pods' ServiceAccount `<instance>-member`
        # (EngineSpec.pod_service_account_suffix), which the tenant role trusts (TenantEnvironment).
        cluster = self.custom_resource("scyllacluster", API, "ScyllaCluster", self.instance_name, self.cluster_spec(),
                                       holds_data=True, depends_on=[config, agent, self.credentials],
                                       annotations={IRSA_ROLE_ANNOTATION: self.args.role_arn},
                                       ignore_changes=self.restart_kept(RESTART_PATH))
        self.instance = cluster
        # Scylla Operator manages no users: replace the default superuser's password with the generated one.
        self.one_off_job(
            "set-admin-password",
            f"docker.io/scylladb/scylla:{self.image}",
            ["sh", "-c",
             f"cqlsh --ssl -u cassandra -p cassandra {self.connection.host} {self.spec.client_port} "
             "-e \"ALTER ROLE cassandra WITH PASSWORD = '$ADMIN_PASSWORD'\""],
            [self.secret_env("ADMIN_PASSWORD", "password"), {"name": "SSL_CERTFILE", "value": "/tls/ca.crt"}],
            SCYLLA_UID,
        )
        return cluster

    def backup_now(self, name: str) -> None:
        """On-demand backups are one-shot Scylla Manager tasks inside the cluster spec (see cluster_spec)."""

    def restore(self, source: RestoreFrom) -> None:
        """`sctool restore` into this new cluster, from a one-shot Job in Scylla Manager's namespace.

        The manager's API has no per-tenant authorisation, so the Job runs in the platform's manager namespace, not
        in the tenant's (no tenant pod ever reaches the manager), with a command the platform builds: it names only
        this tenant's two clusters and this tenant's bucket, and takes the snapshot from the env, never from the
        tenant. Its own ServiceAccount has no token and no role; a NetworkPolicy lets its pod reach only the
        manager's API and DNS. The data moves from the tenant bucket to the new cluster's nodes through their
        manager agents, with the agents' credentials, as backups do; the Job holds no AWS credentials."""
        name = dns_label(self.namespace, self.instance_name, "restore")
        meta = {"name": name, "namespace": MANAGER_NAMESPACE, "labels": self.labels}
        account = k8s.core.v1.ServiceAccount(
            f"{self.logical_name}.restore-sa", metadata=meta, automount_service_account_token=False,
            opts=self.child)
        only_manager = allow_egress([{"podSelector": {"matchLabels": MANAGER_POD_LABELS}}], [MANAGER_API_PORT],
                                    pods={"matchLabels": {JOB_NAME_LABEL: name}})
        only_manager["egress"] += baseline_network_policies()["allow-dns"]["egress"]
        policy = k8s.networking.v1.NetworkPolicy(f"{self.logical_name}.restore-netpol", metadata=meta,
                                                 spec=only_manager, opts=self.child)
        env = [
            {"name": "SCYLLA_MANAGER_API_URL", "value": MANAGER_API_URL},
            {"name": "SOURCE_CLUSTER", "value": manager_cluster_name(self.namespace, self.source_instance(source))},
            {"name": "TARGET_CLUSTER", "value": manager_cluster_name(self.namespace, self.instance_name)},
            {"name": "LOCATION", "value": pulumi.Output.concat("s3:", self.args.bucket)},
            {"name": "HOME", "value": "/tmp"},
        ]
        self.one_off_job("restore", MANAGER_IMAGE, ["sh", "-c", restore_script(source.backup)], env, SCYLLA_UID,
                         retain=True, elsewhere=JobPlacement(MANAGER_NAMESPACE, name, name, (account, policy)))
