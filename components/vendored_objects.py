"""Apply a vendored install (vendor/, declarations/vendored_artifacts.py) object by object.

Each object becomes its typed pulumi-kubernetes resource, so it is a resource of the plan: validated
strictly, ordered after its Namespace, checked for RBAC subjects and name clashes, diffed and
previewed. A remote kustomization or a `yaml.v2` file would be one opaque resource the offline plan
never sees into. Workloads wait for the rest of their install (RBAC, PriorityClasses, CRDs), as
`kubectl apply` of the whole manifest would have them in place first.
"""

from __future__ import annotations

import re
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from declarations.vendored_artifacts import VendoredArtifact, install_objects

RESOURCE_CLASSES: dict[tuple[str, str], type[pulumi.CustomResource]] = {
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition"): k8s.apiextensions.v1.CustomResourceDefinition,
    ("v1", "ServiceAccount"): k8s.core.v1.ServiceAccount,
    ("rbac.authorization.k8s.io/v1", "ClusterRole"): k8s.rbac.v1.ClusterRole,
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): k8s.rbac.v1.ClusterRoleBinding,
    ("rbac.authorization.k8s.io/v1", "Role"): k8s.rbac.v1.Role,
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): k8s.rbac.v1.RoleBinding,
    ("scheduling.k8s.io/v1", "PriorityClass"): k8s.scheduling.v1.PriorityClass,
    ("apps/v1", "Deployment"): k8s.apps.v1.Deployment,
}
"""The kinds vendored installs contain today; another kind is refused until it is added here."""
WORKLOAD_KINDS = frozenset({"Deployment"})


def _snake(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


def _arguments(obj: dict[str, Any]) -> dict[str, Any]:
    """The resource's keyword arguments: the object's top-level fields in snake case (`roleRef` -> `role_ref`);
    nested fields stay as the API writes them."""
    return {_snake(k): v for k, v in obj.items() if k not in ("apiVersion", "kind", "status")}


def logical_name(prefix: str, obj: dict[str, Any]) -> str:
    metadata = obj["metadata"]
    where = f"{metadata['namespace']}-" if metadata.get("namespace") else ""
    return f"{prefix}-{obj['kind'].lower()}-{where}{metadata['name']}"


def apply_vendored(prefix: str, artifact: VendoredArtifact, opts: pulumi.ResourceOptions) -> list[pulumi.CustomResource]:
    """One resource per object of the artifact's install, in file order; workloads after everything else."""
    objects = install_objects(artifact)
    created: list[pulumi.CustomResource] = []
    for workloads in (False, True):
        for obj in objects:
            if (obj["kind"] in WORKLOAD_KINDS) != workloads:
                continue
            cls = RESOURCE_CLASSES.get((obj["apiVersion"], obj["kind"]))
            if cls is None:
                raise ValueError(f"{artifact.name}: no resource class for {obj['apiVersion']} {obj['kind']} "
                                 "(components/vendored_objects.py RESOURCE_CLASSES)")
            object_opts = opts if not workloads else pulumi.ResourceOptions.merge(
                opts, pulumi.ResourceOptions(depends_on=list(created)))
            created.append(cls(logical_name(prefix, obj), **_arguments(obj), opts=object_opts))
    return created
