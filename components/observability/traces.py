"""Tempo through the Tempo operator: a TempoStack with multi-tenancy on, OTLP ingestion, the
issue's retention, and S3 reached with the IRSA role (token mode: no keys in the Secret)."""

from __future__ import annotations

TEMPO_SA = "tempo"
TEMPO_NAME = "tempo"
STORAGE_SECRET = "tempo-storage"


def storage_secret_data(bucket: str, aws_region: str, role_arn: str) -> dict[str, str]:
    """The operator's token credential mode for S3: bucket, region and the role to assume."""
    return {"bucket": bucket, "region": aws_region, "role_arn": role_arn}


def tempostack_spec(retention_days: int, storage_class: str | None = None) -> dict:
    spec = {
        "managementState": "Managed",
        "serviceAccount": TEMPO_SA,
        "storage": {"secret": {"name": STORAGE_SECRET, "type": "s3", "credentialMode": "token"}},
        "storageSize": "20Gi",
        "replicationFactor": 3,
        "retention": {"global": {"traces": f"{retention_days * 24}h"}},
        # Without the gateway, Tempo itself separates tenants by X-Scope-OrgID.
        "extraConfig": {"tempo": {"multitenancy_enabled": True}},
        "template": {
            "distributor": {"component": {"replicas": 2}},
            "queryFrontend": {"component": {"replicas": 2}},
        },
    }
    if storage_class:
        spec["storageClassName"] = storage_class
    return spec
