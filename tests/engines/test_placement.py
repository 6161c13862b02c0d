"""Every engine pod selects and tolerates the PoP's database node class, through each operator's field.

Expected values are written out here (not imported from the code under test): label
`dbaas.io/workload=database`, taint `dbaas.io/workload=database:NoSchedule`.
"""

from __future__ import annotations

import pytest
import yaml

from tools.kubernetes.validation import validate_object
from tests.conftest import plan_with_tenants, resources

SELECTOR = {"dbaas.io/workload": "database"}
TOLERATIONS = [{"key": "dbaas.io/workload", "operator": "Equal", "value": "database", "effect": "NoSchedule"}]
NODE_AFFINITY = {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
    {"matchExpressions": [{"key": "dbaas.io/workload", "operator": "In", "values": ["database"]}]}]}}
POD_FIELDS = {"nodeSelector": SELECTOR, "tolerations": TOLERATIONS}
AFFINITY_FIELDS = {"affinity": {"nodeAffinity": NODE_AFFINITY}, "tolerations": TOLERATIONS}

K = "kubernetes:"
KINDS = {
    "YBUniverse": K + "operator.yugabyte.io/v1alpha1:YBUniverse",
    "VitessCluster": K + "planetscale.com/v2:VitessCluster",
    "ScyllaCluster": K + "scylla.scylladb.com/v1:ScyllaCluster",
    "Dragonfly": K + "dragonflydb.io/v1alpha1:Dragonfly",
    "AerospikeCluster": K + "asdb.aerospike.com/v1:AerospikeCluster",
    "AerospikeBackupService": K + "asdb.aerospike.com/v1beta1:AerospikeBackupService",
    "PerconaServerMongoDB": K + "psmdb.percona.com/v1:PerconaServerMongoDB",
    "Job": K + "batch/v1:Job",
}
SHIPPED = {
    "lagos": {"YBUniverse": 1, "VitessCluster": 1, "ScyllaCluster": 1, "Dragonfly": 2, "AerospikeCluster": 0,
              "AerospikeBackupService": 0, "PerconaServerMongoDB": 1, "Job": 1},
    "frankfurt": {"YBUniverse": 1, "VitessCluster": 0, "ScyllaCluster": 1, "Dragonfly": 0, "AerospikeCluster": 1,
                  "AerospikeBackupService": 1, "PerconaServerMongoDB": 2, "Job": 1},
}
"""Engine objects that own pods in the shipped stacks (the Job is Scylla's set-admin-password)."""


def placements(kind: str, spec: dict) -> dict[str, dict]:
    """Each place in one object's spec where the operator reads pod scheduling, as {path: fields}."""
    if kind == "YBUniverse":
        o = spec["kubernetesOverrides"]
        return {"kubernetesOverrides": {"nodeSelector": o["nodeSelector"]},
                "kubernetesOverrides.master": {"tolerations": o["master"]["tolerations"]},
                "kubernetesOverrides.tserver": {"tolerations": o["tserver"]["tolerations"]}}
    if kind == "VitessCluster":
        found = {"globalLockserver.etcd": spec["globalLockserver"]["etcd"], "vitessDashboard": spec["vitessDashboard"]}
        for c, cell in enumerate(spec["cells"]):
            found[f"cells[{c}].gateway"] = cell["gateway"]
        for k, ks in enumerate(spec["keyspaces"]):
            found[f"keyspaces[{k}].vitessOrchestrator"] = ks["vitessOrchestrator"]
            for p, part in enumerate(ks["partitionings"]):
                for t, pool in enumerate(part["equal"]["shardTemplate"]["tabletPools"]):
                    found[f"keyspaces[{k}].partitionings[{p}].tabletPools[{t}]"] = pool
        for s, schedule in enumerate(spec["backup"].get("schedules", [])):
            found[f"backup.schedules[{s}]"] = schedule
        return {path: {f: c.get(f) for f in ("affinity", "tolerations")} for path, c in found.items()}
    if kind == "ScyllaCluster":
        return {f"racks[{i}].placement": {"nodeAffinity": r["placement"]["nodeAffinity"],
                                           "tolerations": r["placement"]["tolerations"]}
                for i, r in enumerate(spec["datacenter"]["racks"])}
    if kind == "Dragonfly":
        return {"spec": {f: spec.get(f) for f in ("nodeSelector", "tolerations")}}
    if kind in ("AerospikeCluster", "AerospikeBackupService"):
        return {"podSpec": {f: spec["podSpec"].get(f) for f in ("nodeSelector", "tolerations")}}
    if kind == "PerconaServerMongoDB":
        return {f"replsets[{i}]": {f: rs.get(f) for f in ("nodeSelector", "tolerations")}
                for i, rs in enumerate(spec["replsets"])}
    if kind == "Job":
        pod = spec["template"]["spec"]
        return {"template.spec": {f: pod.get(f) for f in ("nodeSelector", "tolerations")}}
    raise AssertionError(kind)


