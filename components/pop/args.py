"""Typed inputs of `dbaas:pop:PopCluster`: how the cluster is obtained and what its baseline uses."""


from typing import Annotated, Literal, Union

import pulumi
from pydantic import BaseModel, ConfigDict, Field

_FROZEN = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

StrInput = Union[str, pulumi.Output]
"""A plain string or a Pulumi output of one (`pulumi.Input[str]` has forward references pydantic cannot resolve)."""


class NodeGroupSize(BaseModel):
    model_config = _FROZEN
    instance_type: str
    min_size: int = Field(ge=1)
    max_size: int = Field(ge=1)


class AdoptCluster(BaseModel):
    """A colocation cluster that exists already; Pulumi reaches it with the kubeconfig secret."""

    model_config = _FROZEN
    kind: Literal["adopt"] = "adopt"
    kubeconfig: StrInput
    oidc_issuer: str = Field(description="The cluster's service-account issuer, host/path without https://.")


class CreateCluster(BaseModel):
    """An EKS cluster created here, in a VPC spanning three availability zones."""

    model_config = _FROZEN
    kind: Literal["create"] = "create"
    vpc_cidr: str
    system_nodes: NodeGroupSize
    database_nodes: NodeGroupSize
    kafka_nodes: NodeGroupSize


class AcmeDns01Issuer(BaseModel):
    model_config = _FROZEN
    kind: Literal["acme-dns01"] = "acme-dns01"
    email: str
    server: str
    route53_zone_id: str


class InternalCaIssuer(BaseModel):
    model_config = _FROZEN
    kind: Literal["internal-ca"] = "internal-ca"
    secret_name: str
    """The CA key pair, synced into the cert-manager namespace from the regional secret store."""


class AwsSecretsManagerStore(BaseModel):
    model_config = _FROZEN
    kind: Literal["aws-secrets-manager"] = "aws-secrets-manager"


class VaultStore(BaseModel):
    model_config = _FROZEN
    kind: Literal["vault"] = "vault"
    server: str
    path: str
    role: str


class PopClusterArgs(BaseModel):
    """Regional facts plus the choices the stack config makes for this PoP."""

    model_config = _FROZEN
    region: str
    pop_name: str
    aws_region: str
    aws_account_id: str
    kubernetes_version: str
    cluster: Annotated[Union[AdoptCluster, CreateCluster], Field(discriminator="kind")]
    platform_key_arn: StrInput
    """Encrypts the cluster's secrets (create mode), node root volumes and every StorageClass."""
    issuer: Annotated[Union[AcmeDns01Issuer, InternalCaIssuer], Field(discriminator="kind")]
    secret_store: Annotated[Union[AwsSecretsManagerStore, VaultStore], Field(discriminator="kind")]
    retained_storage_class: str
    ingress_namespace: str
    monitoring_namespace: str
