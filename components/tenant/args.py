"""Typed inputs of a tenant's environment: its declaration and the regional facts it stands on.
The stacks fill them (from the platform in one program, from the platform contract in a tenant stack)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from components.input_types import StrInput
from declarations.engine_catalog import EngineName
from declarations.field_types import AwsAccountId, KubernetesMinorVersion
from declarations.tenant_model import Tenant


class NetworkPeers(BaseModel):
    """Platform namespaces a tenant namespace talks to."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ingress_namespace: str = Field(description="The ingress controller's namespace; may reach the tenant.")
    monitoring_namespace: str = Field(description="Scrapes the tenant's pods.")
    kafka_namespace: str = Field(description="Where the Kafka brokers the tenant may reach run.")
    kafka_cluster_name: str = Field(description="The Strimzi cluster whose broker pods the tenant may reach.")
    kafka_bootstrap_port: int = Field(description="The brokers' TLS listener port.")
    telemetry_collector_labels: tuple[tuple[str, str], ...] = Field(
        default=(), description="Pod labels of the OpenTelemetry collector in the monitoring namespace "
                                "(empty: no OTLP egress).")
    telemetry_ports: tuple[int, ...] = Field(default=(), description="OTLP ports of the collector.")


class TenantEnvironmentArgs(BaseModel):
    """The tenant declaration plus the regional facts a tenant environment depends on."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    tenant: Tenant = Field(description="The tenant declaration: plan, owners, services, protection.")
    aws_region: str = Field(description="Region of the tenant's key and bucket.")
    aws_account_id: AwsAccountId = Field(description="Account of the tenant's key, bucket and role.")
    oidc_issuer: StrInput = Field(
        description="Host/path of the cluster's issuer; an output when the PoP cluster is created in this stack.")
    kubernetes_version: KubernetesMinorVersion = Field(description="Pins the namespace's Pod Security version.")
    network_peers: NetworkPeers = Field(description="Platform namespaces the tenant's NetworkPolicies admit.")
    kms_deletion_window_days: int = Field(default=30, ge=7, le=30, description="KMS waiting period before deletion.")
    noncurrent_version_days: int = Field(default=30, description="Superseded backup versions expire after this.")
    operator_role_arns: dict[EngineName, StrInput] = Field(
        default_factory=dict,
        description="IRSA roles of the engine operators that read tenant backups themselves (platform contract "
                    "`engineOperatorRoleArns`); the key admits those of the engines the tenant runs.")
    delegate_role_arns: tuple[StrInput, ...] = Field(
        default=(), description="Platform roles that may assume the tenant role with the tenant id as external id "
                                "(the Kafka Connect audit archive); never another tenant's.")
