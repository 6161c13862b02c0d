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
from components.engines.connection import ADMIN_USERS, PASSWORD_KEY, USERNAME_KEY
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
    case "${status%% *}" in
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
over CQL (DESCRIBE SCHEMA WITH INTERNALS), with the CQL credentials the platform registers (MANAGER_CQL_SCRIPT).
The manager restores every manifest of the snapshot tag in the location, from any cluster
(pkg/service/restore/worker_manifest.go getManifestInfo), and all of a tenant's ScyllaDB services back up into the
same bucket, so a tag that another cluster also has is refused rather than mixed in.

`sctool progress` prints `Status:\t\t<status>` (scylla-manager v3.4.0 v3/pkg/managerclient/model.go:1009,
restoreProgressTemplate), where <status> is the run's status (tasks.go:29-36: NEW, RUNNING, STOPPING, STOPPED,
WAITING, DONE, ERROR, ABORTED) followed, except for NEW and DONE, by the restore stage in parentheses
(model.go:1051-1061 status(), restore.go:17-26, e.g. `RUNNING (restoring backed-up data)`). The script matches the
first word: NEW, RUNNING, WAITING (between retries) and STOPPING go on polling, DONE ends the step, and every other
status (STOPPED, ERROR, ABORTED) fails the Job."""

MANAGER_CQL_SCRIPT = r"""set -eu
until sctool status -c "$CLUSTER" >/dev/null 2>&1; do
  echo "waiting for Scylla Manager to register $CLUSTER"; sleep 15
done
sctool cluster update -c "$CLUSTER" --username "$CQL_USERNAME" --password "$CQL_PASSWORD"
echo "CQL credentials of $CLUSTER registered with Scylla Manager"
"""
"""Give Scylla Manager the cluster's CQL credentials, which scylla-operator v1.15.0 never registers (its managed
cluster has a name, host, auth token and labels only: pkg/controller/manager/sync_action.go:50-60; upstream
scylla-operator#1896, #2548). With PasswordAuthenticator on, the manager cannot open a CQL session without them
(scylla-manager v3.4.0 pkg/service/cluster/service.go:674 ErrNoCQLCredentials): the schema backup of ScyllaDB 6.x
(DESCRIBE SCHEMA WITH INTERNALS, pkg/service/backup/worker_schema.go:48-53) and every restore
(pkg/service/restore/service.go:196 newWorker) fail.

