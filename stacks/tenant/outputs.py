"""What a tenant stack exports for its clients: the tenant outputs contract.

One pure function of what `build_tenant` returns, so the region stack (today) and the tenant
stack (after the split) export exactly the same shape. The shape is a versioned contract with
`dbaas record-apply` and the provisioning API, which read it back from `pulumi stack output
--json` (README "Platform contract: tenant outputs"); keys may be added, never renamed.

Nothing here is a secret: a client learns *where* the credentials and the CA are (Secret
names in the tenant namespace), never a password. Every value is a plain string, integer or
boolean, or an Output of non-secret resource properties (bucket name, key ARN).
"""

from __future__ import annotations

from typing import Any

import pulumi

from declarations.engine_catalog import engine_spec
from stacks.tenant.build import TenantStack

CA_KEY = "ca.crt"
"""The key of `ca_secret` that holds the CA certificate (components/engines/connection.py)."""


def tenant_outputs(stack: TenantStack) -> dict[str, pulumi.Input[Any]]:
    """`{"services": {name: {engine, host, port, tls_required, ca_secret, credentials_secret}},
    "bucket": ..., "kms_key_arn": ...}` for one tenant."""
    services = {}
    for name, instance in sorted(stack.instances.items()):
        info = instance.connection
        services[name] = {
            "engine": info.engine.value,
            "host": info.host,
            "port": info.port,
            "tls_required": engine_spec(info.engine).tls,
            "ca_secret": info.tls_ca_secret,
            "credentials_secret": info.credentials_secret,
        }
    return {
        "services": services,
        "bucket": stack.environment.bucket.bucket,
        "kms_key_arn": stack.environment.key.arn,
    }
