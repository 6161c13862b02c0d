"""NetworkPolicy enforcement: every tenant and platform policy is worthless without it.

- Created EKS clusters: the VPC CNI add-on with its network-policy agent (`enableNetworkPolicy`,
  set in eks.py); no second CNI.
- Adopted colocation clusters: Calico, managed by the Tigera operator. The chart renders the
  operator's `Installation` (operator.tigera.io/v1), whose CRD is not vendored (vendor/); this module emits no Calico custom resource of its own.
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.helm import helm_release
from components.pop.charts import TIGERA_OPERATOR

CALICO_OPERATOR_NAMESPACE = "tigera-operator"
CALICO_SYSTEM_NAMESPACE = "calico-system"
"""Where the Tigera operator runs Calico itself (calico-node, typha, kube-controllers)."""
ENFORCER_CALICO = "calico"
ENFORCER_VPC_CNI = "aws-vpc-cni-network-policy-agent"

CALICO_VALUES = {
    "installation": {"enabled": True, "cni": {"type": "Calico"}, "calicoNetwork": {"bgp": "Enabled"}},
    "apiServer": {"enabled": False},
}


def install_calico(opts: pulumi.ResourceOptions) -> k8s.helm.v3.Release:
    return helm_release("pop-calico", TIGERA_OPERATOR.chart, TIGERA_OPERATOR, CALICO_OPERATOR_NAMESPACE, CALICO_VALUES, opts)
