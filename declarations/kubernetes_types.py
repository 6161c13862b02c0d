"""Pulumi type tokens of Kubernetes resources, read as the API group, version and kind they stand for."""

from __future__ import annotations

from dataclasses import dataclass

BUILTIN_GROUPS = frozenset({"core", "apps", "batch", "policy", "autoscaling", "helm.sh", "yaml", "kustomize"})
"""Groups served by every cluster (or by the provider itself); `*.k8s.io` groups are built in too."""


@dataclass(frozen=True)
class KubernetesType:
    group: str
    version: str
    kind: str

    @property
    def is_custom(self) -> bool:
        """A kind some CRD must define before the API server accepts it."""
        return self.group not in BUILTIN_GROUPS and not self.group.endswith(".k8s.io")


def kubernetes_type(type_token: str) -> KubernetesType | None:
    """`kubernetes:kafka.strimzi.io/v1beta2:KafkaTopic` -> (kafka.strimzi.io, v1beta2, KafkaTopic)."""
    package, _, rest = type_token.partition(":")
    if package != "kubernetes" or ":" not in rest:
        return None
    module, _, kind = rest.rpartition(":")
    group, _, version = module.rpartition("/")
    return KubernetesType(group or module, version, kind)


def is_patch_type(type_token: str) -> bool:
    """pulumi-kubernetes `<Kind>Patch` resources (`kubernetes:<group>/<version>:<Kind>Patch`) apply
    some fields of an object another party owns (server-side apply under their own field manager):
    they are not whole objects, and they claim fields, not the object."""
    return type_token.startswith("kubernetes:") and type_token.endswith("Patch")
