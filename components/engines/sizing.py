"""Sizing from the plan and the service: what the tenant chose, and what the platform decides for it."""

from __future__ import annotations

from dataclasses import dataclass

from declarations.plans import Plan
from declarations.tenant_model import Service


@dataclass(frozen=True)
class Sizing:
    """Replica count, volumes and per-container resources of one instance."""

    replicas: int
    clustered: bool
    storage_gb: int
    storage_class: str
    requests: dict[str, str]
    limits: dict[str, str]
    helper_requests: dict[str, str]
    """Sidecars, gateways, coordinators: the plan's container defaults, not a full data replica."""
    helper_limits: dict[str, str]

    @classmethod
    def of(cls, plan: Plan, service: Service, storage_class: str) -> "Sizing":
        return cls(
            replicas=service.replicas,
            clustered=service.topology == "clustered",
            storage_gb=service.storage_gb,
            storage_class=storage_class,
            requests=plan.replica_request.model_dump(),
            limits=plan.replica_limit.model_dump(),
            helper_requests=plan.container_default_request.model_dump(),
            helper_limits=plan.container_default_limit.model_dump(),
        )

    @property
    def storage(self) -> str:
        return f"{self.storage_gb}Gi"

    @property
    def resources(self) -> dict[str, dict[str, str]]:
        return {"requests": dict(self.requests), "limits": dict(self.limits)}

    @property
    def helper_resources(self) -> dict[str, dict[str, str]]:
        return {"requests": dict(self.helper_requests), "limits": dict(self.helper_limits)}

    def volume_claim(self) -> dict:
        """A PersistentVolumeClaim spec for one data volume."""
        return {
            "accessModes": ["ReadWriteOnce"],
            "storageClassName": self.storage_class,
            "resources": {"requests": {"storage": self.storage}},
        }
