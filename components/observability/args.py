"""Typed inputs of the observability area; the stacks fill them (the platform's from its config)."""

from __future__ import annotations

import pulumi
from pydantic import BaseModel, ConfigDict, Field

from components.input_types import StrInput
from components.observability.endpoints import Endpoints
from declarations.field_types import AwsAccountId, WebhookUrl
from declarations.tenant_model import Tenant


class Retention(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    metrics_local_days: int = Field(default=15, ge=1, description="Prometheus local TSDB retention.")
    metrics_long_term_days: int = Field(default=395, ge=30, description="Thanos: raw, 5m and 1h downsampled blocks.")
    logs_days: int = Field(default=30, ge=1, description="Loki retention for every tenant.")
    traces_days: int = Field(default=7, ge=1, description="Tempo retention for every tenant.")


class AlertRouting(BaseModel):
    """Alertmanager's route tree: critical pages, everything else goes to the default receiver."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    default_webhook_url: WebhookUrl = Field(description="Receiver for warnings and everything not paged.")
    critical_webhook_url: WebhookUrl = Field(description="Receiver for severity=critical (paging).")
    group_wait_seconds: int = Field(default=30, description="Wait before the first notification of a new group.")
    group_interval_minutes: int = Field(default=5, description="Wait before notifying about new alerts of a group.")
    repeat_interval_hours: int = Field(default=4, description="Wait before re-sending a notification.")
    group_by: tuple[str, ...] = Field(default=("alertname", "tenant", "service", "namespace"),
                                      description="Labels that make alerts one notification.")


class ObservabilityArgs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    region: str = Field(description="Platform region: external label of every series, names buckets and roles.")
    pop_name: str = Field(description="The point of presence: external label of every series.")
    aws_region: str = Field(description="Where the signal buckets are.")
    aws_account_id: AwsAccountId = Field(description="Account of the signal buckets and IRSA roles.")
    oidc_issuer: StrInput = Field(description="Service-account issuer host/path; IRSA roles trust it.")
    namespace: str = Field(description="The monitoring namespace; tenant NetworkPolicies admit it.")
    ingress_namespace: str = Field(default="ingress-nginx",
                                   description="The ingress controller's namespace; admitted to Grafana and Alertmanager.")
    platform_key_arn: StrInput = Field(description="ARN of the region's platform KMS key.")
    scrape_interval_seconds: int = Field(default=30, ge=5, description="Prometheus scrape interval.")
    retention: Retention = Field(default=Retention(), description="How long each signal is kept.")
    alert_routing: AlertRouting = Field(description="Where Alertmanager sends notifications.")
    noncurrent_version_days: int = Field(default=30, description="Superseded bucket object versions expire after this.")
    kafka_namespace: str = Field(default="kafka", description="The Kafka namespace (stack config `kafkaNamespace`; "
                                 "its default); the Kafka PodMonitor lives there.")
    kafka_cluster_name: str = Field(default="events", description="The Strimzi cluster's name (stack config "
                                    "`kafkaClusterName`; its default); the PodMonitor selects its pods.")
    kafka_dependencies: tuple[pulumi.Resource, ...] = Field(
        default=(), description="What must exist before the Kafka PodMonitor: the EventBackbone (its namespace).")


class SignalStoreArgs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    region: str = Field(description="Platform region: part of the bucket and role names.")
    aws_account_id: AwsAccountId = Field(description="Account of the bucket and roles.")
    oidc_issuer: StrInput = Field(description="Service-account issuer host/path; IRSA roles trust it.")
    purpose: str = Field(pattern=r"^[a-z]{3,10}$", description="thanos, loki or tempo")
    key_arn: StrInput = Field(description="ARN of the platform KMS key that encrypts the bucket.")
    retention_days: int = Field(ge=1, description="Bucket lifecycle; a backstop behind the signal's own retention.")
    noncurrent_version_days: int = Field(default=1, ge=1, description="Superseded versions expire after this.")
    namespace: str = Field(description="Namespace of the workloads; the IAM trust policy names it.")
    namespace_resource: pulumi.Resource = Field(description="The ServiceAccounts are created after it.")
    service_accounts: tuple[str, ...] = Field(min_length=1, description="Workloads (ServiceAccount names) that use the bucket.")


class TenantObservabilityArgs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    tenant: Tenant = Field(description="The tenant declaration: its services get monitors, rules and dashboards.")
    endpoints: Endpoints = Field(description="The region's observability services (in the monitoring namespace).")
    kafka_namespace: str = Field(description="The Kafka namespace, where the tenant's Kafka alert rule lives.")
    collector_uid: StrInput = Field(description="uid of the region's collector object (platform contract): the "
                                                "tenant's telemetry-routes patch carries it, so a new collector object "
                                                "is a change of the patch, which applies the routes again.")
