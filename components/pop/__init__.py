"""The PoP cluster: created on EKS or adopted, with its platform baseline and Kubernetes provider
(components/pop/cluster.py `PopCluster`).

Nothing is imported here: a tenant stack imports light modules of this area (node classes, priority
classes, namespaces) and must not build the platform's whole cluster tree to get them."""
