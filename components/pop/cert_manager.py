"""cert-manager and the platform ClusterIssuer: ACME with DNS-01 in Route53, or an internal CA
whose key pair External Secrets syncs from the regional store (it is never in the stack)."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.pop.args import AcmeDns01Issuer, InternalCaIssuer
from components.helm import helm_release
from components.pop.charts import CERT_MANAGER
from components.pop.external_secrets import REGIONAL_STORE
from components.pop.iam_documents import secrets_prefix
from components.pop.namespaces import PLATFORM_LABELS
from components.pop.priority_classes import PLATFORM_CRITICAL
from components.irsa import IRSA_ROLE_ANNOTATION

PLATFORM_ISSUER = "dbaas-platform"
"""Engines, Kafka and ingresses ask this one ClusterIssuer for certificates, whatever backs it."""
ACME_ACCOUNT_SECRET = "dbaas-acme-account"
CA_REFRESH = "1h"


def issuer_spec(issuer: AcmeDns01Issuer | InternalCaIssuer, aws_region: str) -> dict:
    if isinstance(issuer, AcmeDns01Issuer):
        return {"acme": {
            "email": issuer.email,
            "server": issuer.server,
            "privateKeySecretRef": {"name": ACME_ACCOUNT_SECRET},
            # Credentials come from cert-manager's IRSA role (ambient), scoped to this one zone.
            "solvers": [{"dns01": {"route53": {"region": aws_region, "hostedZoneID": issuer.route53_zone_id}}}],
        }}
    return {"ca": {"secretName": issuer.secret_name}}


def ca_external_secret_spec(issuer: InternalCaIssuer, region: str) -> dict:
    remote = f"{secrets_prefix(region)}internal-ca"
    return {
        "refreshInterval": CA_REFRESH,
        "secretStoreRef": {"kind": "ClusterSecretStore", "name": REGIONAL_STORE},
        "target": {"name": issuer.secret_name, "creationPolicy": "Owner", "template": {"type": "kubernetes.io/tls"}},
        "data": [
            {"secretKey": "tls.crt", "remoteRef": {"key": remote, "property": "tls.crt"}},
            {"secretKey": "tls.key", "remoteRef": {"key": remote, "property": "tls.key"}},
        ],
    }


def cert_manager_values(role_arn: pulumi.Input[str] | None) -> dict:
    annotations = {IRSA_ROLE_ANNOTATION: role_arn} if role_arn is not None else {}
    return {
        "crds": {"enabled": True, "keep": True},
        "replicaCount": 2,
        "priorityClassName": PLATFORM_CRITICAL.name,
        "podDisruptionBudget": {"enabled": True, "minAvailable": 1},
        "serviceAccount": {"annotations": annotations},
        "webhook": {"replicaCount": 2},
        "prometheus": {"enabled": True},
    }


def install_cert_manager(
    namespace: str, issuer: AcmeDns01Issuer | InternalCaIssuer, region: str, aws_region: str,
    role_arn: pulumi.Input[str] | None, secret_store: pulumi.Resource, opts: pulumi.ResourceOptions,
) -> tuple[k8s.helm.v3.Release, k8s.apiextensions.CustomResource]:
    release = helm_release("pop-cert-manager", CERT_MANAGER.chart, CERT_MANAGER, namespace, cert_manager_values(role_arn), opts)
    issuer_deps: list[pulumi.Resource] = [release]
    if isinstance(issuer, InternalCaIssuer):
        # Schema: vendor/schemas/external-secrets.io/externalsecret_v1.json
        issuer_deps.append(k8s.apiextensions.CustomResource(
            "pop-internal-ca-secret",
            api_version="external-secrets.io/v1",
            kind="ExternalSecret",
            metadata={"name": issuer.secret_name, "namespace": namespace, "labels": PLATFORM_LABELS},
            spec=ca_external_secret_spec(issuer, region),
            opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[secret_store])),
        ))
    # Schema: vendor/schemas/cert-manager.io/clusterissuer_v1.json
    cluster_issuer = k8s.apiextensions.CustomResource(
        "pop-cluster-issuer",
        api_version="cert-manager.io/v1",
        kind="ClusterIssuer",
        metadata={"name": PLATFORM_ISSUER, "labels": PLATFORM_LABELS},
        spec=issuer_spec(issuer, aws_region),
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=issuer_deps)),
    )
    return release, cluster_issuer
