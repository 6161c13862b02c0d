"""Helm values of Loki: multi-tenant (`auth_enabled`), retention enforced by the compactor,
chunks and index in the regional loki bucket under the platform key."""

from __future__ import annotations

LOKI_SA = "loki"


def loki_values(bucket: str, aws_region: str, key_arn: str, retention_days: int) -> dict:
    return {
        "deploymentMode": "SimpleScalable",
        "serviceAccount": {"create": False, "name": LOKI_SA},
        "loki": {
            "auth_enabled": True,
            "schemaConfig": {"configs": [{"from": "2025-01-01", "store": "tsdb", "object_store": "s3",
                                          "schema": "v13", "index": {"prefix": "index_", "period": "24h"}}]},
            "storage": {
                "type": "s3",
                "bucketNames": {"chunks": bucket, "ruler": bucket, "admin": bucket},
                "s3": {"region": aws_region, "sse": {"type": "SSE-KMS", "kms_key_id": key_arn}},
            },
            "limits_config": {"retention_period": f"{retention_days * 24}h", "allow_structured_metadata": True},
            "compactor": {"retention_enabled": True, "delete_request_store": "s3", "working_directory": "/var/loki/compactor"},
        },
        "backend": {"replicas": 3}, "read": {"replicas": 3}, "write": {"replicas": 3},
        "minio": {"enabled": False},
    }
