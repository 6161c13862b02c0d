"""External Secrets with one ClusterSecretStore for the region: AWS Secrets Manager (IRSA) or Vault
(Kubernetes auth). Platform secrets of a region live under `dbaas/<region>/` in either store."""

from __future__ import annotations

from urllib.parse import urlparse

import pulumi
import pulumi_kubernetes as k8s

from components.pop.args import AwsSecretsManagerStore, VaultStore
from components.helm import helm_release
from components.pop.charts import EXTERNAL_SECRETS
from components.pop.namespaces import PLATFORM_LABELS
from components.pop.priority_classes import PLATFORM_CRITICAL
from components.irsa import IRSA_ROLE_ANNOTATION

REGIONAL_STORE = "dbaas-regional"
"""Name of the ClusterSecretStore every platform ExternalSecret refers to."""
CONTROLLER_SERVICE_ACCOUNT = "external-secrets"


def store_port(store: AwsSecretsManagerStore | VaultStore) -> int:
    """The TCP port the controller must reach, for its egress NetworkPolicy."""
    if isinstance(store, VaultStore):
        parsed = urlparse(store.server)
        return parsed.port or 443
    return 443


def store_provider(store: AwsSecretsManagerStore | VaultStore, namespace: str, aws_region: str) -> dict:
    account = {"name": CONTROLLER_SERVICE_ACCOUNT, "namespace": namespace}
    if isinstance(store, VaultStore):
        return {"vault": {"server": store.server, "path": store.path, "version": "v2",
                          "auth": {"kubernetes": {"mountPath": "kubernetes", "role": store.role, "serviceAccountRef": account}}}}
    return {"aws": {"service": "SecretsManager", "region": aws_region, "auth": {"jwt": {"serviceAccountRef": account}}}}


def external_secrets_values(role_arn: pulumi.Input[str] | None) -> dict:
    annotations = {IRSA_ROLE_ANNOTATION: role_arn} if role_arn is not None else {}
    return {
        "installCRDs": True,
        "replicaCount": 2,
        "priorityClassName": PLATFORM_CRITICAL.name,
        "serviceAccount": {"create": True, "name": CONTROLLER_SERVICE_ACCOUNT, "annotations": annotations},
        "webhook": {"replicaCount": 2, "priorityClassName": PLATFORM_CRITICAL.name},
        "certController": {"priorityClassName": PLATFORM_CRITICAL.name},
        "serviceMonitor": {"enabled": False},
    }


def install_external_secrets(
    namespace: str, store: AwsSecretsManagerStore | VaultStore, aws_region: str,
    role_arn: pulumi.Input[str] | None, opts: pulumi.ResourceOptions,
) -> tuple[k8s.helm.v3.Release, k8s.apiextensions.CustomResource]:
    release = helm_release("pop-external-secrets", EXTERNAL_SECRETS.chart, EXTERNAL_SECRETS, namespace, external_secrets_values(role_arn), opts)
    # Schema: vendor/schemas/external-secrets.io/clustersecretstore_v1.json
    cluster_store = k8s.apiextensions.CustomResource(
        "pop-secret-store",
        api_version="external-secrets.io/v1",
        kind="ClusterSecretStore",
        metadata={"name": REGIONAL_STORE, "labels": PLATFORM_LABELS},
        spec={"provider": store_provider(store, namespace, aws_region)},
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[release])),
    )
    return release, cluster_store
