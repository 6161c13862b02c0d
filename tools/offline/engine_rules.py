"""What the Pulumi engine (and the Kubernetes API server behind its provider) would refuse in a
set of registrations, checked offline so that the offline plan cannot pass where `pulumi up`
fails.

Engine rules (pulumi/pulumi, pkg/resource/deploy):
- a URN registered twice: step_generator.go `generateURN` bails with diag 2001
  (sdk/go/common/diag/errors.go `GetDuplicateResourceURNError`);
- a parent that was not registered before its child: step_generator.go `checkParent`;
- a provider reference to a provider that was not registered: step_generator.go
  ("provider %s for resource %s has not been registered yet");
- a custom resource without a provider while default providers are disabled: diag 2015
  (`GetDefaultProviderDenied`);
- a dependency on a URN that was never registered cannot be ordered (we report it too).

Ordering rules the engine does not know but the cluster enforces on the first `up`:
- a custom resource is refused ("no matches for kind") until its CRD exists, so it must depend,
  directly or through others, on whatever installs its API group's CRDs: the Helm release of a
  chart that ships them, or the CustomResourceDefinition resources the platform applies itself
  from vendor/ (every one of the group's, declarations/chart_pins.py crd_groups_installed_by);
- a namespaced object is refused while its Namespace does not exist, so when the stack creates
  that Namespace the object must depend on it;
- on an adopted cluster the pod identity webhook mutates pods only when they are created
  (declarations/pod_identity.py): in a stack that installs it, every object that names an IRSA role,
  and every object registered after the webhook that creates pods, must depend on its
  MutatingWebhookConfiguration, or its pods run without AWS credentials for good.

Physical names: two resources of one stack that claim the same Kubernetes object or the same
AWS name make the second create fail (AlreadyExists) or, worse, fight over one object.

Field ownership: resources that apply parts of one Kubernetes object (a `<Kind>Patch` of another
stack's object) are refused by the API server when they set a field another field manager owns to a
different value (tools/kubernetes/field_ownership.py). Patch creates are not previewed
(pulumi-kubernetes v4.32.0 provider/pkg/provider/provider.go:1722-1735), so only `up` would tell.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from declarations.chart_pins import crd_groups_installed_by
from declarations.kubernetes_types import KubernetesType, is_patch_type, kubernetes_type
from declarations.pod_identity import creates_pods, is_pod_identity_webhook, names_irsa_role
from tools.kubernetes.field_ownership import Apply, conflicts
from tools.offline.runtime import STACK_TYPE, Registration

NAMESPACE_TYPE = "kubernetes:core/v1:Namespace"
HELM_RELEASE_TYPE = "kubernetes:helm.sh/v3:Release"
CLUSTER_SCOPED_KINDS = frozenset({
    "Namespace", "ClusterRole", "ClusterRoleBinding", "StorageClass", "PriorityClass", "ClusterIssuer",
    "ClusterSecretStore", "CustomResourceDefinition", "PersistentVolume", "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
})


class EngineRefusal(Exception):
    """The real engine or cluster would refuse this program; carries every reason found."""

    def __init__(self, stack: str, reasons: list[str]):
        self.stack = stack
        self.reasons = reasons
        super().__init__(f"stack {stack}: the Pulumi engine would refuse this plan:\n  " + "\n  ".join(reasons))

    def __reduce__(self):  # crosses process boundaries from plan shards
        return (type(self), (self.stack, self.reasons))


class SchemaRefusal(EngineRefusal):
    """Objects the Kubernetes API server would refuse on `up` (strict schema, CEL rules): one line each, naming
    the resource's URN and the field path."""

    def __init__(self, stack: str, reasons: list[str]):
        self.stack = stack
        self.reasons = reasons
        Exception.__init__(self, f"stack {stack}: the Kubernetes API server would refuse these objects:\n  "
                                 + "\n  ".join(reasons))


def provider_urn(reference: str) -> str:
    """A provider reference is `<urn>::<id>`."""
    return reference.rsplit("::", 1)[0] if reference else ""


