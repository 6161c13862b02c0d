"""Kubernetes rules: tenant namespace isolation, RBAC, pod specs, service accounts, services."""

from __future__ import annotations

import posixpath
from typing import Any, Iterable, Iterator, Mapping

from pulumi_policy import Severity

from policies.rules.model import Finding, Resource, Rule, RuleContext, StackView, tenant_from_namespace

NAMESPACE = "kubernetes:core/v1:Namespace"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
RESOURCE_QUOTA = "kubernetes:core/v1:ResourceQuota"
LIMIT_RANGE = "kubernetes:core/v1:LimitRange"
SERVICE = "kubernetes:core/v1:Service"
SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount"
CLUSTER_ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"
ROLE_TYPES = ("kubernetes:rbac.authorization.k8s.io/v1:Role", "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole")
ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"
SYSTEM_PREFIX = "system:"
"""Kubernetes' own names (kubernetes/kubernetes v1.33.0 staging/src/k8s.io/apiserver/pkg/authentication/user/user.go):
`system:authenticated` holds every authenticated identity, `system:serviceaccounts` every ServiceAccount."""
PSA_MODES = ("enforce", "audit", "warn")
HOST_NAMESPACE_FIELDS = ("hostNetwork", "hostPID", "hostIPC")


def tenant_namespaces(stack: StackView) -> list[Resource]:
    return [r for r in stack.of_types(NAMESPACE) if r.tenant is not None]


def check_psa_restricted(resource: Resource, ctx: RuleContext) -> Iterable[str]:
    if resource.type != NAMESPACE or resource.tenant is None:
        return
    for mode in PSA_MODES:
        key = f"pod-security.kubernetes.io/{mode}"
        value = resource.labels.get(key)
        if value != "restricted":
            yield f"metadata.labels[{key!r}] is {value!r}, must be 'restricted'"


def _is_default_deny(policy: Resource) -> bool:
    spec = policy.props.get("spec") or {}
    selector = spec.get("podSelector")
    selects_all = selector == {} or (isinstance(selector, Mapping) and not any(selector.values()))
    return (
        selects_all
        and {"Ingress", "Egress"} <= set(spec.get("policyTypes") or [])
        and not spec.get("ingress")
        and not spec.get("egress")
    )


def check_default_deny(stack: StackView, ctx: RuleContext) -> Iterable[Finding]:
    for ns in tenant_namespaces(stack):
        name = ns.metadata.get("name")
        if not any(_is_default_deny(p) for p in stack.in_namespace(name, NETWORK_POLICY)):
            yield Finding(ns.urn, f"namespace {name} has no NetworkPolicy that selects every pod and denies "
                                  "all ingress and egress (podSelector {}, policyTypes [Ingress, Egress], no rules)")


def check_quota_and_limits(stack: StackView, ctx: RuleContext) -> Iterable[Finding]:
    for ns in tenant_namespaces(stack):
        name = ns.metadata.get("name")
        if not any((q.props.get("spec") or {}).get("hard") for q in stack.in_namespace(name, RESOURCE_QUOTA)):
            yield Finding(ns.urn, f"namespace {name} has no ResourceQuota with spec.hard limits")
        if not any((lr.props.get("spec") or {}).get("limits") for lr in stack.in_namespace(name, LIMIT_RANGE)):
            yield Finding(ns.urn, f"namespace {name} has no LimitRange with spec.limits")


def check_no_tenant_cluster_role_binding(resource: Resource, ctx: RuleContext) -> Iterable[str]:
    if resource.type != CLUSTER_ROLE_BINDING:
        return
    if resource.tenant is not None:
        yield f"tenant {resource.tenant} owns a ClusterRoleBinding; tenants get namespaced RoleBindings only"
    owner_groups: dict[str, str] | None = None  # built on the first Group or User subject: only then are all tenants read
    for i, subject in enumerate(resource.props.get("subjects") or []):
        kind, name = subject.get("kind"), subject.get("name")
        if kind == "ServiceAccount":
            tenant = tenant_from_namespace(subject.get("namespace"))
        else:
            if owner_groups is None:
                owner_groups = {g: t.id for t in ctx.tenants.values() for g in t.owners}
            tenant = owner_groups.get(name)
        if tenant is not None:
            yield f"subjects[{i}] ({kind} {name}) belongs to tenant {tenant}"


