"""The platform contract: what a region's platform stack exports and its tenant stacks read.

A tenant stack (stacks/tenant/program.py) reads the region's platform stack only through a
`pulumi.StackReference`, so these outputs are the whole interface between the two: versioned
(`CONTRACT_VERSION`), typed (the frozen pydantic model below), documented (README "Platform
contract") and tested (tests/stacks). Outputs may be added without a version bump; renaming,
removing or changing the meaning of one is a new version, and a tenant stack refuses a platform
whose version it was not written for.

The kubeconfig and the Aerospike feature key are exported as Pulumi secrets: the StackReference
reports them in `secretOutputNames`, and the tenant program keeps them secret.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

import pulumi
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic.alias_generators import to_camel

from stacks.stack_names import platform_stack_name  # noqa: F401 (part of the contract's vocabulary)

if TYPE_CHECKING:  # a tenant stack reads the contract without importing the platform's component tree
    from stacks.platform.build import RegionPlatform

CONTRACT_VERSION = 1
SECRET_OUTPUTS = frozenset({"kubeconfig", "aerospikeFeatureKey"})


class _Facts(BaseModel):
    """Output names are camelCase (Pulumi's convention); Python reads snake_case."""

    model_config = ConfigDict(frozen=True, extra="ignore", alias_generator=to_camel, populate_by_name=True)


class NetworkFacts(_Facts):
    """Platform namespaces a tenant namespace talks to (components/tenant/network_policies.py)."""

    ingress_namespace: str
    monitoring_namespace: str
    kafka_namespace: str
    kafka_cluster_name: str
    kafka_bootstrap_port: int
    telemetry_collector_labels: dict[str, str]
    """Pod labels of the region's OpenTelemetry collector, the only OTLP peer in monitoring."""
    telemetry_ports: tuple[int, ...]


class KafkaFacts(_Facts):
    """Where the region's Kafka is; the Connect role is the delegate tenant roles trust (audit archive)."""

    namespace: str
    cluster_name: str
    bootstrap: str
    cluster_ca_secret: str
    connect_name: str
    connect_service_account: str
    connect_role_arn: str


class ObservabilityFacts(_Facts):
    """The monitoring namespace; service endpoints are a function of it (components/observability/endpoints.py)."""

    namespace: str
    collector_uid: str
    """The region's OpenTelemetryCollector object's uid. Tenant stacks patch their pipelines into that
    object; when the platform replaces it, the new object has none of them and a new uid, and every
    tenant stack's patch (which carries the uid) shows an update that applies its pipelines again."""


class PlatformContract(_Facts):
    """Every output of the platform stack a tenant stack reads."""

    contract_version: int
    region: str
    pop_name: str
    aws_region: str
    aws_account_id: str
    kubernetes_version: str
    storage_class: str
    kms_deletion_window_days: int
    backup_noncurrent_version_days: int
    oidc_issuer: str = Field(description="host/path of the cluster's service-account issuer (IRSA trust)")
    engine_operator_role_arns: dict[str, str] = Field(
        description="engine -> IRSA role of its operator's pod, for operators that read tenant backups themselves "
                    "(MongoDB, YugabyteDB): each tenant key admits it through S3 (components/engines/operator_identity.py)")
    kubeconfig: SecretStr
    aerospike_feature_key: SecretStr
    network: NetworkFacts
    kafka: KafkaFacts
    observability: ObservabilityFacts


OUTPUT_NAMES: tuple[str, ...] = tuple(
    field.alias or name for name, field in PlatformContract.model_fields.items()
)
"""Top-level outputs the tenant stack reads, as the platform exports them."""


class PlatformContractError(Exception):
    """The platform stack's outputs do not satisfy this contract; says which and why."""


def contract_outputs(platform: RegionPlatform) -> dict[str, pulumi.Input[Any]]:
    """What the platform stack exports (one `pulumi.export` per key)."""
    config = platform.config
    peers = platform.network_peers
    kafka = platform.kafka
    return {
        "contractVersion": CONTRACT_VERSION,
        "region": config.region,
        "popName": config.pop_name,
        "awsRegion": config.aws_region,
        "awsAccountId": config.aws_account_id,
        "kubernetesVersion": config.kubernetes_version,
        "storageClass": config.storage_class,
        "kmsDeletionWindowDays": config.kms_deletion_window_days,
        "backupNoncurrentVersionDays": config.backup_noncurrent_version_days,
        "oidcIssuer": platform.pop.oidc_issuer,
        "engineOperatorRoleArns": {engine.value: role.arn for engine, role in platform.engine_operators.backup_roles.items()},
        "kubeconfig": pulumi.Output.secret(platform.pop.kubeconfig),
        "aerospikeFeatureKey": pulumi.Output.secret(platform.engine_placement.aerospike_feature_key),
        "network": {
            "ingressNamespace": peers.ingress_namespace,
            "monitoringNamespace": peers.monitoring_namespace,
            "kafkaNamespace": peers.kafka_namespace,
            "kafkaClusterName": peers.kafka_cluster_name,
            "kafkaBootstrapPort": peers.kafka_bootstrap_port,
            "telemetryCollectorLabels": dict(peers.telemetry_collector_labels),
            "telemetryPorts": list(peers.telemetry_ports),
        },
        "kafka": {
            "namespace": kafka.namespace,
            "clusterName": kafka.cluster_name,
            "bootstrap": kafka.bootstrap,
            "clusterCaSecret": kafka.cluster_ca_secret,
            "connectName": kafka.connect_name,
            "connectServiceAccount": kafka.connect_service_account,
            "connectRoleArn": kafka.connect_role.arn,
        },
        "observability": {"namespace": config.monitoring_namespace,
                          "collectorUid": platform.observability.collector_uid},
    }


def parse_contract(stack_name: str, outputs: Mapping[str, Any], secret_names: frozenset[str]) -> PlatformContract:
    """Validate a platform stack's outputs; PlatformContractError names every missing or wrong one."""
    version = outputs.get("contractVersion")
    if version != CONTRACT_VERSION:
        raise PlatformContractError(
            f"platform stack {stack_name}: contractVersion is {version!r}, this tenant program reads version "
            f"{CONTRACT_VERSION}; update the platform stack (or this repository) first")
    leaked = sorted(name for name in SECRET_OUTPUTS if name in outputs and name not in secret_names)
    if leaked:
        raise PlatformContractError(f"platform stack {stack_name}: outputs {', '.join(leaked)} must be secrets")
    try:
        return PlatformContract.model_validate(dict(outputs))
    except ValidationError as exc:
        problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise PlatformContractError(
            f"platform stack {stack_name} does not export the platform contract v{CONTRACT_VERSION}:\n  "
            + "\n  ".join(problems)) from None


def read_contract(reference: pulumi.StackReference, stack_name: str) -> PlatformContract:
    """The referenced platform's outputs as plain values, validated.

    Tenant resources take these facts as names, labels and policy documents, which must be plain
    values when the program builds them, so the program waits for the reference here. The SDK does
    the same for every synchronous invoke (pulumi/pulumi sdk/python/lib/pulumi/runtime/invoke.py
    `invoke` -> `_sync_await`); the engine reads a StackReference during preview as well, so the
    values are known then (pkg/resource/deploy/builtins.go, readStackReference).
    """
    from pulumi.runtime.sync_await import _sync_await

    outputs: dict[str, Any] = {}
    secret_names: set[str] = set()
    for name in OUTPUT_NAMES:
        details = _sync_await(reference.get_output_details(name))
        if details.secret_value is not None:
            outputs[name] = details.secret_value
            secret_names.add(name)
        elif details.value is not None:
            outputs[name] = details.value
    return parse_contract(stack_name, outputs, frozenset(secret_names))
