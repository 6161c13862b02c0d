"""`operations: [{id, action: restart}]`, built from one inline tenant through the offline runner: per engine the
exact operator field and value, strict schema validity, and the three deploys that matter: the restart (the marker
changes, once), the next change that drops the entry (the engine keeps the marker: nothing restarts), and a later
restart (the marker changes again)."""

from __future__ import annotations

import pytest

from tools.kubernetes.validation import validate_object
from tools.offline.diff import ABSENT, diff_plans
from tests.conftest import one, plan_with_tenants

SERVICES = {
    "docs": ("mongodb", "7.0", "kubernetes:psmdb.percona.com/v1:PerconaServerMongoDB", "psmdb"),
    "events": ("scylla", "6.1", "kubernetes:scylla.scylladb.com/v1:ScyllaCluster", "scyllacluster"),
    "cache": ("dragonfly", "1.25", "kubernetes:dragonflydb.io/v1alpha1:Dragonfly", "dragonfly"),
    "orders": ("vitess", "24.0", "kubernetes:planetscale.com/v2:VitessCluster", "vitesscluster"),
    "kv": ("aerospike", "7.1", "kubernetes:asdb.aerospike.com/v1:AerospikeCluster", "aerospikecluster"),
}
TABLET_POOL = ("keyspaces", 0, "partitionings", 0, "equal", "shardTemplate", "tabletPools", 0)


def tenant(operations: str) -> str:
    services = "".join(
        f"  - {{name: {name}, engine: {engine}, version: \"{version}\", topology: single, replicas: 1, "
        f"storage_gb: 20{operations}}}\n"
        for name, (engine, version, _, _) in SERVICES.items())
    return ("id: shop\nname: Shop\norg: shop\nplan: enterprise\ndata_region: lagos\nowners: [shop-admins]\n"
            f"data_classes: [operational]\nservices:\n{services}")


def _plan(tmp_path_factory, label: str, operations: str):
    tree = tmp_path_factory.mktemp(label) / "tenants"
    (tree / "lagos").mkdir(parents=True)
    (tree / "lagos" / "shop.yaml").write_text(tenant(operations), encoding="utf-8")
    return plan_with_tenants("lagos", tree)


@pytest.fixture(scope="module")
def restarted(tmp_path_factory):
    return _plan(tmp_path_factory, "restarted", ", operations: [{id: nightly-fix, action: restart}]")


@pytest.fixture(scope="module")
def dropped(tmp_path_factory):
    """The next change: the API (and a person) drops the operations that ran."""
    return _plan(tmp_path_factory, "dropped", "")


@pytest.fixture(scope="module")
def again(tmp_path_factory):
    return _plan(tmp_path_factory, "again", ", operations: [{id: r-20261201, action: restart}]")


def _instance(plan, name: str):
    _, _, type_, suffix = SERVICES[name]
    return one(plan, type_, "shop", f"shop.{name}.{suffix}")


def _at(spec: dict, path: tuple) -> object:
    for part in path:
        spec = spec[part]
    return spec


def test_each_operator_gets_the_restart_id_in_its_own_field(restarted):
    marker = {"dbaas.io/restart": "nightly-fix"}
    spec = {name: _instance(restarted, name).inputs["spec"] for name in SERVICES}
    assert spec["docs"]["replsets"][0]["annotations"] == marker
    assert spec["events"]["forceRedeploymentReason"] == "nightly-fix"
    assert spec["cache"]["annotations"] == marker
    assert _at(spec["orders"], TABLET_POOL)["annotations"] == marker
    assert spec["kv"]["operations"] == [{"id": "nightly-fix", "kind": "PodRestart"}]


def test_restarted_instances_validate_strictly_and_apply_the_marker(restarted):
    for name in SERVICES:
        reg = _instance(restarted, name)
        assert validate_object(reg.inputs) == [], name
        assert reg.ignore_changes == (), name


def test_without_a_restart_entry_the_deployed_marker_is_kept(dropped):
    kept = {name: _instance(dropped, name) for name in SERVICES}
    assert {name: reg.ignore_changes for name, reg in kept.items()} == {
        "docs": ("spec.replsets[0].annotations",),
        "events": ("spec.forceRedeploymentReason",),
        "cache": ("spec.annotations",),
        "orders": ("spec.keyspaces[0].partitionings[0].equal.shardTemplate.tabletPools[0].annotations",),
        "kv": (),
    }
    assert "annotations" not in kept["docs"].inputs["spec"]["replsets"][0]
    assert "forceRedeploymentReason" not in kept["events"].inputs["spec"]
    assert "annotations" not in kept["cache"].inputs["spec"]
    assert "annotations" not in _at(kept["orders"].inputs["spec"], TABLET_POOL)
    assert "operations" not in kept["kv"].inputs["spec"]


def _instance_changes(base, head) -> dict[str, list[tuple[str, object, object]]]:
    urns = {_instance(head, name).urn: name for name in SERVICES}
    return {urns[c.urn]: [(p.path, p.old, p.new) for p in c.changes]
            for c in diff_plans(base, head).changes if c.urn in urns}


def test_dropping_the_entry_restarts_nothing(restarted, dropped):
    """Only AKO's own operation list changes (AKO tracks operations by id: a removed one restarts nothing)."""
    assert _instance_changes(restarted, dropped) == {
        "kv": [("spec.operations", [{"id": "nightly-fix", "kind": "PodRestart"}], ABSENT)],
    }


def test_a_later_restart_changes_the_marker_once_more(dropped, again):
    """From the state after the drop (inputs without the marker; the engine kept it, which the offline plan of
    `dropped` cannot show), the next restart adds the new id."""
    assert _instance_changes(dropped, again) == {
        "docs": [("spec.replsets[name='rs0'].annotations", ABSENT, {"dbaas.io/restart": "r-20261201"})],
        "events": [("spec.forceRedeploymentReason", ABSENT, "r-20261201")],
        "cache": [("spec.annotations", ABSENT, {"dbaas.io/restart": "r-20261201"})],
        "orders": [("spec.keyspaces[name='orders'].partitionings[0].equal.shardTemplate.tabletPools[0].annotations", ABSENT,
                    {"dbaas.io/restart": "r-20261201"})],
        "kv": [("spec.operations", ABSENT, [{"id": "r-20261201", "kind": "PodRestart"}])],
    }


def test_restart_to_restart_changes_only_the_marker(restarted, again):
    assert _instance_changes(restarted, again) == {
        "docs": [("spec.replsets[name='rs0'].annotations['dbaas.io/restart']", "nightly-fix", "r-20261201")],
        "events": [("spec.forceRedeploymentReason", "nightly-fix", "r-20261201")],
        "cache": [("spec.annotations['dbaas.io/restart']", "nightly-fix", "r-20261201")],
        "orders": [("spec.keyspaces[name='orders'].partitionings[0].equal.shardTemplate.tabletPools[0].annotations"
                    "['dbaas.io/restart']", "nightly-fix", "r-20261201")],
        "kv": [("spec.operations[id='nightly-fix']", {"id": "nightly-fix", "kind": "PodRestart"}, ABSENT),
               ("spec.operations[id='r-20261201']", ABSENT, {"id": "r-20261201", "kind": "PodRestart"})],
    }
