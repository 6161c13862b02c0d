"""Pure builders of the PoP component: subnet plan, zones, kubeconfig, node classes."""

from __future__ import annotations

import json

import pytest

from components.pop.kubeconfig import eks_kubeconfig
from components.pop.network import first_zones, plan_subnets
from components.pop.node_classes import DATABASES, KAFKA, SYSTEM


def test_subnet_plan_of_a_small_vpc():
    plan = plan_subnets("10.1.0.0/20")
    assert plan.private == ("10.1.0.0/22", "10.1.4.0/22", "10.1.8.0/22")
    assert plan.public == ("10.1.12.0/24", "10.1.13.0/24", "10.1.14.0/24")


def test_zones_sorted_and_at_least_three():
    assert first_zones(["eu-central-1c", "eu-central-1a", "eu-central-1b", "eu-central-1d"]) == [
        "eu-central-1a", "eu-central-1b", "eu-central-1c"]
    with pytest.raises(ValueError, match="needs 3 availability zones, the region offers 2"):
        first_zones(["x-1a", "x-1b"])


def test_kubeconfig_uses_short_lived_aws_tokens():
    config = json.loads(eks_kubeconfig("dbaas-fra1", "https://e.example", "Q0E=", "eu-central-1"))
    user = config["users"][0]["user"]
    assert user == {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": "aws",
                             "args": ["eks", "get-token", "--cluster-name", "dbaas-fra1", "--region", "eu-central-1",
                                      "--output", "json"], "interactiveMode": "Never"}}
    assert config["clusters"][0]["cluster"] == {"server": "https://e.example", "certificate-authority-data": "Q0E="}


def test_node_class_tolerations_for_engines_and_kafka():
    assert DATABASES.tolerations() == [{"key": "dbaas.io/workload", "operator": "Equal", "value": "database", "effect": "NoSchedule"}]
    assert DATABASES.node_selector() == {"dbaas.io/workload": "database"}
    assert KAFKA.taints[0].as_eks() == {"key": "dbaas.io/workload", "value": "kafka", "effect": "NO_SCHEDULE"}
    assert SYSTEM.tolerations() == []
