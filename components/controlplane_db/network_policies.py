"""NetworkPolicies of the control-plane namespace: the shared platform set (default deny, same
namespace, DNS, HTTPS to the API server for the instance manager and to S3/STS for WAL and base
backups) plus:

- the CloudNativePG operator reaching each instance manager's status endpoint;
- PostgreSQL (the poolers and the instances both listen on 5432) from the namespaces that run its clients;
- metrics to the monitoring namespace (instances and PgBouncer poolers).

The migration Job runs in this namespace, so it is covered by the same-namespace policy.

`operator_policy_specs` fences the CloudNativePG operator's own namespace (operator.py installs it):
the same platform set, its admission webhook from the API server, its metrics to monitoring, and
egress to the instance managers' status port in the control-plane namespace (the other end of
`allow-cnpg-operator` above).
"""

from __future__ import annotations

from components.controlplane_db.manifests import POSTGRES_PORT
from components.namespace_baseline import allow_egress, allow_ingress, namespace_peer, platform_namespace_policies

INSTANCE_STATUS_PORT = 8000
"""CloudNativePG's instance manager: the operator polls `/pg/status` on every instance here."""
INSTANCE_METRICS_PORT = 9187
POOLER_METRICS_PORT = 9127
METRICS_PORTS = (INSTANCE_METRICS_PORT, POOLER_METRICS_PORT)
CNPG_OPERATOR_NAMESPACE = "cnpg-system"
"""Where the operator runs: the namespace CloudNativePG's own manifests use, and where operator.py installs it."""
OPERATOR_WEBHOOK_PORT = 9443
"""The chart's `webhook.port` default: the manager's `webhook-server` container port (the
`cnpg-webhook-service` Service maps 443 to it). Re-check with every chart bump."""
OPERATOR_METRICS_PORT = 8080
"""The manager's `metrics` container port (fixed in the chart's deployment template)."""
OPERATOR_TO_INSTANCES = "allow-instance-manager-egress"


def policy_specs(monitoring_namespace: str, operator_namespace: str,
                 client_namespaces: tuple[str, ...]) -> dict[str, dict]:
    """NetworkPolicy name -> spec for the control-plane namespace; everything not listed is denied."""
    specs = {
        **platform_namespace_policies(monitoring_namespace, metrics_ports=METRICS_PORTS),
        "allow-cnpg-operator": allow_ingress([namespace_peer(operator_namespace)], (INSTANCE_STATUS_PORT,)),
    }
    if client_namespaces:
        specs["allow-postgres-clients"] = allow_ingress(
            [namespace_peer(ns) for ns in client_namespaces], (POSTGRES_PORT,))
    return specs


def operator_policy_specs(monitoring_namespace: str, instance_namespace: str) -> dict[str, dict]:
    """NetworkPolicy name -> spec for the CloudNativePG operator's namespace; everything not listed is denied."""
    return {
        **platform_namespace_policies(monitoring_namespace, metrics_ports=(OPERATOR_METRICS_PORT,),
                                      webhook_ports=(OPERATOR_WEBHOOK_PORT,)),
        OPERATOR_TO_INSTANCES: allow_egress([namespace_peer(instance_namespace)], (INSTANCE_STATUS_PORT,)),
    }
