"""Which resources hold data: deleting or replacing them loses it.

Shared by the deletion-safety rule (these must be protected) and by `dbaas diff`, which flags
a delete or replace of any of them as destructive.
"""

from __future__ import annotations

STATEFUL_TYPES: dict[str, str] = {
    "aws:s3/bucket:Bucket": "bucket",
    "aws:kms/key:Key": "key",
    "aws:ebs/volume:Volume": "volume",
    "kubernetes:core/v1:Namespace": "namespace",
    "kubernetes:core/v1:PersistentVolumeClaim": "volume",
    "kubernetes:core/v1:PersistentVolume": "volume",
}
"""Exact type tokens -> what a reviewer calls them."""

STATEFUL_KINDS: dict[str, str] = {
    # Engine instances: the operators' custom resources (kind part of the type token).
    "YBUniverse": "engine instance",
    "VitessCluster": "engine instance",
    "ScyllaCluster": "engine instance",
    "Dragonfly": "engine instance",
    "AerospikeCluster": "engine instance",
    "PerconaServerMongoDB": "engine instance",
    "Cluster.postgresql.cnpg.io": "engine instance",
    # Kafka: the cluster's brokers hold the log, topics hold the data.
    "Kafka": "Kafka cluster",
    "KafkaNodePool": "Kafka volume",
    "KafkaTopic": "Kafka topic",
}
"""Custom resource kinds -> what a reviewer calls them. `Kind.group` entries disambiguate
generic kind names such as CloudNativePG's `Cluster`."""


BACKUP_STORE = frozenset({"aws:s3/bucket:Bucket", "aws:kms/key:Key"})
"""A tenant's backup bucket and its key: retained on delete for every tenant, protected or not
(components.protection.backup_store), because the backups, the final one included, outlive it."""

RETAINED_AFTER_DECOMMISSION = frozenset({"aws:s3/bucket:Bucket", "aws:kms/key:Key",
                                         "kubernetes:kafka.strimzi.io/v1beta2:KafkaTopic"})
"""What outlives a decommission: the tenant's backups (its bucket, and the key that reads them) and
its Kafka topics (a decommissioned service's CDC topic) stay retained on delete
(components.protection.retained_after_decommission)."""


def stateful_label(type_token: str) -> str | None:
    """What the resource is, if it holds data; None otherwise."""
    if type_token in STATEFUL_TYPES:
        return STATEFUL_TYPES[type_token]
    if not type_token.startswith("kubernetes:"):
        return None
    group_version, _, kind = type_token.removeprefix("kubernetes:").rpartition(":")
    group = group_version.split("/", 1)[0]
    return STATEFUL_KINDS.get(f"{kind}.{group}") or STATEFUL_KINDS.get(kind)
