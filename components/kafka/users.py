"""KafkaUser objects: mutual-TLS principals `CN=<name>`, their ACLs and, for tenants, quotas."""

from __future__ import annotations

import pulumi
from pulumi_kubernetes.apiextensions import CustomResource

from components.kafka.acls import AclRule
from components.kafka.custom_resources import strimzi_resource
from declarations.plans import KafkaQuota


def quota_spec(quota: KafkaQuota) -> dict[str, int]:
    """Strimzi `spec.quotas` from the plan catalog (byte rates are per broker)."""
    return {
        "producerByteRate": quota.producer_byte_rate,
        "consumerByteRate": quota.consumer_byte_rate,
        "requestPercentage": quota.request_percentage,
    }


def user_spec(rules: list[AclRule] | None, quota: KafkaQuota | None = None) -> dict:
    """`rules=None` means no authorization block: only for the break-glass super user."""
    spec: dict = {"authentication": {"type": "tls"}}
    if rules is not None:
        spec["authorization"] = {"type": "simple", "acls": [r.to_strimzi() for r in rules]}
    if quota is not None:
        spec["quotas"] = quota_spec(quota)
    return spec


def create_user(
    logical_name: str,
    name: str,
    namespace: str,
    cluster: str,
    spec: dict,
    opts: pulumi.ResourceOptions,
    labels: dict[str, str] | None = None,
) -> CustomResource:
    return strimzi_resource(logical_name, "KafkaUser", name, namespace, spec, opts, cluster=cluster, labels=labels)