Why the operator does not undo it: `sctool cluster update` reads the cluster, changes only the flags given and writes
it back with its labels (pkg/command/cluster/clusterupdate/cmd.go:74-155), so the operator's managed-hash label still
matches and its sync leaves the cluster alone (sync_action.go:93-96); and when the operator does rewrite the cluster
(a changed auth token), PutCluster keeps the stored credentials, because it writes CQL credentials only when a
username is given and never deletes them (service.go:439-448). Only a re-registration drops them: the operator deletes
and re-adds a manager cluster whose owner UID is not the ScyllaCluster's (sync_action.go:84-91), i.e. after the
ScyllaCluster was deleted and created again under the same name; the Job (immutable, already complete) must then be
re-run by hand (`pulumi up --replace` on it; components/engines/README.md)."""


def restore_script(backup: str) -> str:
    """RESTORE_SCRIPT with the snapshot pick for `backup` (latest: the source's newest tag in the location)."""
    return (RESTORE_SCRIPT.replace("@TAG@", SNAPSHOT_TAG)
            .replace("@PICK@", pick_backup(backup, "snapshot", "$SOURCE_CLUSTER", "$LOCATION")))


def manager_cluster_name(namespace: str, instance: str) -> str:
    """The name scylla-operator registers a ScyllaCluster under in Scylla Manager (pkg/naming ManagerClusterName)."""
    return f"{namespace}/{instance}"


ADMIN_PASSWORD_SCRIPT = r"""set -eu
until cqlsh --ssl -u cassandra -p "$ADMIN_PASSWORD" "$CQL_HOST" "$CQL_PORT" -e "SELECT release_version FROM system.local" >/dev/null 2>&1; do
  if cqlsh --ssl -u cassandra -p cassandra "$CQL_HOST" "$CQL_PORT" -e "ALTER ROLE cassandra WITH PASSWORD = '$ADMIN_PASSWORD'"; then
    break
  fi
  echo "waiting for $CQL_HOST:$CQL_PORT to accept CQL"; sleep 15
done"""
"""Replace the default superuser's password once the cluster serves CQL. The Job is created right after the
ScyllaCluster, while its pods are still starting; it waits here (until the admin password works, or the default one
lets it set it), bounded by the Job's deadline, instead of failing its four tries in a minute.

Why the wait is in the Job and not a `pulumi.com/waitFor` on the ScyllaCluster: scylla-operator v1.15.0 copies the
ScyllaCluster's status, conditions included, from the ScyllaDBDatacenter it converts it to
(pkg/controller/scyllacluster/status.go:50-60, migrate.go:342-345), so `Available` carries the datacenter's
observedGeneration. A ScyllaCluster change that the datacenter does not carry (a backup task: migrate.go:443-444 sets
no backups) bumps the ScyllaCluster's generation only, and pulumi-kubernetes treats a condition whose observedGeneration
is below the object's generation as not met (provider/pkg/await/condition/kubectl.go checkCondition, jsonpath.go
Satisfied): every later `up` that adds an on-demand backup would wait six hours and fail (upstream
scylla-operator#2249, #2363)."""

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
        admin_password = self.one_off_job(
            "set-admin-password",
            f"docker.io/scylladb/scylla:{self.image}",
            ["sh", "-c", ADMIN_PASSWORD_SCRIPT],
            [self.secret_env("ADMIN_PASSWORD", "password"), {"name": "SSL_CERTFILE", "value": "/tls/ca.crt"},
             {"name": "CQL_HOST", "value": self.connection.host},
             {"name": "CQL_PORT", "value": str(self.spec.client_port)}],
            SCYLLA_UID,
        )
        self.manager_credentials = self.register_cql_credentials(admin_password)
        return cluster

    def ca_volume_source(self) -> dict:
        """scylla-operator v1.15.0 keeps the serving CA's key pair in the Secret `<cluster>-local-serving-ca` (keys
        tls.crt/tls.key) and publishes the CA bundle in the ConfigMap of the same name, key `ca-bundle.crt`
        (pkg/controller/scylladbdatacenter/sync_certs.go:356-369, pkg/kubecrypto/tlssecret.go:20, 349): the Secret has
        no `ca.crt`, so a Job mounting it would never start."""
        return {"configMap": {"name": self.tls_secret, "items": [{"key": "ca-bundle.crt", "path": "ca.crt"}]}}

    def register_cql_credentials(self, admin_password: k8s.batch.v1.Job) -> k8s.batch.v1.Job:
        """MANAGER_CQL_SCRIPT from a Job in the manager's namespace, once the admin password is set. The manager's
        API has no per-tenant authorisation, so no tenant pod may reach it: the Job runs beside the manager, reads the
        credentials from a Secret the platform writes there (the tenant's Secret cannot be mounted across
        namespaces), and names only this tenant's cluster."""
        name = dns_label(self.namespace, self.instance_name, "manager-cql")
        secret = k8s.core.v1.Secret(
            f"{self.logical_name}.manager-cql-credentials",
            metadata={"name": name, "namespace": MANAGER_NAMESPACE, "labels": self.labels},
            type="Opaque",
            string_data={USERNAME_KEY: ADMIN_USERS[self.ENGINE], PASSWORD_KEY: self.admin_password},
            opts=self.child,
        )
        env = [
            {"name": "SCYLLA_MANAGER_API_URL", "value": MANAGER_API_URL},
            {"name": "CLUSTER", "value": manager_cluster_name(self.namespace, self.instance_name)},
            {"name": "CQL_USERNAME", "valueFrom": {"secretKeyRef": {"name": name, "key": USERNAME_KEY}}},
            {"name": "CQL_PASSWORD", "valueFrom": {"secretKeyRef": {"name": name, "key": PASSWORD_KEY}}},
            {"name": "HOME", "value": "/tmp"},
        ]
        return self.manager_job("manager-cql", name, MANAGER_CQL_SCRIPT, env, (secret, admin_password), retain=False)

    def manager_job(self, purpose: str, name: str, script: str, env: list[dict], after: tuple[pulumi.Resource, ...],
                    retain: bool) -> k8s.batch.v1.Job:
        """A Job running `sctool` in the manager's namespace: its own ServiceAccount with no token and no role, and a
        NetworkPolicy that lets its pod reach only the manager's API and DNS."""
        meta = {"name": name, "namespace": MANAGER_NAMESPACE, "labels": self.labels}
        account = k8s.core.v1.ServiceAccount(
            f"{self.logical_name}.{purpose}-sa", metadata=meta, automount_service_account_token=False,
            opts=self.child)
        only_manager = allow_egress([{"podSelector": {"matchLabels": MANAGER_POD_LABELS}}], [MANAGER_API_PORT],
                                    pods={"matchLabels": {JOB_NAME_LABEL: name}})
        only_manager["egress"] += baseline_network_policies()["allow-dns"]["egress"]
        policy = k8s.networking.v1.NetworkPolicy(f"{self.logical_name}.{purpose}-netpol", metadata=meta,
                                                 spec=only_manager, opts=self.child)
        return self.one_off_job(purpose, MANAGER_IMAGE, ["sh", "-c", script], env, SCYLLA_UID, retain=retain,
                                elsewhere=JobPlacement(MANAGER_NAMESPACE, name, name, (account, policy, *after)))

    def backup_now(self, name: str) -> None:
        """On-demand backups are one-shot Scylla Manager tasks inside the cluster spec (see cluster_spec)."""

    def restore(self, source: RestoreFrom) -> None:
        """`sctool restore` into this new cluster, from a one-shot Job in Scylla Manager's namespace, after the
        manager holds the new cluster's CQL credentials (the schema restore is CQL).

        The manager's API has no per-tenant authorisation, so the Job runs in the platform's manager namespace, not
        in the tenant's (no tenant pod ever reaches the manager), with a command the platform builds: it names only
        this tenant's two clusters and this tenant's bucket, and takes the snapshot from the env, never from the
        tenant. The data moves from the tenant bucket to the new cluster's nodes through their manager agents, with
        the agents' credentials, as backups do; the Job holds no AWS credentials."""
        env = [
            {"name": "SCYLLA_MANAGER_API_URL", "value": MANAGER_API_URL},
            {"name": "SOURCE_CLUSTER", "value": manager_cluster_name(self.namespace, self.source_instance(source))},
            {"name": "TARGET_CLUSTER", "value": manager_cluster_name(self.namespace, self.instance_name)},
            {"name": "LOCATION", "value": pulumi.Output.concat("s3:", self.args.bucket)},
            {"name": "HOME", "value": "/tmp"},
        ]
        self.manager_job("restore", dns_label(self.namespace, self.instance_name, "restore"), restore_script(source.backup),
                         env, (self.manager_credentials,), retain=True)
