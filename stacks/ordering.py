"""Kubernetes ordering for a whole stack: every object waits for its Namespace and for the Helm
release that installs its kind's CRDs; on an adopted cluster, everything that creates pods or names
an IRSA role waits for the pod identity webhook (declarations/pod_identity.py says why).

The API server refuses an object whose namespace does not exist yet, and a custom resource whose
CRD is not installed yet ("no matches for kind"); the Pulumi engine orders creates only by
declared dependencies, so on a fresh cluster both fail the first `up`. Declaring these
dependencies by hand in every component is how they were missed (18 tenant Kafka objects, 33
namespaced objects in lagos). One stack transformation adds them for every resource instead;
tools/offline/engine_rules.py checks the result on every offline plan.

Namespaces given as outputs of the Namespace resource already depend on it through the property;
plain-string namespaces are matched by name against the Namespaces the stack created earlier.
It is a stack *transformation* (run by the Python SDK itself), not a resource *transform* (run
through the engine's callback service, which Pulumi's mock runtime does not serve), so the real
program and the offline plan order objects the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi

from declarations.chart_pins import HELM_RELEASE_TYPE, crd_groups_installed_by
from declarations.kubernetes_types import kubernetes_type
from declarations.pod_identity import is_pod_identity_webhook, needs_pod_identity

NAMESPACE_TYPE = "kubernetes:core/v1:Namespace"


def _get(value: Any, key: str) -> Any:
    """A field of a dict or of a pulumi-kubernetes input type (ObjectMetaArgs)."""
    if isinstance(value, dict):
        return value.get(key)
    return getattr(value, key, None) if value is not None else None


@dataclass
class KubernetesOrdering:
    """What the stack has created so far that other objects must wait for."""

    namespaces: dict[str, pulumi.Resource] = field(default_factory=dict)
    crd_installers: dict[str, list[pulumi.Resource]] = field(default_factory=dict)
    """API group -> what installs its CRDs in this stack: a Helm release, or the group's CustomResourceDefinitions."""
    pod_identity_webhook: pulumi.Resource | None = None
    """The pod identity webhook's MutatingWebhookConfiguration, once the stack created it (adopt mode)."""

    def transformation(self, args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult | None:
        props = args.props or {}
        if args.type_ == NAMESPACE_TYPE:
            name = _get(props.get("metadata"), "name")
            if isinstance(name, str):
                self.namespaces[name] = args.resource
            return None
        waits_for: list[pulumi.Resource] = []
        if is_pod_identity_webhook(args.type_, props.get("metadata")):
            self.pod_identity_webhook = args.resource
        elif self.pod_identity_webhook is not None and needs_pod_identity(args.type_, props):
            waits_for.append(self.pod_identity_webhook)
        installs = crd_groups_installed_by(args.type_, props)
        for group in installs:
            self.crd_installers.setdefault(group, []).append(args.resource)
        if args.type_ == HELM_RELEASE_TYPE or installs:
            namespace = props.get("namespace")
        else:
            namespace = _get(props.get("metadata"), "namespace")
        k8s_type = kubernetes_type(args.type_)
        installers = self.crd_installers.get(k8s_type.group, []) if k8s_type else []
        waits_for.extend(i for i in installers if i is not args.resource)
        if isinstance(namespace, str) and namespace in self.namespaces:
            waits_for.append(self.namespaces[namespace])
        if not waits_for:
            return None
        existing = args.opts.depends_on
        existing = [] if existing is None else list(existing) if isinstance(existing, (list, tuple)) else [existing]
        missing = [r for r in waits_for if r not in existing]
        if not missing:
            return None
        opts = pulumi.ResourceOptions.merge(args.opts, pulumi.ResourceOptions(depends_on=missing))
        return pulumi.ResourceTransformationResult(props=args.props, opts=opts)


def order_kubernetes_objects() -> KubernetesOrdering:
    """Register the ordering transformation on the current stack; call before creating resources."""
    ordering = KubernetesOrdering()
    pulumi.runtime.register_stack_transformation(ordering.transformation)
    return ordering