def registration_problems(registrations: list[Registration], default_providers_disabled: bool) -> list[str]:
    """The engine's own refusals, in registration order (the engine sees them in that order)."""
    seen: dict[str, Registration] = {}
    problems: list[str] = []
    for reg in registrations:
        if reg.urn in seen:
            problems.append(f"Duplicate resource URN '{reg.urn}'; try giving it a unique name")
            continue
        if reg.parent and reg.parent not in seen:
            problems.append(f"could not find parent resource {reg.parent} (of {reg.urn})")
        if reg.provider:
            ref = provider_urn(reg.provider)
            if ref not in seen or not seen[ref].type.startswith("pulumi:providers:"):
                problems.append(f"provider {ref} for resource {reg.urn} has not been registered yet")
        elif reg.custom and default_providers_disabled and not reg.type.startswith("pulumi:providers:"):
            package = reg.type.split(":", 1)[0]
            problems.append(f"Default provider for '{package}' disabled. '{reg.urn}' must use an explicit provider.")
        for dep in reg.dependencies:
            if dep not in seen:
                problems.append(f"{reg.urn} depends on {dep}, which has not been registered")
        seen[reg.urn] = reg
    return problems


class DependencyGraph:
    """Transitive dependencies over the registrations' `dependencies` (what the engine orders by)."""

    def __init__(self, registrations: Iterable[Registration]):
        self.by_urn = {r.urn: r for r in registrations}
        self._closure: dict[str, frozenset[str]] = {}

    def ancestors(self, urn: str) -> frozenset[str]:
        if urn in self._closure:
            return self._closure[urn]
        result: set[str] = set()
        stack = list(self.by_urn[urn].dependencies) if urn in self.by_urn else []
        while stack:
            dep = stack.pop()
            if dep in result:
                continue
            result.add(dep)
            if dep in self._closure:
                result |= self._closure[dep]
            elif dep in self.by_urn:
                stack.extend(self.by_urn[dep].dependencies)
        self._closure[urn] = frozenset(result)
        return self._closure[urn]


def _namespace_of(reg: Registration, k8s_type: KubernetesType) -> str | None:
    if reg.type == HELM_RELEASE_TYPE:
        return reg.inputs.get("namespace")
    if k8s_type.kind in CLUSTER_SCOPED_KINDS:
        return None
    metadata = reg.inputs.get("metadata") or {}
    return metadata.get("namespace") if isinstance(metadata, dict) else None


def ordering_problems(registrations: list[Registration],
                      crds_installed_elsewhere: frozenset[str] = frozenset()) -> list[str]:
    """Custom resources after the release that installs their CRDs; objects after their Namespace.

    `crds_installed_elsewhere`: API groups whose CRDs another stack installs that is applied before
    this one (a tenant stack's platform stack). A custom resource of such a group needs no installer
    in this stack and cannot declare a dependency on one: the stack order is the dependency."""
    graph = DependencyGraph(registrations)
    namespaces = {
        (r.inputs.get("metadata") or {}).get("name"): r.urn for r in registrations if r.type == NAMESPACE_TYPE
    }
    releases_by_group: dict[str, list[str]] = {}
    for r in registrations:
        for group in crd_groups_installed_by(r.type, r.inputs):
            releases_by_group.setdefault(group, []).append(r.urn)
    problems = []
    for reg in registrations:
        k8s_type = kubernetes_type(reg.type)
        if k8s_type is None or not reg.custom or reg.type.startswith("pulumi:providers:"):
            continue
        ancestors = graph.ancestors(reg.urn)
        if k8s_type.is_custom:
            installers = releases_by_group.get(k8s_type.group)
            if not installers and k8s_type.group in crds_installed_elsewhere:
                pass  # the earlier stack installs them
            elif not installers:
                problems.append(f"{reg.urn}: no Helm release or CustomResourceDefinition of this stack installs the CRDs "
                                f"of {k8s_type.group}; the API server would answer 'no matches for kind'")
            elif missing := [i for i in installers if i not in ancestors]:
                problems.append(f"{reg.urn}: does not wait for {missing[0]}, which installs the CRDs of "
                                f"{k8s_type.group}; on a new cluster it would be refused ('no matches for kind "
                                f"{k8s_type.kind}')")
        namespace = _namespace_of(reg, k8s_type)
        namespace_urn = namespaces.get(namespace)
        if namespace_urn and namespace_urn != reg.urn and namespace_urn not in ancestors:
            problems.append(f"{reg.urn}: does not wait for its Namespace {namespace} ({namespace_urn}); on a new "
                            "cluster it would be refused (namespace not found)")
    return problems


