"""Helm charts of the platform baseline, each pinned by repository and exact version.

Upgrading a chart is a one-line, reviewed change here; nothing floats to "latest".
"""

from __future__ import annotations

from components.helm import PinnedChart


CERT_MANAGER = PinnedChart("cert-manager", "v1.18.2", "https://charts.jetstack.io", crd_groups=("cert-manager.io", "acme.cert-manager.io"))
INGRESS_NGINX = PinnedChart("ingress-nginx", "4.13.0", "https://kubernetes.github.io/ingress-nginx")
EXTERNAL_SECRETS = PinnedChart("external-secrets", "0.19.2", "https://charts.external-secrets.io",
                               crd_groups=("external-secrets.io", "generators.external-secrets.io"))
TIGERA_OPERATOR = PinnedChart("tigera-operator", "v3.30.2", "https://docs.tigera.io/calico/charts",
                              crd_groups=("operator.tigera.io", "crd.projectcalico.org"))
