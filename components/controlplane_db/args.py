"""Typed inputs of the control-plane database area; the platform stack fills them from its config."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from components.controlplane_db.network_policies import CNPG_OPERATOR_NAMESPACE
from components.input_types import StrInput
from declarations.field_types import AwsAccountId, KubernetesMinorVersion, StorageClassName, VolumeSize

POSTGRES_IMAGE = ("ghcr.io/cloudnative-pg/postgresql:17.11-202608170816-system-bookworm"
                  "@sha256:d24d5a390d90b20a43ef7036981f5e6c6f78bbd3198a1e2cd99443fbbd14a9b8")
"""PostgreSQL 17 (the issue requires 16 or newer), the `system` flavour: it is the only one that carries the
barman-cloud binaries that CloudNativePG's in-tree `barmanObjectStore` runs inside the instance pod
(cloudnative-pg/postgres-containers, README.md "System Images": "built on top of the `standard` ones, also include
the Barman Cloud binaries"; `standard` and `minimal` do not). Tag and digest from that repository's
Debian/ClusterImageCatalog-bookworm.yaml (commit a949ae58, catalog date 20260817, `major: 17`); the `system`
target of its Dockerfile installs `barman[cloud,azure,snappy,google,zstandard,lz4]==${BARMAN_VERSION}`, and
docker-bake.hcl had `barmanVersion = "3.19.1"` from 2026-05-28 (fe9c5dd9) to this build, the version
constraints.txt pins for `dbaas drill controlplane-pitr`. No `17.5-system-bookworm` was ever built: the bake
`system` target starts at 17.6 (fdc80107, 2025-09-08). Deprecated upstream together with in-tree barman, which
CloudNativePG removes in 1.31.0 (docs/src/release_notes/v1.29.md, 1.29.2): moving past 1.30 means the Barman Cloud
plugin and a `standard` image (components/controlplane_db/README.md, Backups). `tag@digest` is accepted: the webhook
strips the digest and reads the PostgreSQL version from the tag (cloudnative-pg v1.29.2
internal/webhook/v1/cluster_webhook.go:770-795; machinery v0.5.0 pkg/image/reference/imagename.go:54-80,
pkg/postgres/version/version.go:79)."""
DEFAULT_CLUSTER_NAME = "controlplane-pg"


class CloudNativePGOperatorArgs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kubernetes_version: KubernetesMinorVersion = Field(description="Pins the operator namespace's Pod Security version.")
    instance_namespace: str = Field(description="Where the Clusters run; the operator reaches their instance managers.")
    monitoring_namespace: str = Field(default="monitoring", description="Scrapes the operator's metrics.")
    namespace: str = Field(default=CNPG_OPERATOR_NAMESPACE, description="Where the operator is installed.")


class ControlPlaneDatabaseArgs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    region: str = Field(description="Platform region: names the backup bucket, role and tags.")
    aws_account_id: AwsAccountId = Field(description="Account of the backup bucket and IRSA role.")
    oidc_issuer: StrInput = Field(description="Service-account issuer host/path; the backup role trusts it.")
    kubernetes_version: KubernetesMinorVersion = Field(description="Pins the namespaces' Pod Security version.")
    platform_key_arn: StrInput = Field(description="ARN of the region's platform KMS key; encrypts the backups.")
    storage_class: StorageClassName = Field(description="StorageClass of the instances' volumes.")
    storage_size: VolumeSize = Field(description="Volume size of each instance.")
    backup_retention_days: int = Field(ge=1, le=3650, description="CloudNativePG's recovery window.")
    tools_image: str = Field(min_length=1, description="Image with the `dbaas` CLI (this repository).")
    namespace: str = Field(default="dbaas-controlplane", description="Namespace of the cluster, poolers and Job.")
    cluster_name: str = Field(default=DEFAULT_CLUSTER_NAME, pattern=r"^[a-z]([-a-z0-9]*[a-z0-9])?$", max_length=40,
                              description="Name of the CloudNativePG Cluster. A recovery creates a NEW cluster: "
                                          "CloudNativePG reads bootstrap only then.")
    recover_from: str | None = Field(
        default=None, pattern=r"^[a-z]([-a-z0-9]*[a-z0-9])?$", max_length=40,
        description="Create the cluster from this (earlier) cluster's backups in the same bucket.")
    recovery_target_time: str | None = Field(
        default=None, description="RFC 3339: replay WAL up to this time (point in time); only with recover_from.")
    instances: int = Field(default=3, ge=3, description="PostgreSQL instances: a primary and synchronous standbys.")
    postgres_image: str = Field(default=POSTGRES_IMAGE, description="PostgreSQL operand image, pinned.")
    monitoring_namespace: str = Field(default="monitoring", description="Scrapes the instances and poolers.")
    cnpg_operator_namespace: str = Field(default=CNPG_OPERATOR_NAMESPACE,
                                         description="Where this component installs the CloudNativePG operator.")
    client_namespaces: tuple[str, ...] = Field(
        default=(), description="Namespaces whose pods connect to PostgreSQL; none is deployed by this stack yet.")

    @model_validator(mode="after")
    def _recovery_into_a_new_cluster(self) -> "ControlPlaneDatabaseArgs":
        """The stack config says the same, located (declarations/stack_config.py); this guards other callers."""
        if self.recover_from is not None and self.recover_from == self.cluster_name:
            raise ValueError(f"recover_from: cluster {self.cluster_name!r} cannot be created from its own backups")
        if self.recovery_target_time is not None and self.recover_from is None:
            raise ValueError("recovery_target_time: needs recover_from")
        return self
