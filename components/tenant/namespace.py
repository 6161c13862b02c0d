"""The tenant namespace: identity labels, Pod Security `restricted`, quota and limit range."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.namespace_baseline import pod_security_labels
from declarations.plans import Plan
from declarations.tenant_model import Tenant

LABEL_TENANT = "dbaas.io/tenant"
LABEL_PLAN = "dbaas.io/plan"
LABEL_REGION = "dbaas.io/region"
LABEL_ORG = "dbaas.io/org"


def tenant_labels(tenant: Tenant) -> dict[str, str]:
    return {
        LABEL_TENANT: tenant.id,
        LABEL_ORG: tenant.org,
        LABEL_PLAN: tenant.plan.value,
        LABEL_REGION: tenant.data_region,
        "app.kubernetes.io/managed-by": "pulumi",
        "app.kubernetes.io/part-of": "dbaas",
    }


def create_namespace(
    tenant: Tenant, name: str, kubernetes_version: str, opts: pulumi.ResourceOptions
) -> k8s.core.v1.Namespace:
    return k8s.core.v1.Namespace(
        f"{tenant.id}.namespace",
        metadata={"name": name, "labels": {**tenant_labels(tenant), **pod_security_labels("restricted", kubernetes_version)}},
        opts=opts,
    )


def quota_hard(plan: Plan) -> dict[str, str]:
    q = plan.quota
    return {
        "requests.cpu": q.requests_cpu,
        "requests.memory": q.requests_memory,
        "limits.cpu": q.limits_cpu,
        "limits.memory": q.limits_memory,
        "requests.storage": f"{q.requests_storage_gb}Gi",
        "persistentvolumeclaims": str(q.persistent_volume_claims),
        "pods": str(q.pods),
        "services.loadbalancers": "0",
        "services.nodeports": "0",
    }


def create_quota_and_limits(
    tenant: Tenant, plan: Plan, namespace: str, labels: dict[str, str], opts: pulumi.ResourceOptions
) -> tuple[k8s.core.v1.ResourceQuota, k8s.core.v1.LimitRange]:
    quota = k8s.core.v1.ResourceQuota(
        f"{tenant.id}.quota",
        metadata={"name": "tenant-quota", "namespace": namespace, "labels": labels},
        spec={"hard": quota_hard(plan)},
        opts=opts,
    )
    limits = k8s.core.v1.LimitRange(
        f"{tenant.id}.limits",
        metadata={"name": "tenant-limits", "namespace": namespace, "labels": labels},
        spec={
            "limits": [
                {
                    "type": "Container",
                    "defaultRequest": plan.container_default_request.model_dump(),
                    "default": plan.container_default_limit.model_dump(),
                    "max": plan.container_max.model_dump(),
                },
                {"type": "PersistentVolumeClaim", "max": {"storage": f"{plan.max_storage_gb_per_service}Gi"}},
            ]
        },
        opts=opts,
    )
    return quota, limits
