"""Kubernetes NetworkPolicy semantics (networking.k8s.io/v1), for one connection.

A pod selected by no policy of a type (Ingress/Egress) is open for that type; once selected, traffic is allowed
only if some selecting policy's rule admits it (peer and port). A peer with namespaceSelector and podSelector
matches pods with those labels in matching namespaces; podSelector alone means the policy's own namespace;
ipBlock matches addresses outside the cluster (kubernetes/api networking/v1/types.go NetworkPolicyPeer).
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from typing import Any, Mapping

AWS_ENDPOINT = "52.95.0.10"
"""A public address standing for the regional AWS endpoints (S3, STS, KMS): egress to them is HTTPS on 443."""


@dataclass(frozen=True)
class Peer:
    namespace: str | None
    """None: outside the cluster, at `address`."""
    labels: Mapping[str, str]
    address: str = ""


def selector_matches(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    if selector is None:
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def _peer_matches(rule_peer: Mapping[str, Any], policy_namespace: str, peer: Peer,
                  namespace_labels: Mapping[str, Mapping[str, str]]) -> bool:
    if "ipBlock" in rule_peer:
        if peer.namespace is not None:
            return False  # ipBlock is for cluster-external addresses here (pod IPs are not modelled)
        block = rule_peer["ipBlock"]
        address = ipaddress.ip_address(peer.address)
        return address in ipaddress.ip_network(block["cidr"]) and not any(
            address in ipaddress.ip_network(cidr) for cidr in block.get("except") or [])
    if peer.namespace is None:
        return False
    if "namespaceSelector" in rule_peer:
        ns_labels = {**namespace_labels.get(peer.namespace, {}), "kubernetes.io/metadata.name": peer.namespace}
        if not selector_matches(rule_peer["namespaceSelector"], ns_labels):
            return False
    elif peer.namespace != policy_namespace:
        return False
    return selector_matches(rule_peer.get("podSelector", {}), peer.labels)


def _port_matches(ports: list[Mapping[str, Any]] | None, port: int) -> bool:
    if not ports:
        return True
    for item in ports:
        if item.get("protocol", "TCP") != "TCP":
            continue
        if "port" not in item:
            return True
        start, end = item["port"], item.get("endPort", item["port"])
        if isinstance(start, int) and start <= port <= end:
            return True
    return False


def admitted(policies: list[tuple[str, Mapping[str, Any]]], kind: str, pod_namespace: str, pod_labels: Mapping[str, str],
             peer: Peer, port: int, namespace_labels: Mapping[str, Mapping[str, str]]) -> tuple[bool, str]:
    """Whether the pod's `kind` (Ingress/Egress) policies admit traffic with `peer` on `port`, and why."""
    selecting = [(name, spec) for name, spec in policies
                 if kind in spec.get("policyTypes", ["Ingress"]) and selector_matches(spec.get("podSelector", {}), pod_labels)]
    if not selecting:
        return True, f"no {kind} policy selects the pod in {pod_namespace}: open"
    rules_key, peers_key = ("egress", "to") if kind == "Egress" else ("ingress", "from")
    for name, spec in selecting:
        for rule in spec.get(rules_key) or []:
            peers = rule.get(peers_key)
            if (not peers or any(_peer_matches(p, pod_namespace, peer, namespace_labels) for p in peers)) \
                    and _port_matches(rule.get("ports"), port):
                return True, f"{pod_namespace}/{name}"
    return False, f"no {kind.lower()} rule of {', '.join(n for n, _ in selecting)} in {pod_namespace} admits port {port}"


class Reachability:
    """admitted() over one plan's policies, memoised, with a per-namespace shortcut for the cross-tenant checks:
    which namespaces an egress (ingress) rule can name at all, from each distinct namespaceSelector evaluated once
    over the plan's namespaces."""

    def __init__(self, policies: Mapping[str, list[tuple[str, Mapping[str, Any]]]],
                 namespace_labels: Mapping[str, Mapping[str, str]]):
        self.policies = policies
        self.namespace_labels = namespace_labels
        self._memo: dict[tuple, tuple[bool, str]] = {}
        self._selector_memo: dict[str, frozenset[str]] = {}
        self._reach_memo: dict[tuple, frozenset[str] | None] = {}

    def admitted(self, kind: str, namespace: str, labels: Mapping[str, str], peer: Peer, port: int) -> tuple[bool, str]:
        key = (kind, namespace, frozenset(labels.items()), peer.namespace, frozenset(peer.labels.items()), peer.address, port)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = admitted(self.policies.get(namespace, []), kind, namespace, labels, peer, port,
                                               self.namespace_labels)
        return found

    def _namespaces_of(self, selector: Mapping[str, Any]) -> frozenset[str]:
        text = json.dumps(selector, sort_keys=True)
        found = self._selector_memo.get(text)
        if found is None:
            found = self._selector_memo[text] = frozenset(
                ns for ns, labels in self.namespace_labels.items()
                if selector_matches(selector, {**labels, "kubernetes.io/metadata.name": ns}))
        return found

    def reach(self, kind: str, namespace: str, labels: Mapping[str, str]) -> frozenset[str] | None:
        """Every namespace a rule of the `kind` policies selecting the pod can name; None: any (or no policy)."""
        key = (kind, namespace, frozenset(labels.items()))
        if key in self._reach_memo:
            return self._reach_memo[key]
        rules_key, peers_key = ("egress", "to") if kind == "Egress" else ("ingress", "from")
        selecting = [spec for _, spec in self.policies.get(namespace, [])
                     if kind in spec.get("policyTypes", ["Ingress"]) and selector_matches(spec.get("podSelector", {}), labels)]
        reach: set[str] | None = set() if selecting else None
        for spec in selecting:
            for rule in spec.get(rules_key) or []:
                peers = rule.get(peers_key)
                if not peers:
                    reach = None
                    break
                for peer in peers:
                    if "namespaceSelector" in peer:
                        reach |= self._namespaces_of(peer["namespaceSelector"])
                    elif "ipBlock" not in peer:
                        reach.add(namespace)
            if reach is None:
                break
        result = None if reach is None else frozenset(reach)
        self._reach_memo[key] = result
        return result

    def selecting_names(self, kind: str, namespace: str, labels: Mapping[str, str]) -> str:
        return ", ".join(name for name, spec in self.policies.get(namespace, [])
                         if kind in spec.get("policyTypes", ["Ingress"]) and selector_matches(spec.get("podSelector", {}), labels))
