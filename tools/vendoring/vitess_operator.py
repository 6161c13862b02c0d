"""The vitess-operator install, rendered from its release tag's `deploy/` with our reviewed fixes.

PlanetScale publishes no chart; the install is the kustomization in `deploy/` of each tag. Applied
as it is (the earlier remote kustomize base), it fails or does nothing on our clusters. At v2.17.0:
- `deploy/role.yaml`, `role_binding.yaml` and `service_account.yaml` put a Role, RoleBinding and
  ServiceAccount in namespace `example`, which does not exist (the first `up` fails). Their rules
  (vitessshards, vitessbackups, vitessbackupstorages, all verbs) are a subset of the ClusterRole's,
  so they are dropped.
- `role_binding.yaml` binds the ClusterRole to `default/vitess-operator`: the subject moves to the
  operator's namespace, where its ServiceAccount is.
- `operator.yaml` sets `WATCH_NAMESPACE` to the operator's own namespace, so tenant VitessClusters
  are never reconciled. An empty value watches every namespace (cmd/manager/main.go:72 reads it with
  operator-sdk-libs k8sutil.GetWatchNamespace; main.go:106 restricts the cache only when it is
  non-empty).
- the image is `planetscale/vitess-operator:latest`: pinned to the tag (what the overlay's `images:`
  did).
- tablets and vtbackup Pods run as the namespace's `default` ServiceAccount unless the operator is
  started with `--default_vitess_service_account` (pkg/operator/environment/environment.go:49 defines
  the flag; pkg/operator/vttablet/pod.go:410 and vtbackup_pod.go:196 set `serviceAccountName` from it;
  vtgate, vtctld, vtorc and backup-schedule Pods likewise). `tenant-workload` is the tenant's IRSA
  ServiceAccount, present in every tenant namespace (declarations/naming.py TENANT_WORKLOAD_SA), so
  backups reach the tenant bucket.
- the ServiceAccount does not automount API tokens (policy k8s-service-account-no-automount); the operator
  Pod, which talks to the API server, mounts its token explicitly.
- the namespaced objects get the operator namespace (kustomize's `namespace:` would have set it) and
  the container a restricted security context (the operator namespace enforces the restricted Pod
  Security Standard; the image runs as UID 1001, build/Dockerfile.release `USER ${USER_UID}`).

`render` is pure: upstream files in, the manifest out. `tools/vendoring/refresh.py` writes it to
`vendor/vitess-operator/rendered.yaml`; a test renders the vendored upstream files again and
compares.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import yaml

from declarations.naming import TENANT_WORKLOAD_SA

OPERATOR_NAMESPACE = "vitess-operator"
IMAGE = "planetscale/vitess-operator"
UPSTREAM_NAMESPACE_PLACEHOLDER = "example"
CLUSTER_SCOPED = frozenset({"CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding", "PriorityClass"})
RESTRICTED_CONTAINER_SECURITY = {
    "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}, "runAsNonRoot": True,
    "seccompProfile": {"type": "RuntimeDefault"},
}
DEFAULT_VITESS_SERVICE_ACCOUNT_FLAG = f"--default_vitess_service_account={TENANT_WORKLOAD_SA}"


def _documents(text: str) -> list[dict[str, Any]]:
    return [d for d in yaml.load_all(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) if d]


def _fix(obj: dict[str, Any], tag: str, namespace: str) -> dict[str, Any] | None:
    obj = copy.deepcopy(obj)
    metadata = obj.setdefault("metadata", {})
    if metadata.get("namespace") == UPSTREAM_NAMESPACE_PLACEHOLDER:
        return None
    if obj["kind"] not in CLUSTER_SCOPED:
        metadata["namespace"] = namespace
    if obj["kind"] == "ClusterRoleBinding":
        for subject in obj.get("subjects", []):
            if subject.get("kind") == "ServiceAccount":
                subject["namespace"] = namespace
    if obj["kind"] == "ServiceAccount":
        obj["automountServiceAccountToken"] = False
    if obj["kind"] == "Deployment":
        pod = obj["spec"]["template"]["spec"]
        pod["automountServiceAccountToken"] = True
        for container in pod["containers"]:
            if container["image"].split(":")[0] == IMAGE:
                container["image"] = f"{IMAGE}:{tag}"
                container["args"] = [*container.get("args", []), DEFAULT_VITESS_SERVICE_ACCOUNT_FLAG]
                container["securityContext"] = RESTRICTED_CONTAINER_SECURITY
            for env in container.get("env", []):
                if env["name"] == "WATCH_NAMESPACE":
                    env.pop("valueFrom", None)
                    env["value"] = ""
    return obj


def render(read_upstream: Callable[[str], str], tag: str, namespace: str = OPERATOR_NAMESPACE) -> str:
    """The install at `tag`: `deploy/kustomization.yaml`'s resources in its order, each object fixed as above.
    `read_upstream(path)` returns an upstream file's text (paths relative to the repository root)."""
    kustomization = yaml.safe_load(read_upstream("deploy/kustomization.yaml"))
    objects = []
    for resource in kustomization["resources"]:
        for obj in _documents(read_upstream(f"deploy/{resource}")):
            fixed = _fix(obj, tag, namespace)
            if fixed is not None:
                objects.append(fixed)
    header = (f"# vitess-operator {tag}: planetscale/vitess-operator deploy/ at tag {tag}, rendered by\n"
              "# tools/vendoring/vitess_operator.py (read it for every change to the upstream objects).\n"
              "# Generated by tools/vendoring/refresh.py; do not edit.\n")
    return header + yaml.safe_dump_all(objects, sort_keys=False, width=1000)
