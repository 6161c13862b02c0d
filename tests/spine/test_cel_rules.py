"""The CRDs' CEL rules (x-kubernetes-validations), evaluated offline as the API server does."""

from __future__ import annotations

import copy
import json

from tools.kubernetes.cel import CelValidator
from tools.kubernetes.validation import cel_validator, crd_schema_dir, kubernetes_objects, transition_problems, validate_object

UNEVALUABLE: dict[tuple[str, str, str], str] = {}
"""(CRD, schema path, rule) -> why it cannot be evaluated offline. Pinned: a new entry is a decision."""


def _shipped_object(plan, kind: str, name: str) -> dict:
    [obj] = [o for _, o in kubernetes_objects(plan.registrations) if o["kind"] == kind and o["metadata"]["name"] == name]
    return copy.deepcopy(obj)


def _declared(node) -> int:
    """Every x-kubernetes-validations entry anywhere in a schema, whatever keyword it sits under."""
    if isinstance(node, dict):
        return len(node.get("x-kubernetes-validations", [])) + sum(_declared(v) for v in node.values())
    return sum(_declared(v) for v in node) if isinstance(node, list) else 0


def test_every_rule_of_every_shipped_crd_schema_compiles():
    rules, declared = [], 0
    for path in sorted(crd_schema_dir().glob("*/*.json")):
        schema = json.loads(path.read_text())
        declared += _declared(schema)
        rules += CelValidator(f"{path.parent.name}/{path.stem}", schema).rules
    assert (declared, len(rules), sum(r.transition for r in rules)) == (91, 91, 53)
    assert {(r.crd, r.schema_path, r.rule): r.unevaluable for r in rules if r.unevaluable} == UNEVALUABLE
    assert sum(r.crd == "operator.yugabyte.io/ybuniverse_v1alpha1" for r in rules) == 19


def test_ybuniverse_replication_factor_is_immutable(lagos_plan):
    old = _shipped_object(lagos_plan, "YBUniverse", "orders-yugabyte")
    assert transition_problems(old, copy.deepcopy(old)) == []
    new = copy.deepcopy(old)
    new["spec"]["replicationFactor"], new["spec"]["numNodes"] = 1, 1
    assert [str(v) for v in transition_problems(old, new)] == [
        'spec.replicationFactor: Invalid value: "integer": Replication Factor is cannot be changed']
    new["spec"]["numNodes"] = 5  # numNodes has no transition rule: scaling out is allowed
    new["spec"]["replicationFactor"] = old["spec"]["replicationFactor"]
    assert transition_problems(old, new) == []


def test_self_rule_refuses_a_broken_shipped_object(lagos_plan):
    universe = _shipped_object(lagos_plan, "YBUniverse", "orders-yugabyte")
    assert validate_object(universe) == []
    universe["spec"]["numNodes"] = 2  # below replicationFactor 3
    assert validate_object(universe) == ['spec: Invalid value: "object": replicationFactor <= numNodes']
    del universe["spec"]["replicationFactor"]  # CEL's error for a missing key, as the server words it
    assert [str(v) for v in cel_validator("operator.yugabyte.io/v1alpha1", "YBUniverse").problems(universe)] == [
        'spec: Invalid value: "object": no such key: replicationFactor evaluating rule: replicationFactor <= numNodes']


def test_a_rule_on_array_items_runs_per_item():
    database = {"apiVersion": "postgresql.cnpg.io/v1", "kind": "Database", "metadata": {"name": "app"},
                "spec": {"name": "app", "owner": "app", "cluster": {"name": "pg"},
                         "servers": [{"name": "a", "fdw": "postgres_fdw"}, {"name": "b", "fdw": ""},
                                     {"name": "c", "fdw": ""}]}}
    assert validate_object(database) == ['spec.servers[1].fdw: Invalid value: "string": fdw is required',
                                         'spec.servers[2].fdw: Invalid value: "string": fdw is required']
    database["spec"]["name"] = "postgres"
    assert validate_object(database)[0] == 'spec.name: Invalid value: "string": the name postgres is reserved'