EXPECTED = {
    "YBUniverse": lambda path: {"nodeSelector": SELECTOR} if path == "kubernetesOverrides" else {"tolerations": TOLERATIONS},
    "VitessCluster": lambda path: AFFINITY_FIELDS,
    "ScyllaCluster": lambda path: {"nodeAffinity": NODE_AFFINITY, "tolerations": TOLERATIONS},
    "Dragonfly": lambda path: POD_FIELDS,
    "AerospikeCluster": lambda path: POD_FIELDS,
    "AerospikeBackupService": lambda path: POD_FIELDS,
    "PerconaServerMongoDB": lambda path: POD_FIELDS,
    "Job": lambda path: POD_FIELDS,
}


def engine_pod_owners(plan) -> dict[str, list]:
    found = {kind: resources(plan, t) for kind, t in KINDS.items()}
    found["Job"] = [j for j in found["Job"] if j.inputs["metadata"]["namespace"].startswith("t-")]
    return found


def as_pod(fields: dict) -> dict:
    """A minimal core Pod carrying scheduling fields, so kubernetes-validate (strict) checks their shape
    where an operator's CRD leaves them free-form (VitessCluster affinity/tolerations)."""
    spec = {"containers": [{"name": "c", "image": "busybox:1.36"}]}
    if "nodeAffinity" in fields:
        fields = {"affinity": {k: v for k, v in fields.items() if k != "tolerations"}, "tolerations": fields["tolerations"]}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "placement"}, "spec": {**spec, **fields}}


@pytest.fixture(params=["lagos", "frankfurt"])
def stack(request, lagos_plan, frankfurt_plan):
    return request.param, {"lagos": lagos_plan, "frankfurt": frankfurt_plan}[request.param]


def test_every_engine_pod_owner_selects_and_tolerates_database_nodes(stack):
    name, plan = stack
    owners = engine_pod_owners(plan)
    assert {kind: len(regs) for kind, regs in owners.items()} == SHIPPED[name]
    for kind, regs in owners.items():
        for reg in regs:
            got = placements(kind, reg.inputs["spec"])
            assert got, f"{reg.name}: no placement field found"
            assert got == {path: EXPECTED[kind](path) for path in got}, reg.name


def test_changed_objects_validate_strictly(stack):
    _, plan = stack
    for kind, regs in engine_pod_owners(plan).items():
        for reg in regs:
            assert validate_object(reg.inputs) == [], reg.name
            for path, fields in placements(kind, reg.inputs["spec"]).items():
                assert validate_object(as_pod(fields)) == [], f"{reg.name} {path}"


