"""The platform stack's config, mapped onto its components' typed args: the one place where
`StackConfig` meets components. Components never see the stack config; the stack decides and the
component only receives.
"""

from __future__ import annotations

import pulumi

from components.controlplane_db.args import ControlPlaneDatabaseArgs
from components.engines.args import EngineOperatorsArgs, EnginePlacement
from components.kafka.args import CONTROLLER_REPLICAS, KafkaBackboneArgs, NodePoolSizing
from components.observability.args import AlertRouting, ObservabilityArgs, Retention
from components.observability.collector_config import COLLECTOR_NAME, OTLP_GRPC_PORT, OTLP_HTTP_PORT
from components.observability.network_policies import collector_pods
from components.pop.args import (
    AcmeDns01Issuer, AdoptCluster, AwsSecretsManagerStore, CreateCluster, InternalCaIssuer, NodeGroupSize,
    PopClusterArgs, VaultStore,
)
from components.storage.args import PlatformKeyArgs
from components.tenant import NetworkPeers
from declarations.stack_config import StackConfig

CONTROLLER_MEMORY_FACTOR = 2
"""Controllers hold only metadata: container memory is twice their heap."""


def _double_heap(heap: str) -> str:
    amount, unit = int(heap[:-1]), heap[-1]
    return f"{amount * CONTROLLER_MEMORY_FACTOR}{'Gi' if unit == 'g' else 'Mi'}"


def platform_key_args(config: StackConfig) -> PlatformKeyArgs:
    return PlatformKeyArgs(region=config.region, aws_account_id=config.aws_account_id,
                           deletion_window_days=config.kms_deletion_window_days,
                           autoscaling_node_volumes=config.cluster_mode == "create")


def pop_cluster_args(
    config: StackConfig, kubeconfig: pulumi.Input[str] | None, platform_key_arn: pulumi.Input[str]
) -> PopClusterArgs:
    """`kubeconfig` is the secret from the stack config; it must be given in adopt mode."""
    if config.cluster_mode == "create":
        cluster: AdoptCluster | CreateCluster = CreateCluster(
            vpc_cidr=config.vpc_cidr,
            system_nodes=NodeGroupSize(instance_type=config.system_node_instance_type,
                                       min_size=config.system_node_min_size, max_size=config.system_node_max_size),
            database_nodes=NodeGroupSize(instance_type=config.database_node_instance_type,
                                         min_size=config.database_node_min_size, max_size=config.database_node_max_size),
            kafka_nodes=NodeGroupSize(instance_type=config.kafka_node_instance_type,
                                      min_size=config.kafka_node_min_size, max_size=config.kafka_node_max_size),
        )
    else:
        if kubeconfig is None:
            raise ValueError("clusterMode adopt needs the kubeconfig secret (pulumi config set --secret kubeconfig < file)")
        cluster = AdoptCluster(kubeconfig=kubeconfig, oidc_issuer=config.oidc_issuer)
    if config.cluster_issuer == "acme-dns01":
        issuer: AcmeDns01Issuer | InternalCaIssuer = AcmeDns01Issuer(
            email=config.acme_email, server=config.acme_server, route53_zone_id=config.acme_dns_zone_id
        )
    else:
        issuer = InternalCaIssuer(secret_name=config.internal_ca_secret)
    if config.secret_store == "vault":
        store: AwsSecretsManagerStore | VaultStore = VaultStore(
            server=config.vault_server, path=config.vault_path, role=config.vault_role
        )
    else:
        store = AwsSecretsManagerStore()
    return PopClusterArgs(
        region=config.region,
        pop_name=config.pop_name,
        aws_region=config.aws_region,
        aws_account_id=config.aws_account_id,
        kubernetes_version=config.kubernetes_version,
        cluster=cluster,
        platform_key_arn=platform_key_arn,
        issuer=issuer,
        secret_store=store,
        retained_storage_class=config.storage_class,
        ingress_namespace=config.ingress_namespace,
        monitoring_namespace=config.monitoring_namespace,
    )


