"""`dbaas:pop:PlatformBaseline`: what every PoP cluster runs before any tenant lands on it.

Priority classes, platform namespaces with default-deny policies, NetworkPolicy enforcement,
External Secrets with the regional store, cert-manager with the platform issuer, on adopted
clusters the pod identity webhook that gives IRSA ServiceAccounts their credentials (EKS runs its
own), ingress-nginx with TLS 1.3 and the WAF, and KMS-encrypted storage classes. Kubernetes children use the PoP's
provider (given through `providers`), AWS children (IRSA roles) the stack's AWS provider.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.aws_policies import dumps
from components.irsa import create_irsa_role
from components.pop.args import AcmeDns01Issuer, AwsSecretsManagerStore, PlatformBaselineArgs
from components.pop.cert_manager import install_cert_manager
from components.pop.cni import (
    CALICO_OPERATOR_NAMESPACE, CALICO_SYSTEM_NAMESPACE, ENFORCER_CALICO, ENFORCER_VPC_CNI, install_calico,
)
from components.pop.external_secrets import CONTROLLER_SERVICE_ACCOUNT, install_external_secrets, store_port
from components.pop.iam_documents import route53_dns01_policy, secrets_manager_read_policy
from components.pop.ingress import install_ingress
from components.pop.namespaces import (
    calico_operator_namespace,
    cert_manager_namespace,
    create_platform_namespace,
    create_platform_namespace_and_policies,
    external_secrets_namespace,
    ingress_namespace,
    pod_identity_webhook_namespace,
)
from components.pop.pod_identity_webhook import WEBHOOK_PORT, install_pod_identity_webhook
from components.pop.priority_classes import create_priority_classes
from components.pop.storage_classes import create_storage_classes

CERT_MANAGER_NAMESPACE = "cert-manager"
CERT_MANAGER_SERVICE_ACCOUNT = "cert-manager"
EXTERNAL_SECRETS_NAMESPACE = "external-secrets"
POD_IDENTITY_WEBHOOK_NAMESPACE = "pod-identity-webhook"
KUBE_SYSTEM = "kube-system"


class PlatformBaseline(pulumi.ComponentResource):
    cluster_issuer: k8s.apiextensions.CustomResource
    secret_store: k8s.apiextensions.CustomResource
    storage_classes: list[k8s.storage.v1.StorageClass]
    network_policy_enforcer: str
    cert_manager_role: aws.iam.Role | None
    external_secrets_role: aws.iam.Role | None
    pod_identity_webhook: list[pulumi.CustomResource]
    """The webhook's objects, its configuration last (adopt mode; empty on EKS, whose control plane runs it).
    Whatever creates pods or names an IRSA role after it waits for it: stacks/ordering.py."""

    def __init__(self, name: str, args: PlatformBaselineArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("dbaas:pop:PlatformBaseline", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        priorities = create_priority_classes(child)

        namespaces = [
            cert_manager_namespace(CERT_MANAGER_NAMESPACE),
            ingress_namespace(args.ingress_namespace),
            external_secrets_namespace(EXTERNAL_SECRETS_NAMESPACE, store_port(args.secret_store)),
        ]
        if not args.created_cluster:
            namespaces.append(calico_operator_namespace(CALICO_OPERATOR_NAMESPACE))
        created = {
            ns.name: create_platform_namespace(ns, args.monitoring_namespace, args.kubernetes_version, child)
            for ns in namespaces
        }
        webhook_network: list[pulumi.Resource] = []
        if not args.created_cluster:
            # The webhook must not be configured before the API server can reach it (failurePolicy Fail).
            webhook_ns, webhook_policies = create_platform_namespace_and_policies(
                pod_identity_webhook_namespace(POD_IDENTITY_WEBHOOK_NAMESPACE, WEBHOOK_PORT),
                args.monitoring_namespace, args.kubernetes_version, child)
            created[POD_IDENTITY_WEBHOOK_NAMESPACE] = webhook_ns
            webhook_network.extend(webhook_policies)

        def after(*names: str) -> pulumi.ResourceOptions:
            return pulumi.ResourceOptions(parent=self, depends_on=[*priorities, *(created[n] for n in names)])

        pod_network: list[pulumi.Resource] = []
        if args.created_cluster:
            self.network_policy_enforcer = ENFORCER_VPC_CNI
        else:
            pod_network.append(install_calico(after(CALICO_OPERATOR_NAMESPACE)))
            self.network_policy_enforcer = ENFORCER_CALICO

        self.external_secrets_role = None
        if isinstance(args.secret_store, AwsSecretsManagerStore):
            self.external_secrets_role = self._irsa_role(
                "external-secrets", EXTERNAL_SECRETS_NAMESPACE, CONTROLLER_SERVICE_ACCOUNT, args,
                pulumi.Output.from_input(args.platform_key_arn).apply(
                    lambda arn: dumps(secrets_manager_read_policy(args.aws_account_id, args.aws_region, args.region, arn))),
            )
        _, self.secret_store = install_external_secrets(
            EXTERNAL_SECRETS_NAMESPACE, args.secret_store, args.aws_region,
            self.external_secrets_role.arn if self.external_secrets_role else None, after(EXTERNAL_SECRETS_NAMESPACE),
        )

        self.cert_manager_role = None
        if isinstance(args.issuer, AcmeDns01Issuer):
            self.cert_manager_role = self._irsa_role(
                "cert-manager", CERT_MANAGER_NAMESPACE, CERT_MANAGER_SERVICE_ACCOUNT, args,
                dumps(route53_dns01_policy(args.issuer.route53_zone_id)),
            )
        cert_manager, self.cluster_issuer = install_cert_manager(
            CERT_MANAGER_NAMESPACE, args.issuer, args.region, args.aws_region,
            self.cert_manager_role.arn if self.cert_manager_role else None, self.secret_store, after(CERT_MANAGER_NAMESPACE),
        )

        self.pod_identity_webhook = []
        if not args.created_cluster:
            # Its serving certificate comes from cert-manager (upstream's deploy does the same).
            self.pod_identity_webhook = install_pod_identity_webhook(
                POD_IDENTITY_WEBHOOK_NAMESPACE, args.aws_region, (KUBE_SYSTEM, CALICO_OPERATOR_NAMESPACE, CALICO_SYSTEM_NAMESPACE),
                pulumi.ResourceOptions.merge(after(POD_IDENTITY_WEBHOOK_NAMESPACE),
                                             pulumi.ResourceOptions(depends_on=[cert_manager, *pod_network, *webhook_network])),
            )

        install_ingress(args.ingress_namespace, args.created_cluster, after(args.ingress_namespace))
        self.storage_classes = create_storage_classes(
            args.created_cluster, args.retained_storage_class, args.platform_key_arn, args.aws_region, child
        )
        self.register_outputs({"networkPolicyEnforcer": self.network_policy_enforcer,
                               "podIdentityWebhook": bool(self.pod_identity_webhook)})

    def _irsa_role(
        self, workload: str, namespace: str, service_account: str, args: PlatformBaselineArgs, policy: pulumi.Input[str]
    ) -> aws.iam.Role:
        """A platform controller's IRSA role with one inline policy."""
        child = pulumi.ResourceOptions(parent=self)
        role = create_irsa_role(
            f"pop-{workload}-role",
            role_name=f"{args.cluster_name}-{workload}",
            description=f"{workload} on PoP cluster {args.cluster_name}",
            account_id=args.aws_account_id,
            oidc_issuer=args.oidc_issuer,
            namespace=namespace,
            service_account=service_account,
            tags={"dbaas:region": args.region, "dbaas:purpose": workload, "managed-by": "pulumi"},
            opts=child,
        )
        aws.iam.RolePolicy(f"pop-{workload}-role-policy", name=workload, role=role.name, policy=policy, opts=child)
        return role
