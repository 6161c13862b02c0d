"""The PoP cluster: created on EKS or adopted, with its platform baseline and Kubernetes provider."""

from components.pop.args import PopClusterArgs
from components.pop.cluster import PopCluster

__all__ = ["PopCluster", "PopClusterArgs"]