def test_an_absent_field_does_not_run_its_rule(lagos_plan):
    cluster = _shipped_object(lagos_plan, "Cluster", "controlplane-pg")
    assert "imageCatalogRef" not in cluster["spec"]  # its rules (`self.kind == ...`) would fail on a missing value
    assert validate_object(cluster) == []
    cluster["spec"]["imageCatalogRef"] = {"apiGroup": "postgresql.cnpg.io", "kind": "Catalog", "name": "pg", "major": 17}
    assert validate_object(cluster) == [
        'spec: Invalid value: "object": imageName and imageCatalogRef are mutually exclusive',
        'spec.imageCatalogRef: Invalid value: "object": Only image catalogs are supported']
    universe = _shipped_object(lagos_plan, "YBUniverse", "orders-yugabyte")
    old = copy.deepcopy(universe)
    del old["spec"]["universeName"]  # no old value: `self == oldSelf` on universeName does not run
    assert transition_problems(old, universe) == []


def _inline(spec_schema: dict) -> CelValidator:
    return CelValidator("example.com/widget_v1", {"type": "object", "properties": {"spec": spec_schema}})


def test_message_expression_reason_field_path_and_defaults():
    validator = _inline({
        "type": "object",
        "properties": {"min": {"type": "integer", "default": 2}, "max": {"type": "integer"},
                       "limits": {"type": "object", "properties": {"cpu": {"type": "string"}}}},
        "x-kubernetes-validations": [
            {"rule": "self.min <= self.max", "messageExpression": "'min ' + string(self.min) + ' exceeds max ' + string(self.max)"},
            {"rule": "has(self.limits)", "message": "limits are required", "reason": "FieldValueRequired", "fieldPath": ".limits"},
            {"rule": "self.max < 100", "messageExpression": "'line one\\nline two'", "message": "max below 100"},
        ]})
    assert [str(v) for v in validator.problems({"spec": {"max": 1}})] == [
        'spec: Invalid value: "object": min 2 exceeds max 1',  # min came from the schema default
        "spec.limits: Required value: limits are required"]
    assert [str(v) for v in validator.problems({"spec": {"max": 100, "limits": {}}})] == [
        'spec: Invalid value: "object": max below 100']  # a message expression with a line break falls back
    assert [str(v) for v in validator.problems({"spec": {"max": 5, "limits": None}})] == [
        "spec.limits: Required value: limits are required"]  # a non-nullable null is dropped before the rules run


def test_transition_rules_correlate_map_list_items_by_key_and_honour_optional_old_self():
    validator = _inline({
        "type": "object",
        "properties": {
            "volumes": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
                        "items": {"type": "object", "properties": {
                            "name": {"type": "string"},
                            "size": {"type": "integer", "x-kubernetes-validations": [
                                {"rule": "self >= oldSelf", "message": "volumes only grow"}]}}}},
            "tier": {"type": "string", "x-kubernetes-validations": [
                {"rule": "oldSelf.hasValue() || self == 'gold'", "optionalOldSelf": True, "message": "new tier must be gold"}]}}})
    old = {"spec": {"volumes": [{"name": "a", "size": 10}, {"name": "b", "size": 10}]}}
    new = {"spec": {"volumes": [{"name": "b", "size": 5}, {"name": "a", "size": 20}, {"name": "c", "size": 1}], "tier": "silver"}}
    assert [str(v) for v in validator.transition_problems(old, new)] == [
        'spec.volumes[0].size: Invalid value: "integer": volumes only grow',
        'spec.tier: Invalid value: "string": new tier must be gold']
    assert [str(v) for v in validator.problems(new)] == ['spec.tier: Invalid value: "string": new tier must be gold']
    assert validator.transition_problems({"spec": {"tier": "silver"}}, {"spec": {"tier": "silver"}}) == []


def test_a_rule_that_cannot_compile_is_reported_not_skipped():
    validator = _inline({"type": "object", "x-kubernetes-validations": [
        {"rule": "self.replicas.isSorted()", "message": "sorted"}]})  # a Kubernetes list function cel-cpp lacks
    [rule] = validator.rules
    assert rule.unevaluable.startswith("compilation failed: <input>:1:")
    [problem] = validator.problems({"spec": {"replicas": [1]}})
    assert str(problem).startswith('spec: Invalid value: "object": rule compile error: compilation failed: ')
    assert str(problem).endswith("(CRD example.com/widget_v1, rule 'self.replicas.isSorted()')")
    assert validator.problems({}) == []  # the node is absent: the server would not run it either
