"""Serving certificates for engines whose operator expects the platform to provide one.

Each instance gets its own self-signed cert-manager Issuer and a certificate for its client
Service names; the secret carries `tls.crt`, `tls.key` and `ca.crt` (the same self-signed cert),
which clients use to verify the server.
"""

from __future__ import annotations

import pulumi
from pulumi_kubernetes.apiextensions import CustomResource

CERT_DURATION = "8760h"
CERT_RENEW_BEFORE = "720h"


def create_certificate(
    logical_prefix: str, instance: str, namespace: str, secret_name: str, dns_names: list[str],
    labels: dict[str, str], opts: pulumi.ResourceOptions,
) -> CustomResource:
    issuer = CustomResource(
        f"{logical_prefix}.tls-issuer",
        api_version="cert-manager.io/v1",
        kind="Issuer",
        metadata={"name": f"{instance}-selfsigned", "namespace": namespace, "labels": labels},
        spec={"selfSigned": {}},
        opts=opts,
    )
    return CustomResource(
        f"{logical_prefix}.tls-certificate",
        api_version="cert-manager.io/v1",
        kind="Certificate",
        metadata={"name": f"{instance}-tls", "namespace": namespace, "labels": labels},
        spec={
            "secretName": secret_name,
            "commonName": instance,
            "dnsNames": dns_names,
            "duration": CERT_DURATION,
            "renewBefore": CERT_RENEW_BEFORE,
            "privateKey": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
            "usages": ["server auth", "client auth"],
            "issuerRef": {"name": f"{instance}-selfsigned", "kind": "Issuer", "group": "cert-manager.io"},
        },
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[issuer])),
    )
