"""Typed inputs of the regional observability stack; the stack fills them from its config."""


from typing import Union

import pulumi
from pydantic import BaseModel, ConfigDict, Field

StrInput = Union[str, pulumi.Output]
"""A plain string or a Pulumi output of one (an ARN, an issuer that a created cluster computes)."""


class Retention(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    metrics_local_days: int = Field(default=15, ge=1)
    metrics_long_term_days: int = Field(default=395, ge=30)
    logs_days: int = Field(default=30, ge=1)
    traces_days: int = Field(default=7, ge=1)


class AlertRouting(BaseModel):
    """Alertmanager's route tree: critical pages, everything else goes to the default receiver."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    default_webhook_url: str = Field(pattern=r"^https?://[^@\s?#]+$")
    critical_webhook_url: str = Field(pattern=r"^https?://[^@\s?#]+$")
    group_wait_seconds: int = 30
    group_interval_minutes: int = 5
    repeat_interval_hours: int = 4
    group_by: tuple[str, ...] = ("alertname", "tenant", "service", "namespace")


class ObservabilityArgs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    region: str
    pop_name: str
    aws_region: str
    aws_account_id: str
    oidc_issuer: StrInput = Field(description="Service-account issuer host/path; IRSA roles trust it.")
    namespace: str = Field(description="The monitoring namespace; tenant NetworkPolicies admit it.")
    ingress_namespace: str = Field(default="ingress-nginx",
                                   description="The ingress controller's namespace; admitted to Grafana and Alertmanager.")
    platform_key_arn: StrInput = Field(description="ARN of the region's platform KMS key.")
    scrape_interval_seconds: int = Field(default=30, ge=5)
    retention: Retention = Retention()
    alert_routing: AlertRouting
    noncurrent_version_days: int = 30
    kafka_namespace: str = Field(default="kafka", description="The Kafka namespace (stack config `kafkaNamespace`; "
                                 "its default); the Kafka PodMonitor lives there.")
    kafka_cluster_name: str = Field(default="events", description="The Strimzi cluster's name (stack config "
                                    "`kafkaClusterName`; its default); the PodMonitor selects its pods.")
    kafka_dependencies: tuple[pulumi.Resource, ...] = Field(
        default=(), description="What must exist before the Kafka PodMonitor: the EventBackbone (its namespace).")
