"""Map the stack config onto `PopClusterArgs`: the stack decides, the component only receives."""

from __future__ import annotations

import pulumi

from components.pop.args import (
    AcmeDns01Issuer,
    AdoptCluster,
    AwsSecretsManagerStore,
    CreateCluster,
    InternalCaIssuer,
    NodeGroupSize,
    PopClusterArgs,
    VaultStore,
)
from declarations.stack_config import StackConfig


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