def backbone_args(config: StackConfig, oidc_issuer: pulumi.Input[str]) -> KafkaBackboneArgs:
    return KafkaBackboneArgs(
        region=config.region,
        namespace=config.kafka_namespace,
        cluster_name=config.kafka_cluster_name,
        bootstrap_port=config.kafka_bootstrap_port,
        storage_class=config.storage_class,
        brokers=NodePoolSizing(
            replicas=config.kafka_broker_replicas, storage_gb=config.kafka_broker_storage_gb,
            heap=config.kafka_broker_heap, memory=config.kafka_broker_memory, cpu=config.kafka_broker_cpu,
        ),
        controllers=NodePoolSizing(
            replicas=CONTROLLER_REPLICAS, storage_gb=config.kafka_controller_storage_gb,
            heap=config.kafka_controller_heap, memory=_double_heap(config.kafka_controller_heap), cpu="1",
        ),
        rack_topology_key=config.kafka_rack_topology_key,
        connect_replicas=config.kafka_connect_replicas,
        connect_image=config.kafka_connect_image,
        aws_account_id=config.aws_account_id,
        oidc_issuer=oidc_issuer,
        monitoring_namespace=config.monitoring_namespace,
    )


def observability_args(config: StackConfig, oidc_issuer: pulumi.Input[str], platform_key_arn: pulumi.Input[str],
                       kafka_dependencies: tuple[pulumi.Resource, ...]) -> ObservabilityArgs:
    return ObservabilityArgs(
        region=config.region, pop_name=config.pop_name, aws_region=config.aws_region,
        aws_account_id=config.aws_account_id, oidc_issuer=oidc_issuer, namespace=config.monitoring_namespace,
        ingress_namespace=config.ingress_namespace, platform_key_arn=platform_key_arn,
        scrape_interval_seconds=config.metrics_scrape_interval_seconds,
        retention=Retention(metrics_local_days=config.metrics_retention_days,
                            metrics_long_term_days=config.metrics_long_term_retention_days,
                            logs_days=config.log_retention_days, traces_days=config.trace_retention_days),
        alert_routing=AlertRouting(default_webhook_url=config.alertmanager_webhook_url,
                                   critical_webhook_url=config.alertmanager_critical_webhook_url,
                                   group_wait_seconds=config.alertmanager_group_wait_seconds,
                                   group_interval_minutes=config.alertmanager_group_interval_minutes,
                                   repeat_interval_hours=config.alertmanager_repeat_interval_hours),
        kafka_namespace=config.kafka_namespace, kafka_cluster_name=config.kafka_cluster_name,
        kafka_dependencies=kafka_dependencies,
    )


def engine_operators_args(config: StackConfig, oidc_issuer: pulumi.Input[str]) -> EngineOperatorsArgs:
    return EngineOperatorsArgs(monitoring_namespace=config.monitoring_namespace, region=config.region,
                               aws_account_id=config.aws_account_id, oidc_issuer=oidc_issuer)


def control_plane_db_args(config: StackConfig, oidc_issuer: pulumi.Input[str],
                          platform_key_arn: pulumi.Input[str]) -> ControlPlaneDatabaseArgs:
    return ControlPlaneDatabaseArgs(
        region=config.region, aws_account_id=config.aws_account_id, oidc_issuer=oidc_issuer,
        kubernetes_version=config.kubernetes_version, platform_key_arn=platform_key_arn,
        monitoring_namespace=config.monitoring_namespace,
        storage_class=config.control_plane_db_storage_class or config.storage_class,
        storage_size=config.control_plane_db_storage_size,
        backup_retention_days=config.control_plane_db_backup_retention_days,
        cluster_name=config.control_plane_db_cluster_name,
        recover_from=config.control_plane_db_recover_from,
        recovery_target_time=config.control_plane_db_recovery_target_time,
        tools_image=config.control_plane_tools_image,
    )


def engine_placement(config: StackConfig, aerospike_feature_key: pulumi.Input[str]) -> EnginePlacement:
    """What every engine instance of the region needs; `aerospike_feature_key` is the config secret."""
    return EnginePlacement(aws_region=config.aws_region, storage_class=config.storage_class,
                           kafka_namespace=config.kafka_namespace, aerospike_feature_key=aerospike_feature_key)


def network_peers(config: StackConfig) -> NetworkPeers:
    """Platform namespaces a tenant namespace talks to."""
    return NetworkPeers(
        ingress_namespace=config.ingress_namespace,
        monitoring_namespace=config.monitoring_namespace,
        kafka_namespace=config.kafka_namespace,
        kafka_cluster_name=config.kafka_cluster_name,
        kafka_bootstrap_port=config.kafka_bootstrap_port,
        # Tenant workloads send OTLP to the region's collector, and to nothing else in monitoring.
        telemetry_collector_labels=tuple(sorted(
            collector_pods(config.monitoring_namespace, COLLECTOR_NAME)["matchLabels"].items())),
        telemetry_ports=(OTLP_GRPC_PORT, OTLP_HTTP_PORT),
    )