def pod_identity_problems(registrations: list[Registration]) -> list[str]:
    """IRSA users after the pod identity webhook, in a stack that installs one (adopt mode)."""
    webhook = next((i for i, r in enumerate(registrations)
                    if r.custom and is_pod_identity_webhook(r.type, r.inputs.get("metadata"))), None)
    if webhook is None:
        return []
    webhook_urn = registrations[webhook].urn
    graph = DependencyGraph(registrations)
    problems = []
    for index, reg in enumerate(registrations):
        if not reg.custom or kubernetes_type(reg.type) is None or reg.type.startswith("pulumi:providers:"):
            continue
        if names_irsa_role(reg.inputs):
            why = "names an IRSA role"
        elif index > webhook and creates_pods(reg.type):
            why = "creates pods"
        else:
            continue
        if webhook_urn not in graph.ancestors(reg.urn):
            problems.append(f"{reg.urn}: {why} but does not wait for the pod identity webhook ({webhook_urn}); pods "
                            "admitted before it exists run without AWS credentials until they are recreated")
    return problems


def physical_identity(reg: Registration) -> str | None:
    """The name a resource claims outside Pulumi, or None when it claims none we track."""
    inputs: dict[str, Any] = reg.inputs
    k8s_type = kubernetes_type(reg.type)
    if k8s_type is not None and reg.custom and not reg.type.startswith("pulumi:providers:"):
        if is_patch_type(reg.type):
            return None  # claims fields of an object, not the object (tools/kubernetes/validation.py)
        if reg.type == HELM_RELEASE_TYPE:
            return f"helm release {inputs.get('namespace')}/{inputs.get('name')}"
        metadata = inputs.get("metadata") or {}
        name = metadata.get("name") if isinstance(metadata, dict) else None
        if not name:
            return None
        namespace = _namespace_of(reg, k8s_type)
        where = f"{namespace}/" if namespace else ""
        return f"{k8s_type.group} {k8s_type.kind} {where}{name}"
    aws_names = {
        "aws:s3/bucket:Bucket": "bucket", "aws:s3/bucketV2:BucketV2": "bucket", "aws:iam/role:Role": "name",
        "aws:iam/policy:Policy": "name", "aws:kms/alias:Alias": "name", "aws:iam/openIdConnectProvider:OpenIdConnectProvider": "url",
        "aws:eks/cluster:Cluster": "name",
    }
    key = aws_names.get(reg.type)
    if key and inputs.get(key):
        return f"{reg.type.split(':')[1]} {inputs[key]}"
    return None


def physical_name_problems(registrations: Iterable[Registration]) -> list[str]:
    owners: dict[str, str] = {}
    problems = []
    for reg in registrations:
        identity = physical_identity(reg)
        if identity is None:
            continue
        if identity in owners:
            problems.append(f"{reg.urn} and {owners[identity]} both claim {identity}: the second create would fail "
                            "(already exists) or the two would overwrite each other")
        else:
            owners[identity] = reg.urn
    return problems


def field_ownership_problems(registrations: Iterable[Registration]) -> list[str]:
    """Server-side apply conflicts between the resources (of any stacks) that apply one object's fields."""
    by_object: dict[str, list[Registration]] = {}
    for reg in registrations:
        k8s_type = kubernetes_type(reg.type)
        if k8s_type is None or not reg.custom or reg.type.startswith("pulumi:providers:") or reg.type == HELM_RELEASE_TYPE:
            continue
        metadata = reg.inputs.get("metadata") or {}
        name = metadata.get("name") if isinstance(metadata, dict) else None
        if not name:
            continue
        kind = k8s_type.kind.removesuffix("Patch") if is_patch_type(reg.type) else k8s_type.kind
        by_object.setdefault(f"{k8s_type.group} {kind} {metadata.get('namespace') or ''}/{name}", []).append(reg)
    problems = []
    for regs in by_object.values():
        if any(is_patch_type(r.type) for r in regs):
            problems += conflicts(Apply(r.urn, r.inputs) for r in sorted(regs, key=lambda r: is_patch_type(r.type)))
    return problems


def engine_problems(registrations: list[Registration], default_providers_disabled: bool,
                    crds_installed_elsewhere: frozenset[str] = frozenset()) -> list[str]:
    """Everything above, for one stack's registrations in registration order."""
    problems = registration_problems(registrations, default_providers_disabled)
    if problems:  # the engine bails on these before anything is ordered or named
        return problems
    return (ordering_problems(registrations, crds_installed_elsewhere) + pod_identity_problems(registrations)
            + physical_name_problems(registrations))


__all__ = ["EngineRefusal", "SchemaRefusal", "engine_problems", "field_ownership_problems", "physical_name_problems",
           "ordering_problems", "pod_identity_problems", "registration_problems", "STACK_TYPE"]
