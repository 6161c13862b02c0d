"""A tenant's key in the control-plane database, derived from its id (the tenant file's `id`).

Tenant ids are unique across all regions and never change, so the key can be computed by anyone
who holds a stack name (`lagos.acme`) or a tenant file, and a transaction can be scoped to the
tenant without first reading a row that RLS would hide. The SQL function `dbaas.tenant_key`
(migration 0004) computes the same value, and `dbaas.register_tenant` inserts only under it.
"""

from __future__ import annotations

import hashlib
import uuid

_DOMAIN = b"dbaas-tenant:"


def tenant_key(tenant_id: str) -> uuid.UUID:
    """UUIDv8 (RFC 9562) from the first 16 bytes of SHA-256('dbaas-tenant:' + id)."""
    digest = bytearray(hashlib.sha256(_DOMAIN + tenant_id.encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x80  # version 8
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 9562 variant
    return uuid.UUID(bytes=bytes(digest))