def test_scylla_clustered_racks_keep_zone_anti_affinity(frankfurt_plan):
    [cluster] = [r for r in resources(frankfurt_plan, KINDS["ScyllaCluster"])]
    racks = cluster.inputs["spec"]["datacenter"]["racks"]
    assert [r["name"] for r in racks] == ["a", "b", "c"]
    for rack in racks:
        assert set(rack["placement"]) == {"nodeAffinity", "podAntiAffinity", "tolerations"}
        [term] = rack["placement"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
        assert term["topologyKey"] == "topology.kubernetes.io/zone"
        assert {"key": "scylla/rack", "operator": "NotIn", "values": [rack["name"]]} in term["labelSelector"]["matchExpressions"]


def test_mongodb_keeps_its_anti_affinity_next_to_the_selector(lagos_plan):
    [psmdb] = resources(lagos_plan, KINDS["PerconaServerMongoDB"])
    rs = psmdb.inputs["spec"]["replsets"][0]
    assert rs["affinity"] == {"antiAffinityTopologyKey": "kubernetes.io/hostname"}
    assert (rs["nodeSelector"], rs["tolerations"]) == (SELECTOR, TOLERATIONS)


def test_final_backup_jobs_and_vitess_backup_schedules_run_on_database_nodes(tenants_copy):
    """Decommissioning Vitess and Dragonfly services get one-off final-backup Jobs; they too land on database nodes."""
    for tenant, service in (("kudi-pay", "ledger"), ("acme", "sessions")):
        path = tenants_copy / "lagos" / f"{tenant}.yaml"
        doc = yaml.safe_load(path.read_text())
        for svc in doc["services"]:
            if svc["name"] == service:
                svc["decommission"] = {"requested_by": "ops", "final_backup": True}
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
    plan = plan_with_tenants("lagos", tenants_copy)
    jobs = {j.inputs["metadata"]["name"]: j for j in resources(plan, KINDS["Job"])
            if j.inputs["metadata"]["namespace"].startswith("t-")}
    assert set(jobs) == {"ledger-vitess-final-backup", "sessions-dragonfly-final-backup", "events-scylla-set-admin-password"}
    for job in jobs.values():
        assert placements("Job", job.inputs["spec"]) == {"template.spec": POD_FIELDS}
        assert validate_object(job.inputs) == [], job.name
    [vitess] = resources(plan, KINDS["VitessCluster"])
    [schedule] = vitess.inputs["spec"]["backup"]["schedules"]
    assert (schedule["affinity"], schedule["tolerations"]) == ({"nodeAffinity": NODE_AFFINITY}, TOLERATIONS)


def test_aerospike_exporter_serves_the_port_the_monitor_scrapes(frankfurt_plan):
    """Not placement, but the same objects: the PodMonitor's `exporter` port must exist on the pods."""
    from components.observability.engine_telemetry import telemetry_for

    [cluster] = resources(frankfurt_plan, KINDS["AerospikeCluster"])
    spec = cluster.inputs["spec"]
    [sidecar] = spec["podSpec"]["sidecars"]
    assert telemetry_for("aerospike").port == "exporter"
    assert sidecar["ports"] == [{"name": "exporter", "containerPort": 9145, "protocol": "TCP"}]
    env = {e["name"]: e.get("value", e.get("valueFrom")) for e in sidecar["env"]}
    assert env == {
        "AS_HOST": "localhost", "AS_PORT": "4333", "AS_NODE_TLS_NAME": "tracking-aerospike",
        "AS_ROOT_CA": "file:/etc/aerospike/tls/ca.crt", "AS_AUTH_MODE": "internal", "AS_AUTH_USER": "admin",
        "AS_AUTH_PASSWORD": {"secretKeyRef": {"name": "tracking-aerospike-credentials", "key": "password"}},
        "AGENT_BIND_PORT": "9145",
    }
    tls = next(v for v in spec["storage"]["volumes"] if v["name"] == "tls")
    assert tls["sidecars"] == [{"containerName": "aerospike-prometheus-exporter", "path": "/etc/aerospike/tls"}]
