"""Typed inputs of the PoP area (`dbaas:pop:PopCluster` and its `PlatformBaseline`): how the
cluster is obtained and what its baseline uses. The platform stack fills them from its config."""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

from components.input_types import StrInput
from declarations.field_types import AwsAccountId, Ec2InstanceType, KubernetesMinorVersion, StorageClassName

_FROZEN = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)


class NodeGroupSize(BaseModel):
    model_config = _FROZEN
    instance_type: Ec2InstanceType = Field(description="EC2 instance type of the group's nodes.")
    min_size: int = Field(ge=1, description="Fewest nodes the group scales to.")
    max_size: int = Field(ge=1, description="Most nodes the group scales to.")


class AdoptCluster(BaseModel):
    """A colocation cluster that exists already; Pulumi reaches it with the kubeconfig secret."""

    model_config = _FROZEN
    kind: Literal["adopt"] = Field(default="adopt", description="Discriminator: adopt an existing cluster.")
    kubeconfig: StrInput = Field(description="The cluster's kubeconfig, a Pulumi secret.")
    oidc_issuer: str = Field(description="The cluster's service-account issuer, host/path without https://.")


class CreateCluster(BaseModel):
    """An EKS cluster created here, in a VPC spanning three availability zones."""

    model_config = _FROZEN
    kind: Literal["create"] = Field(default="create", description="Discriminator: create an EKS cluster.")
    vpc_cidr: str = Field(description="The PoP VPC, /16 to /20.")
    system_nodes: NodeGroupSize = Field(description="Nodes for platform controllers.")
    database_nodes: NodeGroupSize = Field(description="Nodes for database instances (local NVMe).")
    kafka_nodes: NodeGroupSize = Field(description="Nodes for Kafka brokers and controllers.")


class AcmeDns01Issuer(BaseModel):
    model_config = _FROZEN
    kind: Literal["acme-dns01"] = Field(default="acme-dns01", description="Discriminator: ACME with DNS-01.")
    email: str = Field(description="ACME account e-mail.")
    server: str = Field(description="ACME directory URL.")
    route53_zone_id: str = Field(description="Route 53 hosted zone cert-manager answers DNS-01 challenges in.")


class InternalCaIssuer(BaseModel):
    model_config = _FROZEN
    kind: Literal["internal-ca"] = Field(default="internal-ca", description="Discriminator: the internal CA.")
    secret_name: str = Field(
        description="The CA key pair, synced into the cert-manager namespace from the regional secret store.")


class AwsSecretsManagerStore(BaseModel):
    model_config = _FROZEN
    kind: Literal["aws-secrets-manager"] = Field(
        default="aws-secrets-manager", description="Discriminator: AWS Secrets Manager in the stack's region.")


class VaultStore(BaseModel):
    model_config = _FROZEN
    kind: Literal["vault"] = Field(default="vault", description="Discriminator: HashiCorp Vault.")
    server: str = Field(description="Vault address (https).")
    path: str = Field(description="KV mount path.")
    role: str = Field(description="Kubernetes auth role External Secrets logs in with.")


Issuer = Annotated[Union[AcmeDns01Issuer, InternalCaIssuer], Field(discriminator="kind")]
SecretStore = Annotated[Union[AwsSecretsManagerStore, VaultStore], Field(discriminator="kind")]


class PopClusterArgs(BaseModel):
    """Regional facts plus the choices the stack config makes for this PoP."""

    model_config = _FROZEN
    region: str = Field(description="Platform region: tags.")
    pop_name: str = Field(description="The point of presence: names the cluster and its provider.")
    aws_region: str = Field(description="Where the cluster (create mode) and its IAM pieces live.")
    aws_account_id: AwsAccountId = Field(description="Account of the cluster's AWS resources.")
    kubernetes_version: KubernetesMinorVersion = Field(description="Cluster version; pins Pod Security too.")
    cluster: Annotated[Union[AdoptCluster, CreateCluster], Field(discriminator="kind")] = Field(
        description="How the cluster is obtained: adopted or created on EKS.")
    platform_key_arn: StrInput = Field(
        description="Encrypts the cluster's secrets (create mode), node root volumes and every StorageClass.")
    issuer: Issuer = Field(description="The platform certificate issuer cert-manager runs.")
    secret_store: SecretStore = Field(description="Where External Secrets reads platform secrets from.")
    retained_storage_class: StorageClassName = Field(description="Name of the retained, encrypted StorageClass.")
    ingress_namespace: str = Field(description="Namespace of the ingress controller.")
    monitoring_namespace: str = Field(description="Scrapes the platform namespaces.")


class PlatformBaselineArgs(BaseModel):
    model_config = _FROZEN
    cluster_name: str = Field(description="Names the controllers' IAM roles.")
    region: str = Field(description="Platform region: tags and the secret-store prefix.")
    aws_region: str = Field(description="Region of the secret store, Route 53 and EBS.")
    aws_account_id: AwsAccountId = Field(description="Account of the controllers' IAM roles.")
    kubernetes_version: KubernetesMinorVersion = Field(description="Pins the namespaces' Pod Security version.")
    created_cluster: bool = Field(
        description="True on EKS (VPC CNI policy agent, EBS volumes, NLB); False on adopted colocation clusters.")
    platform_key_arn: StrInput = Field(description="Encrypts every StorageClass's volumes.")
    oidc_issuer: StrInput = Field(description="Service-account issuer host/path; IRSA roles trust it.")
    issuer: Issuer = Field(description="The platform certificate issuer cert-manager runs.")
    secret_store: SecretStore = Field(description="Where External Secrets reads platform secrets from.")
    retained_storage_class: StorageClassName = Field(description="Name of the retained, encrypted StorageClass.")
    ingress_namespace: str = Field(description="Namespace of the ingress controller.")
    monitoring_namespace: str = Field(description="Scrapes the platform namespaces.")
