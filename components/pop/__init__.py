"""The PoP cluster: created on EKS or adopted, with its platform baseline and Kubernetes provider."""

from components.pop.args import PopClusterArgs
from components.pop.cluster import PopCluster
from components.pop.from_config import pop_cluster_args

__all__ = ["PopCluster", "PopClusterArgs", "pop_cluster_args"]