def check_no_cluster_wide_tenant_subjects(resource: Resource, ctx: RuleContext) -> Iterable[str]:
    """A tenant's RoleBinding binds the tenant's own groups and ServiceAccounts; a `system:` group or user would
    hand the tenant namespace's role (Secret reads included) to identities across the cluster. The tenant model
    refuses such owners (declarations/tenant_model.py); this rule is the second line, on what the plan binds."""
    if resource.type != ROLE_BINDING or resource.tenant is None:
        return
    for i, subject in enumerate(resource.props.get("subjects") or []):
        kind, name = subject.get("kind"), str(subject.get("name") or "")
        if kind in ("Group", "User") and name.lower().startswith(SYSTEM_PREFIX):
            yield f"subjects[{i}] ({kind} {name}) is a Kubernetes system identity that spans the cluster"


def check_no_wildcard_rbac(resource: Resource, ctx: RuleContext) -> Iterable[str]:
    if resource.type not in ROLE_TYPES or resource.tenant is None:
        return
    for i, rule in enumerate(resource.props.get("rules") or []):
        for field_name in ("verbs", "resources"):
            if "*" in (rule.get(field_name) or []):
                yield f"rules[{i}].{field_name} contains '*'"


def _walk(value: Any, path: str) -> Iterator[tuple[str, str, Any, Mapping[str, Any]]]:
    """(path, key, value, the mapping that holds it) for every mapping entry below `value`."""
    if isinstance(value, Mapping):
        for key, child in value.items():
            child_path = f"{path}.{key}" if path else str(key)
            yield child_path, str(key), child, value
            yield from _walk(child, child_path)
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _walk(child, f"{path}[{i}]")


DEFAULT_ALLOWED_HOST_PATHS = ({"namespace": "monitoring", "pathPrefix": "/var/log/pods"},)
"""The node log agent (OpenTelemetry collector) reads container logs; nothing else reads the host."""


def _under(path: str, prefix: str) -> bool:
    """`path` is `prefix` or below it, after normalising (so `/var/log/pods/../../etc` is not)."""
    path, prefix = posixpath.normpath(path), posixpath.normpath(prefix)
    return path == prefix or path.startswith(prefix.rstrip("/") + "/")


def _mounts_of(pod: Mapping[str, Any], volume: str) -> list[Mapping[str, Any]]:
    """Every volumeMount of `volume` anywhere in the pod spec (containers, init containers, or a
    CR's own top-level `volumeMounts`)."""
    return [m for _, key, mounts, _ in _walk(pod, "") if key == "volumeMounts" and isinstance(mounts, list)
            for m in mounts if isinstance(m, Mapping) and m.get("name") == volume]


def _host_path_problem(resource: Resource, pod: Mapping[str, Any], volume: Mapping[str, Any],
                       allowed: Iterable[Mapping[str, Any]]) -> str | None:
    """None when the pack config allows this hostPath volume, else why not."""
    host_path = str(volume["hostPath"].get("path"))
    namespace = resource.namespace
    if resource.tenant is not None or tenant_from_namespace(namespace) is not None:
        return "host paths are never allowed in tenant namespaces"
    if not any(a.get("namespace") == namespace and _under(host_path, str(a.get("pathPrefix"))) for a in allowed):
        return f"namespace {namespace or '(none)'} may not mount it (pack config allowedHostPaths)"
    mounts = _mounts_of(pod, str(volume.get("name")))
    writable = sorted(str(m.get("mountPath")) for m in mounts if m.get("readOnly") is not True)
    if writable:
        return f"allowed read-only only, but its mount at {', '.join(writable)} is not readOnly"
    if not mounts:
        return "allowed read-only only, but no container mounts it with readOnly: true"
    return None


def check_pod_security(resource: Resource, ctx: RuleContext) -> Iterable[str]:
    """Walk every Kubernetes object and Helm value tree: operators put pod templates in many
    places (spec.template.spec, CR pod templates, chart values), so field names decide.

    A hostPath volume passes only when `allowedHostPaths` lists the object's namespace and a prefix
    of the path, and every mount of it is read-only; tenant namespaces never get one. A hostPath
    anywhere but in a `volumes` list (e.g. chart values) is always reported."""
    if not (resource.is_kubernetes or resource.type.startswith("kubernetes:helm.sh")):
        return
    allowed = ctx.config.get("allowedHostPaths", DEFAULT_ALLOWED_HOST_PATHS)
    volumes_seen: set[int] = set()
    for path, key, value, holder in _walk(resource.props, ""):
        if key in HOST_NAMESPACE_FIELDS and value is True:
            yield f"{path} is true"
        elif key == "privileged" and value is True:
            yield f"{path} is true"
        elif key == "volumes" and isinstance(value, list):
            for i, volume in enumerate(value):
                if isinstance(volume, Mapping) and isinstance(volume.get("hostPath"), Mapping):
                    volumes_seen.add(id(volume))
                    problem = _host_path_problem(resource, holder, volume, allowed)
                    if problem:
                        yield f"{path}[{i}].hostPath mounts host path {volume['hostPath'].get('path')!r}: {problem}"
        elif key == "hostPath" and isinstance(value, Mapping) and id(holder) not in volumes_seen:
            yield f"{path} mounts host path {value.get('path')!r}"


