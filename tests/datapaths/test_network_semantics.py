"""NetworkPolicy semantics of tools/datapaths/network.py, one rule at a time (networking.k8s.io/v1)."""

from tools.datapaths.network import AWS_ENDPOINT, Peer, Reachability, admitted

NS = {"t-a": {"dbaas.io/tenant": "a"}, "t-b": {"dbaas.io/tenant": "b"}, "kafka": {}}
DENY_ALL = ("default-deny-all", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]})


def test_a_pod_selected_by_no_policy_of_a_type_is_open_for_that_type():
    ingress_only = [("db-ingress", {"podSelector": {"matchLabels": {"app": "db"}}, "policyTypes": ["Ingress"]})]
    assert admitted(ingress_only, "Egress", "t-a", {"app": "db"}, Peer("t-b", {}), 5432, NS) == (
        True, "no Egress policy selects the pod in t-a: open")
    assert admitted(ingress_only, "Ingress", "t-a", {"app": "web"}, Peer("t-b", {}), 5432, NS)[0]
    assert admitted(ingress_only, "Ingress", "t-a", {"app": "db"}, Peer("t-b", {}), 5432, NS) == (
        False, "no ingress rule of db-ingress in t-a admits port 5432")


def test_namespace_and_pod_selectors_in_one_peer_both_apply():
    policy = ("from-kafka-connect", {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{
        "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kafka"}},
                  "podSelector": {"matchLabels": {"strimzi.io/kind": "KafkaConnect"}}}],
        "ports": [{"port": 7100, "protocol": "TCP"}]}]})
    policies = [DENY_ALL, policy]
    assert admitted(policies, "Ingress", "t-a", {}, Peer("kafka", {"strimzi.io/kind": "KafkaConnect"}), 7100, NS) == (
        True, "t-a/from-kafka-connect")
    assert not admitted(policies, "Ingress", "t-a", {}, Peer("kafka", {"strimzi.io/kind": "Kafka"}), 7100, NS)[0]
    assert not admitted(policies, "Ingress", "t-a", {}, Peer("t-b", {"strimzi.io/kind": "KafkaConnect"}), 7100, NS)[0]
    assert not admitted(policies, "Ingress", "t-a", {}, Peer("kafka", {"strimzi.io/kind": "KafkaConnect"}), 7000, NS)[0]


def test_pod_selector_alone_means_the_policy_namespace_and_ip_blocks_honour_except():
    same = ("allow-same-namespace", {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"to": [{"podSelector": {}}]}]})
    aws = ("allow-aws", {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{
        "to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["52.95.0.0/16"]}}], "ports": [{"port": 443}]}]})
    assert admitted([DENY_ALL, same], "Egress", "t-a", {}, Peer("t-a", {"x": "y"}), 1, NS)[0]
    assert not admitted([DENY_ALL, same], "Egress", "t-a", {}, Peer("t-b", {}), 1, NS)[0]
    assert not admitted([DENY_ALL, aws], "Egress", "t-a", {}, Peer(None, {}, AWS_ENDPOINT), 443, NS)[0]
    reach = Reachability({"t-a": [DENY_ALL, same, aws]}, NS)
    assert reach.reach("Egress", "t-a", {}) == frozenset({"t-a"})
    assert reach.reach("Egress", "t-b", {}) is None  # no policy in t-b: open to anything
