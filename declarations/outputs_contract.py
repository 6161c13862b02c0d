"""The tenant outputs contract as its consumers read it back (`dbaas record-apply`, the API).

`stacks/tenant/outputs.py` produces it; `pulumi stack output --json` prints it; this model is
what a recorded apply must contain for the API to tell a client how to connect. Fields may be
added, never renamed (README "Platform contract: tenant outputs").
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from declarations.engine_catalog import EngineName
from declarations.field_types import DnsName, KubernetesObjectName, S3BucketName
from declarations.tenant_model import ServiceName

TENANT_OUTPUTS_EXPORT = "tenant_outputs"
"""The region stack's export `{tenant_id: contract}`, until each tenant has a stack of its own."""


class ServiceConnection(BaseModel):
    """How a client reaches one service. Names of Secrets, never their contents."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    engine: EngineName
    host: DnsName = Field(description="In-cluster DNS name of the client endpoint: a name only, never `user:pw@host`.")
    port: int = Field(ge=1, le=65535)
    tls_required: bool = Field(description="The server refuses clients that do not use TLS.")
    ca_secret: KubernetesObjectName = Field(description="Secret in the tenant namespace whose `ca.crt` verifies the server.")
    credentials_secret: KubernetesObjectName = Field(
        description="Secret in the tenant namespace with the keys `username` and `password`.")


class TenantOutputs(BaseModel):
    """What a tenant stack exports: its services' endpoints, its backup bucket and its key."""

    model_config = ConfigDict(frozen=True, extra="allow")

    services: dict[ServiceName, ServiceConnection]
    """A recorded apply keeps only these three fields (tools/controlplane/recorded_outputs.py)."""
    bucket: S3BucketName
    kms_key_arn: str = Field(pattern=r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[0-9a-f-]+$")


def tenant_contract(outputs: dict[str, Any], tenant_id: str) -> dict[str, Any] | None:
    """The contract inside a stack's outputs: the top level of a tenant stack, or the tenant's
    entry in the region stack's `tenant_outputs` export; None when neither is there."""
    if "services" in outputs:
        return outputs
    nested = outputs.get(TENANT_OUTPUTS_EXPORT)
    if isinstance(nested, dict) and isinstance(nested.get(tenant_id), dict):
        return nested[tenant_id]
    return None
