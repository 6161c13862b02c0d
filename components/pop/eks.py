"""The EKS cluster (create mode): secrets encrypted under the platform key, control-plane logs,
the IAM OIDC provider for IRSA, one managed node group per node class, and the core add-ons.

The VPC CNI add-on runs with its network-policy agent enabled: that is this cluster's answer to
"the CNI must enforce NetworkPolicy" (no Calico on EKS).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws_policies import dumps
from components.irsa import create_irsa_role
from components.pop.args import CreateCluster, NodeGroupSize
from components.pop.iam_documents import (
    EBS_CSI_MANAGED_POLICY,
    EKS_CLUSTER_POLICIES,
    EKS_NODE_POLICIES,
    ebs_csi_key_policy,
    service_trust_policy,
)
from components.pop.kubeconfig import eks_kubeconfig
from components.pop.network import PopNetwork
from components.pop.node_classes import DATABASES, KAFKA, SYSTEM, NodeClass
from components.pop.nvme_bootstrap import nvme_user_data
from components.protection import stateful

CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
CONTROL_PLANE_LOG_RETENTION_DAYS = 90
VPC_CNI_CONFIGURATION = {"enableNetworkPolicy": "true"}
EBS_CSI_SERVICE_ACCOUNT = ("kube-system", "ebs-csi-controller-sa")
ROOT_VOLUME_GB = 100


ADDON_CONFLICTS = {"resolve_conflicts_on_create": "OVERWRITE", "resolve_conflicts_on_update": "OVERWRITE"}
"""A new EKS cluster already runs self-managed vpc-cni, kube-proxy and coredns; creating their
managed add-ons conflicts with those objects unless the add-on may take them over (EKS
CreateAddon `resolveConflicts`; the provider's default on create is NONE, which fails)."""


def issuer_from_provider(provider: aws.iam.OpenIdConnectProvider) -> pulumi.Output[str]:
    """The issuer as IRSA trust policies spell it: host/path without the scheme."""
    return provider.url.apply(lambda url: url.removeprefix("https://"))


@dataclass
class EksFacts:
    """What the rest of the PoP needs from a created cluster."""

    cluster: aws.eks.Cluster
    oidc_provider: aws.iam.OpenIdConnectProvider
    oidc_issuer: pulumi.Output[str]
    node_groups: dict[str, aws.eks.NodeGroup]
    addons: dict[str, aws.eks.Addon]
    kubeconfig: pulumi.Output[str]


def _role(name: str, service: str, policies: tuple[str, ...], tags: dict[str, str], opts: pulumi.ResourceOptions) -> aws.iam.Role:
    role = aws.iam.Role(f"{name}-role", assume_role_policy=dumps(service_trust_policy(service)), tags=tags, opts=opts)
    for index, arn in enumerate(policies):
        aws.iam.RolePolicyAttachment(f"{name}-role-policy-{index}", role=role.name, policy_arn=arn, opts=opts)
    return role


def _node_group(
    name: str, cluster: aws.eks.Cluster, node_class: NodeClass, size: NodeGroupSize, node_role: aws.iam.Role,
    subnet_ids: list[pulumi.Output[str]], key_arn: pulumi.Input[str], tags: dict[str, str], opts: pulumi.ResourceOptions,
) -> aws.eks.NodeGroup:
    template = aws.ec2.LaunchTemplate(
        f"{name}-{node_class.name}-template",
        # IMDSv2 only, one hop: pods cannot reach node credentials; they use IRSA.
        metadata_options={"http_endpoint": "enabled", "http_tokens": "required", "http_put_response_hop_limit": 1},
        block_device_mappings=[{
            "device_name": "/dev/xvda",
            "ebs": {"volume_size": ROOT_VOLUME_GB, "volume_type": "gp3", "encrypted": "true", "kms_key_id": key_arn,
                    "delete_on_termination": "true"},
        }],
        user_data=nvme_user_data() if node_class.local_nvme else None,
        tag_specifications=[{"resource_type": "instance", "tags": {**tags, "dbaas:node-class": node_class.name}}],
        tags=tags,
        opts=opts,
    )
    return aws.eks.NodeGroup(
        f"{name}-{node_class.name}-nodes",
        cluster_name=cluster.name,
        node_group_name=node_class.name,
        node_role_arn=node_role.arn,
        subnet_ids=subnet_ids,
        ami_type="AL2023_x86_64_STANDARD",
        capacity_type="ON_DEMAND",
        instance_types=[size.instance_type],
        scaling_config={"min_size": size.min_size, "desired_size": size.min_size, "max_size": size.max_size},
        update_config={"max_unavailable": 1},
        labels=node_class.labels,
        taints=[t.as_eks() for t in node_class.taints],
        launch_template={"id": template.id, "version": template.latest_version.apply(str)},
        tags={**tags, "dbaas:node-class": node_class.name},
        # Autoscaling moves desired_size; Pulumi must not fight it on every update.
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(ignore_changes=["scalingConfig.desiredSize"])),
    )


