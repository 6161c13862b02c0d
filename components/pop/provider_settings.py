"""How every Kubernetes provider of the PoP cluster talks to it: the platform stack's (components/pop/cluster.py)
and each tenant stack's (stacks/tenant/foundation.py). A module of its own so that a tenant stack reads it
without importing the platform's cluster tree."""

CLUSTER_PROVIDER_SETTINGS = {"enable_server_side_apply": True, "delete_unreachable": False}
