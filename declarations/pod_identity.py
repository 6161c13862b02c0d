"""IRSA admission facts every floor shares: the ServiceAccount annotation, the token audience, and how
to recognise in a stack the pod identity webhook and the objects whose pods need it.

The Amazon EKS Pod Identity Webhook mutates pods at creation only (its MutatingWebhookConfiguration
matches `CREATE` of `pods`, aws/amazon-eks-pod-identity-webhook deploy/mutatingwebhook.yaml at v0.6.17):
a pod admitted before the webhook configuration exists never gets AWS_ROLE_ARN,
AWS_WEB_IDENTITY_TOKEN_FILE or the projected token, for as long as it lives. On an adopted cluster,
where the platform installs the webhook, everything that creates pods, and every object that names an
IRSA role, must therefore be created after it (stacks/ordering.py orders them, and
tools/offline/engine_rules.py refuses a plan that does not).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from declarations.kubernetes_types import kubernetes_type

IRSA_ROLE_ANNOTATION = "eks.amazonaws.com/role-arn"
"""The ServiceAccount annotation the pod identity webhook reads to give a pod the role's web identity
(pkg/annotations.go RoleARNAnnotation under `--annotation-prefix`, default eks.amazonaws.com)."""
STS_AUDIENCE = "sts.amazonaws.com"
"""The audience of the projected token the webhook mounts (`--token-audience`), and the client id every
IAM OIDC provider of a PoP trusts."""
POD_IDENTITY_WEBHOOK_NAME = "pod-identity-webhook"
"""Upstream's name for the webhook's objects, its MutatingWebhookConfiguration included."""
MUTATING_WEBHOOK_TYPE = "kubernetes:admissionregistration.k8s.io/v1:MutatingWebhookConfiguration"
HELM_RELEASE_TYPE = "kubernetes:helm.sh/v3:Release"
WORKLOAD_TYPES = frozenset({
    "kubernetes:core/v1:Pod", "kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet",
    "kubernetes:apps/v1:DaemonSet", "kubernetes:apps/v1:ReplicaSet", "kubernetes:batch/v1:Job",
    "kubernetes:batch/v1:CronJob",
})


def is_pod_identity_webhook(type_token: str, metadata: Any) -> bool:
    name = metadata.get("name") if isinstance(metadata, Mapping) else getattr(metadata, "name", None)
    return type_token == MUTATING_WEBHOOK_TYPE and name == POD_IDENTITY_WEBHOOK_NAME


def creates_pods(type_token: str) -> bool:
    """Objects that make pods (through a controller): workloads, Helm releases, and operator custom
    resources (an operator turns its custom resource into pods)."""
    if type_token in WORKLOAD_TYPES or type_token == HELM_RELEASE_TYPE:
        return True
    k8s_type = kubernetes_type(type_token)
    return k8s_type is not None and k8s_type.is_custom


def names_irsa_role(value: Any, depth: int = 0) -> bool:
    """Whether an object's inputs carry the IRSA annotation anywhere (a ServiceAccount's metadata, a chart's
    values, an operator's ServiceAccount template)."""
    if depth > 40:
        return False
    if isinstance(value, Mapping):
        return IRSA_ROLE_ANNOTATION in value or any(names_irsa_role(v, depth + 1) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(names_irsa_role(v, depth + 1) for v in value)
    if hasattr(value, "__dict__") and type(value).__module__.startswith("pulumi_kubernetes"):
        return names_irsa_role(vars(value), depth + 1)
    return False


def needs_pod_identity(type_token: str, inputs: Mapping[str, Any]) -> bool:
    """Must wait for the webhook when the stack installs one."""
    return type_token.startswith("kubernetes:") and (creates_pods(type_token) or names_irsa_role(inputs))
