"""`dbaas:pop:PopCluster`: the regional Kubernetes cluster, created on EKS or adopted, and the
one Kubernetes provider every other component of the stack uses.

Either way the cluster gets the same platform baseline and an IAM OIDC provider, so tenant IRSA
roles trust the cluster's service-account issuer the same way in both modes.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.pop.args import CreateCluster, PlatformBaselineArgs, PopClusterArgs
from components.pop.baseline import PlatformBaseline
from components.pop.eks import EksFacts, create_eks, issuer_from_provider
from components.pop.network import PopNetwork, create_network
from components.pop.provider_settings import CLUSTER_PROVIDER_SETTINGS
from components.irsa import STS_AUDIENCE
from declarations.naming import dns_label

TYPE = "dbaas:pop:PopCluster"


def cluster_name(pop_name: str) -> str:
    """`dbaas-<pop>`: the EKS cluster name, and the prefix of the cluster's own IAM roles."""
    return dns_label("dbaas", pop_name)


class PopCluster(pulumi.ComponentResource):
    provider: k8s.Provider
    """Every Kubernetes resource of the stack uses this provider, never a default one."""
    oidc_provider: aws.iam.OpenIdConnectProvider
    oidc_issuer: pulumi.Output[str]
    """host/path of the service-account issuer, for IRSA trust policies (depends on the IAM OIDC provider)."""
    name: str
    created: bool
    network: PopNetwork | None
    eks: EksFacts | None
    baseline: PlatformBaseline

    def __init__(self, name: str, args: PopClusterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.name = cluster_name(args.pop_name)
        tags = {"dbaas:region": args.region, "dbaas:pop": args.pop_name, "managed-by": "pulumi"}
        self.created = isinstance(args.cluster, CreateCluster)
        self.network, self.eks = None, None
        provider_deps: list[pulumi.Resource] = []
        if isinstance(args.cluster, CreateCluster):
            self.network = create_network(f"{name}-net", self.name, args.cluster.vpc_cidr, tags, child)
            self.eks = create_eks(
                name, self.name, args.cluster, self.network, args.kubernetes_version, args.platform_key_arn,
                args.aws_region, args.aws_account_id, tags, child,
            )
            self.oidc_provider = self.eks.oidc_provider
            kubeconfig: pulumi.Input[str] = pulumi.Output.secret(self.eks.kubeconfig)
            provider_deps = [*self.eks.node_groups.values(), *self.eks.addons.values()]
        else:
            # The colocation cluster serves its issuer discovery document publicly; AWS STS
            # validates tokens against it through this provider.
            self.oidc_provider = aws.iam.OpenIdConnectProvider(
                f"{name}-oidc", url=f"https://{args.cluster.oidc_issuer}", client_id_lists=[STS_AUDIENCE], tags=tags, opts=child,
            )
            kubeconfig = args.cluster.kubeconfig
        self.oidc_issuer = issuer_from_provider(self.oidc_provider)
        self.kubeconfig = kubeconfig
        """What the provider connects with (a secret); the platform contract hands it to tenant stacks."""
        self.provider = k8s.Provider(
            f"k8s-{args.pop_name}",
            kubeconfig=kubeconfig,
            **CLUSTER_PROVIDER_SETTINGS,
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=provider_deps,
                # It was a top-level resource before the PoP component existed; keep its identity.
                aliases=[pulumi.Alias(parent=pulumi.ROOT_STACK_RESOURCE)],
            ),
        )
        self.baseline = PlatformBaseline(
            f"{name}-baseline",
            PlatformBaselineArgs(
                cluster_name=self.name,
                region=args.region,
                aws_region=args.aws_region,
                aws_account_id=args.aws_account_id,
                kubernetes_version=args.kubernetes_version,
                created_cluster=self.created,
                platform_key_arn=args.platform_key_arn,
                oidc_issuer=self.oidc_issuer,
                issuer=args.issuer,
                secret_store=args.secret_store,
                retained_storage_class=args.retained_storage_class,
                ingress_namespace=args.ingress_namespace,
                monitoring_namespace=args.monitoring_namespace,
            ),
            opts=pulumi.ResourceOptions(parent=self, providers={"kubernetes": self.provider}),
        )
        self.register_outputs({"clusterName": self.name, "oidcIssuer": self.oidc_issuer, "created": self.created})