def create_eks(
    name: str, cluster_name: str, spec: CreateCluster, network: PopNetwork, kubernetes_version: str,
    key_arn: pulumi.Input[str], aws_region: str, aws_account_id: str, tags: dict[str, str], opts: pulumi.ResourceOptions,
) -> EksFacts:
    cluster_role = _role(f"{name}-cluster", "eks.amazonaws.com", EKS_CLUSTER_POLICIES, tags, opts)
    logs = aws.cloudwatch.LogGroup(
        f"{name}-control-plane-logs", name=f"/aws/eks/{cluster_name}/cluster",
        retention_in_days=CONTROL_PLANE_LOG_RETENTION_DAYS, tags=tags, opts=opts,
    )
    private_ids = [s.id for s in network.private_subnets]
    cluster = aws.eks.Cluster(
        f"{name}-cluster",
        name=cluster_name,
        version=kubernetes_version,
        role_arn=cluster_role.arn,
        vpc_config={"subnet_ids": private_ids, "endpoint_private_access": True, "endpoint_public_access": True},
        encryption_config={"provider": {"key_arn": key_arn}, "resources": ["secrets"]},
        enabled_cluster_log_types=CONTROL_PLANE_LOG_TYPES,
        access_config={"authentication_mode": "API", "bootstrap_cluster_creator_admin_permissions": True},
        deletion_protection=True,
        tags=tags,
        # The cluster holds etcd (every tenant's Kubernetes state): protected and retained.
        opts=stateful(pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[logs])), True),
    )
    issuer_url = cluster.identities.apply(lambda ids: ids[0].oidcs[0].issuer)
    oidc_provider = aws.iam.OpenIdConnectProvider(
        f"{name}-oidc", url=issuer_url, client_id_lists=["sts.amazonaws.com"], tags=tags, opts=opts,
    )
    # Read back from the provider, so every IRSA role depends on the provider existing (IAM refuses
    # a trust policy whose federated principal does not exist yet).
    oidc_issuer = issuer_from_provider(oidc_provider)

    node_role = _role(f"{name}-node", "ec2.amazonaws.com", EKS_NODE_POLICIES, tags, opts)
    sizes = {SYSTEM.name: spec.system_nodes, DATABASES.name: spec.database_nodes, KAFKA.name: spec.kafka_nodes}
    node_groups = {
        nc.name: _node_group(name, cluster, nc, sizes[nc.name], node_role, private_ids, key_arn, tags, opts)
        for nc in (SYSTEM, DATABASES, KAFKA)
    }

    ebs_namespace, ebs_account = EBS_CSI_SERVICE_ACCOUNT
    ebs_role = create_irsa_role(
        f"{name}-ebs-csi-role", role_name=f"{cluster_name}-ebs-csi",
        description=f"EBS CSI controller of {cluster_name}: volumes encrypted with the platform key",
        account_id=aws_account_id, oidc_issuer=oidc_issuer, namespace=ebs_namespace, service_account=ebs_account,
        tags=tags, opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[oidc_provider])),
    )
    aws.iam.RolePolicyAttachment(f"{name}-ebs-csi-managed", role=ebs_role.name, policy_arn=EBS_CSI_MANAGED_POLICY, opts=opts)
    aws.iam.RolePolicy(
        f"{name}-ebs-csi-key", name="platform-key", role=ebs_role.name,
        policy=pulumi.Output.from_input(key_arn).apply(lambda arn: dumps(ebs_csi_key_policy(arn))), opts=opts,
    )
    after_nodes = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=list(node_groups.values())))
    addons = {
        "vpc-cni": aws.eks.Addon(
            f"{name}-vpc-cni", cluster_name=cluster.name, addon_name="vpc-cni",
            configuration_values=json.dumps(VPC_CNI_CONFIGURATION, sort_keys=True),
            tags=tags, opts=opts, **ADDON_CONFLICTS,
        ),
        "kube-proxy": aws.eks.Addon(f"{name}-kube-proxy", cluster_name=cluster.name, addon_name="kube-proxy", tags=tags,
                                    opts=opts, **ADDON_CONFLICTS),
        "coredns": aws.eks.Addon(f"{name}-coredns", cluster_name=cluster.name, addon_name="coredns", tags=tags,
                                 opts=after_nodes, **ADDON_CONFLICTS),
        "aws-ebs-csi-driver": aws.eks.Addon(
            f"{name}-ebs-csi", cluster_name=cluster.name, addon_name="aws-ebs-csi-driver",
            service_account_role_arn=ebs_role.arn, tags=tags, opts=after_nodes, **ADDON_CONFLICTS,
        ),
    }
    kubeconfig = pulumi.Output.all(cluster.name, cluster.endpoint, cluster.certificate_authority.data).apply(
        lambda a: eks_kubeconfig(a[0], a[1], a[2], aws_region)
    )
    return EksFacts(cluster=cluster, oidc_provider=oidc_provider, oidc_issuer=oidc_issuer,
                    node_groups=node_groups, addons=addons, kubeconfig=kubeconfig)
