"""Derived, deterministic, length-safe physical names.

Every name is a pure function of the tenant id (unique across all regions) and stable facts,
so two tenants can never derive the same name and a rename never happens by accident.
"""

from __future__ import annotations

import hashlib
import re

LOGICAL_NAME_SEPARATOR = "."
"""Pulumi logical names of a tenant's resources join tenant id, service name and role with a dot:
`acme.orders.credentials`, `acme.namespace`. Ids and service names are DNS labels, which never
contain a dot, so distinct (tenant, service, role) can never join to the same name, and the
engine never sees a duplicate URN (with '-', tenant `kudi` + service `pay-wallets` and tenant
`kudi-pay` + service `wallets` did). Physical names keep DNS-safe forms, below."""

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def _short_hash(*parts: str, length: int = 8) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:length]


def dns_label(*parts: str) -> str:
    """Join parts with '-' into a DNS-1123 label of at most 63 characters.

    Too-long results keep a readable prefix and end in a hash of the full name, so distinct
    inputs stay distinct.
    """
    name = "-".join(p for p in parts if p)
    if len(name) > 63:
        name = f"{name[:54].rstrip('-')}-{_short_hash(name)}"
    if not _DNS_LABEL.match(name):
        raise ValueError(f"{name!r} is not a DNS-1123 label")
    return name


def tenant_namespace(tenant_id: str) -> str:
    """`t-<id>`: at most 42 characters, and the `t-` prefix keeps tenants apart from platform namespaces."""
    return dns_label("t", tenant_id)


TENANT_BUCKET_PREFIX = "dbaas-"
"""Every tenant bucket name starts with it (backup_bucket); so do platform buckets (`dbaas-p-`, platform_bucket)."""


def backup_bucket(tenant_id: str, aws_account_id: str) -> str:
    """`dbaas-<id>-<hash8>`, at most 55 characters.

    The id part makes names unique between tenants (ids are unique and the 8-character suffix
    has a fixed length, so the id is recoverable); the hash of account and id makes the name
    unique in S3's global namespace without depending on luck.
    """
    return f"{TENANT_BUCKET_PREFIX}{tenant_id}-{_short_hash(aws_account_id, tenant_id)}"


def kms_alias(tenant_id: str) -> str:
    return f"alias/dbaas/tenant/{tenant_id}"


def tenant_role(tenant_id: str) -> str:
    """IAM role names are at most 64 characters; ids are at most 40."""
    return f"dbaas-tenant-{tenant_id}"


TENANT_WORKLOAD_SA = "tenant-workload"
"""The ServiceAccount that tenant database pods and backup jobs run as (IRSA-bound)."""


def service_instance(service_name: str, engine: str) -> str:
    """Name of a tenant service's database instance (the operator's CR) in the tenant namespace.

    Engines, Kafka CDC connectors and monitors all derive the instance name from here. Service
    names are at most 24 characters, so there is room for operator suffixes.
    """
    return dns_label(service_name, engine)


def platform_bucket(region: str, purpose: str, aws_account_id: str) -> str:
    """`dbaas-p-<region>-<purpose>-<hash8>`: the `p-` cannot collide with a tenant id bucket,
    because tenant buckets are `dbaas-<id>-<hash8>` and the hash differs by construction."""
    name = f"dbaas-p-{region}-{purpose}"[:54].rstrip("-")
    return f"{name}-{_short_hash('platform', aws_account_id, region, purpose)}"


def platform_key_alias(region: str) -> str:
    return f"alias/dbaas/platform/{region}"


def platform_role(region: str, workload: str) -> str:
    """`dbaas-p-<region>-<workload>`: IAM role of a platform workload (IRSA). The `p-` keeps it apart
    from `dbaas-tenant-<id>`; IAM allows at most 64 characters."""
    name = f"dbaas-p-{region}-{workload}"
    if len(name) > 64:
        raise ValueError(f"platform role name {name!r} is longer than IAM's 64 characters")
    return name


# Kafka (components/kafka). Tenant ids and service names are DNS labels, so they never contain
# a dot: a dot-separated name therefore identifies its tenant segment exactly.

KAFKA_TENANT_TOPIC_KINDS = ("audit", "metrics", "alerts")
"""Per-tenant event topics, `dbaas.<kind>.<tenant>`."""


def kafka_tenant_topic(kind: str, tenant_id: str) -> str:
    """`dbaas.audit.<tenant>`, `dbaas.metrics.<tenant>` or `dbaas.alerts.<tenant>`."""
    if kind not in KAFKA_TENANT_TOPIC_KINDS:
        raise ValueError(f"unknown tenant topic kind {kind!r}; expected one of {', '.join(KAFKA_TENANT_TOPIC_KINDS)}")
    return f"dbaas.{kind}.{tenant_id}"


def kafka_cdc_topic(engine: str, tenant_id: str, service_name: str) -> str:
    """`dbaas.cdc.<engine>.<tenant>.<service>`: one topic per CDC-enabled service."""
    return f"dbaas.cdc.{engine}.{tenant_id}.{service_name}"


def kafka_group_prefix(tenant_id: str) -> str:
    """Consumer groups of a tenant start with `dbaas.tenant.<tenant>.`; the trailing dot keeps
    `acme` from matching `acme2` or `acme-x`."""
    return f"dbaas.tenant.{tenant_id}."


def kafka_tenant_user(tenant_id: str) -> str:
    """The tenant's KafkaUser (and TLS principal `CN=tenant-<id>`)."""
    return dns_label("tenant", tenant_id)


def split_stack_name(stack: str) -> tuple[str, str | None]:
    """The region and tenant a stack name means: `lagos.acme` -> ("lagos", "acme"), the platform stack
    `lagos` -> ("lagos", None). No validation (stacks/stack_names.py validates tenant stack names)."""
    region, dot, tenant_id = stack.partition(".")
    return region, (tenant_id if dot else None)
