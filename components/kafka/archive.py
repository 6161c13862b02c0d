"""Audit archive: a per-tenant S3 sink that copies `dbaas.audit.<tenant>` into the tenant's own
backup bucket, encrypted (SSE-KMS) with the tenant's own key, so audit events outlive the
topic's 90-day retention.

The connector assumes the tenant's IAM role (external id = tenant id) from Connect's IRSA role;
it never holds a static AWS credential. Bytes are archived exactly as produced.
"""

from __future__ import annotations

ARCHIVE_PREFIX = "kafka-audit"
S3_SINK_CLASS = "io.confluent.connect.s3.S3SinkConnector"
BYTES = "org.apache.kafka.connect.converters.ByteArrayConverter"


def archive_connector_name(tenant_id: str) -> str:
    """Connect names the sink's consumer group `connect-<name>`, inside Connect's group ACL."""
    return f"audit-archive.{tenant_id}"


def audit_archive_config(
    tenant_id: str, topic: str, bucket: str, aws_region: str, key_arn: str, role_arn: str
) -> dict[str, object]:
    """S3 sink config; hourly partitions, a file every 10 minutes or 10,000 events."""
    return {
        "topics": topic,
        "s3.bucket.name": bucket,
        "s3.region": aws_region,
        "topics.dir": ARCHIVE_PREFIX,
        "s3.ssea.name": "aws:kms",
        "s3.sse.kms.key.id": key_arn,
        "s3.credentials.provider.class": "io.confluent.connect.s3.auth.AwsAssumeRoleCredentialsProvider",
        "sts.role.arn": role_arn,
        "sts.role.session.name": f"dbaas-audit-archive-{tenant_id}",
        "sts.role.external.id": tenant_id,
        "storage.class": "io.confluent.connect.s3.storage.S3Storage",
        "format.class": "io.confluent.connect.s3.format.bytearray.ByteArrayFormat",
        "key.converter": BYTES,
        "value.converter": BYTES,
        "partitioner.class": "io.confluent.connect.storage.partitioner.TimeBasedPartitioner",
        "path.format": "'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH",
        "partition.duration.ms": 3_600_000,
        "timestamp.extractor": "Record",
        "locale": "en-US",
        "timezone": "UTC",
        "flush.size": 10_000,
        "rotate.schedule.interval.ms": 600_000,
        "behavior.on.null.values": "ignore",
    }
