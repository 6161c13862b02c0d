"""Namespaced access for the tenant's owner groups: read what runs, read credentials, connect.

Changes to databases go through the tenant file and review, so owners get no write verbs on
workloads; and never wildcards, escalate, bind or impersonate.
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

READ = ["get", "list", "watch"]

ENGINE_API_GROUPS = [
    "operator.yugabyte.io",
    "planetscale.com",
    "scylla.scylladb.com",
    "dragonflydb.io",
    "asdb.aerospike.com",
    "psmdb.percona.com",
]

OWNER_RULES: list[dict] = [
    {
        "apiGroups": [""],
        "resources": ["pods", "pods/log", "services", "endpoints", "configmaps", "persistentvolumeclaims", "events"],
        "verbs": READ,
    },
    {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]},
    {"apiGroups": [""], "resources": ["pods/portforward"], "verbs": ["create"]},
    {"apiGroups": ["apps"], "resources": ["statefulsets", "deployments", "replicasets"], "verbs": READ},
    {"apiGroups": ["batch"], "resources": ["jobs", "cronjobs"], "verbs": READ},
    {"apiGroups": ENGINE_API_GROUPS, "resources": [
        "ybuniverses", "backupschedules", "backups",
        "vitessclusters", "vitessbackupschedules",
        "scyllaclusters",
        "dragonflies",
        "aerospikeclusters", "aerospikebackups",
        "perconaservermongodbs", "perconaservermongodbbackups",
    ], "verbs": READ},
]


def create_owner_access(
    tenant_id: str, namespace: str, owners: list[str], labels: dict[str, str], opts: pulumi.ResourceOptions
) -> tuple[k8s.rbac.v1.Role, k8s.rbac.v1.RoleBinding]:
    role = k8s.rbac.v1.Role(
        f"{tenant_id}.owner-role",
        metadata={"name": "tenant-owner", "namespace": namespace, "labels": labels},
        rules=OWNER_RULES,
        opts=opts,
    )
    binding = k8s.rbac.v1.RoleBinding(
        f"{tenant_id}.owner-binding",
        metadata={"name": "tenant-owner", "namespace": namespace, "labels": labels},
        role_ref={"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "tenant-owner"},
        subjects=[{"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": g} for g in sorted(owners)],
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[role])),
    )
    return role, binding