def check_service_account_automount(resource: Resource, ctx: RuleContext) -> Iterable[str]:
    if resource.type == SERVICE_ACCOUNT and resource.props.get("automountServiceAccountToken") is not False:
        value = resource.props.get("automountServiceAccountToken")
        yield f"automountServiceAccountToken is {value!r}, must be false"


def check_no_external_services(resource: Resource, ctx: RuleContext) -> Iterable[str]:
    if resource.type != SERVICE or resource.tenant is None:
        return
    service_type = (resource.props.get("spec") or {}).get("type")
    if service_type in ("NodePort", "LoadBalancer"):
        yield f"spec.type is {service_type} in tenant namespace {resource.namespace}"


RULES = [
    Rule(
        name="k8s-tenant-namespace-psa-restricted",
        description="Tenant namespaces enforce, audit and warn at the Pod Security 'restricted' level.",
        severity=Severity.HIGH,
        fix_hint="Build the namespace with components.tenant.namespace.create_namespace (pod_security_labels).",
        check_resource=check_psa_restricted,
    ),
    Rule(
        name="k8s-tenant-default-deny",
        description="Every tenant namespace has a default-deny NetworkPolicy for ingress and egress.",
        severity=Severity.CRITICAL,
        fix_hint="Create the tenant's network policies with components.tenant.network_policies (default-deny-all).",
        check_stack=check_default_deny,
    ),
    Rule(
        name="k8s-tenant-quota-and-limits",
        description="Every tenant namespace has a ResourceQuota and a LimitRange sized from its plan.",
        severity=Severity.HIGH,
        fix_hint="Create them with components.tenant.namespace.create_quota_and_limits.",
        check_stack=check_quota_and_limits,
    ),
    Rule(
        name="k8s-no-tenant-cluster-role-binding",
        description="No ClusterRoleBinding grants anything to a tenant's service accounts or owner groups.",
        severity=Severity.CRITICAL,
        fix_hint="Grant tenants a namespaced Role and RoleBinding in their own namespace instead.",
        check_resource=check_no_tenant_cluster_role_binding,
    ),
    Rule(
        name="k8s-no-cluster-wide-tenant-subjects",
        description="A tenant's RoleBindings bind no Kubernetes `system:` group or user (e.g. system:authenticated).",
        severity=Severity.CRITICAL,
        fix_hint="List the tenant's own groups in owners: in its tenant file; never a system: group.",
        check_resource=check_no_cluster_wide_tenant_subjects,
    ),
    Rule(
        name="k8s-no-wildcard-tenant-rbac",
        description="Tenant roles name their verbs and resources; no '*'.",
        severity=Severity.HIGH,
        fix_hint="List the exact verbs and resources the tenant needs (see components.tenant.rbac.OWNER_RULES).",
        check_resource=check_no_wildcard_rbac,
    ),
    Rule(
        name="k8s-no-privileged-pods",
        description="No pod spec is privileged or uses hostNetwork, hostPID, hostIPC or hostPath; the only "
                    "hostPaths are read-only mounts the pack config allows in platform namespaces.",
        severity=Severity.CRITICAL,
        fix_hint="Remove the field; use PersistentVolumeClaims for storage and Services for networking. A platform "
                 "node agent may mount a host path read-only if allowedHostPaths lists its namespace and prefix.",
        check_resource=check_pod_security,
        config_schema={"allowedHostPaths": {
            "type": "array",
            "description": "Host path prefixes a platform namespace may mount read-only (never tenant namespaces).",
            "items": {"type": "object", "additionalProperties": False, "required": ["namespace", "pathPrefix"],
                      "properties": {"namespace": {"type": "string", "minLength": 1},
                                     "pathPrefix": {"type": "string", "pattern": "^/."}}},
            "default": [dict(a) for a in DEFAULT_ALLOWED_HOST_PATHS],
        }},
    ),
    Rule(
        name="k8s-service-account-no-automount",
        description="ServiceAccounts do not automount API tokens.",
        severity=Severity.MEDIUM,
        fix_hint="Set automountServiceAccountToken: false; mount a projected token only where a pod needs one.",
        check_resource=check_service_account_automount,
    ),
    Rule(
        name="k8s-no-external-tenant-services",
        description="No NodePort or LoadBalancer Service in tenant namespaces; tenants are reached through the platform ingress.",
        severity=Severity.HIGH,
        fix_hint="Use a ClusterIP Service; the platform ingress exposes tenant endpoints.",
        check_resource=check_no_external_services,
    ),
]
