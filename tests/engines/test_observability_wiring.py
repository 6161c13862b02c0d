"""Every engine instance of both shipped stacks is observable and correctly prioritised.

For each tenant monitor: its selector matches labels that the engine's custom resource makes its
operator put on the pods, the ports it scrapes exist on those pods, and the pods get the PoP's
`dbaas-database` PriorityClass wherever the operator's CRD has a field for it.

What each operator does with a CR is written out here (from the pinned operators' sources, not
imported from the code under test):
- YugabyteDB (yugabyte chart 2024.2, templates/service.yaml): `kubernetesOverrides.<server>.podLabels`
  appended to the master/tserver pod templates; ports from values.yaml `Services[].ports`.
- Vitess (vitess-operator v2.17.0): each component's `extraLabels` added to its pods
  (pkg/operator/{vtgate,vtctld,vtorc}/deployment.go, vttablet/pod.go, etcd/pod.go); `web` on vtgate,
  vtctld, vtorc and vttablet; etcd serves `client`/`peer` only.
- ScyllaDB (scylla-operator v1.15.0): the ScyllaCluster's `metadata.labels` copied to its
  ScyllaDBDatacenter (scyllacluster/migrate.go) and from there to the rack pod templates
  (scylladbdatacenter/resource.go), plus `scylla/cluster`; the `scylla` container's named ports.
- DragonflyDB (dragonfly-operator v1.1.11, internal/resources/resources.go): pod template labels
  `app=<name>`, `app.kubernetes.io/name=dragonfly`, `app.kubernetes.io/part-of=dragonfly`, plus
  `spec.labels` (keys not already set); ports `redis` and `admin`.
- Aerospike (AKO 4.0.2, internal/controller/cluster/statefulset.go): `podSpec.metadata.labels` merged
  with `app=aerospike-cluster`, `aerospike.com/cr=<name>`; `podSpec.sidecars` run in the pod.
- MongoDB (psmdb operator 1.19.1, pkg/psmdb/statefulset.go, pkg/naming/labels.go): the operator's
  cluster labels (`app.kubernetes.io/instance=<name>` among them) win over `replsets[].labels`;
  `replsets[].sidecars` run in the pod.
Ports the operators open that no monitor scrapes are left out of the tables.
"""

from __future__ import annotations

import json

import pytest

from tools.kubernetes.validation import crd_schema_dir, validate_object
from tests.conftest import resources

K = "kubernetes:"
CR_TYPES = {
    "YBUniverse": K + "operator.yugabyte.io/v1alpha1:YBUniverse",
    "VitessCluster": K + "planetscale.com/v2:VitessCluster",
    "ScyllaCluster": K + "scylla.scylladb.com/v1:ScyllaCluster",
    "Dragonfly": K + "dragonflydb.io/v1alpha1:Dragonfly",
    "AerospikeCluster": K + "asdb.aerospike.com/v1:AerospikeCluster",
    "PerconaServerMongoDB": K + "psmdb.percona.com/v1:PerconaServerMongoDB",
}
MONITOR = K + "monitoring.coreos.com/v1:PodMonitor"
PRIORITY_CLASS = "dbaas-database"

INSTANCE = "app.kubernetes.io/instance"
YB_METRICS = "/prometheus-metrics"
EXPECTED = {
    # stack: {(tenant, instance): (CR kind, monitor matchLabels, {pod: [(port, path) scraped there]})}
    "lagos": {
        ("acme", "orders-yugabyte"): ("YBUniverse", {INSTANCE: "orders-yugabyte"}, {
            "yb-master": [("http-ui", YB_METRICS)],
            "yb-tserver": [("http-ysql-met", YB_METRICS), ("http-ui", YB_METRICS)]}),
        ("acme", "sessions-dragonfly"): ("Dragonfly", {"app": "sessions-dragonfly"}, {
            "dragonfly": [("admin", "/metrics")]}),
        ("kudi-pay", "ledger-vitess"): ("VitessCluster", {INSTANCE: "ledger-vitess"}, {
            "vtgate": [("web", "/metrics")], "vtctld": [("web", "/metrics")], "vtorc": [("web", "/metrics")],
            "vttablet": [("web", "/metrics")], "etcd": []}),
        ("kudi-pay", "wallets-mongodb"): ("PerconaServerMongoDB", {INSTANCE: "wallets-mongodb"}, {
            "mongod-rs0": [("metrics", "/metrics")]}),
        ("naija-stream", "events-scylla"): ("ScyllaCluster", {INSTANCE: "events-scylla"}, {
            "scylla": [("prometheus", "/metrics")]}),
        ("naija-stream", "cache-dragonfly"): ("Dragonfly", {"app": "cache-dragonfly"}, {
            "dragonfly": [("admin", "/metrics")]}),
    },
    "frankfurt": {
        ("bergbahn", "catalog-mongodb"): ("PerconaServerMongoDB", {INSTANCE: "catalog-mongodb"}, {
            "mongod-rs0": [("metrics", "/metrics")]}),
        ("bergbahn", "tracking-aerospike"): ("AerospikeCluster", {INSTANCE: "tracking-aerospike"}, {
            "aerospike": [("exporter", "/metrics")]}),
        ("hanse-ledger", "accounts-yugabyte"): ("YBUniverse", {INSTANCE: "accounts-yugabyte"}, {
            "yb-master": [("http-ui", YB_METRICS)],
            "yb-tserver": [("http-ysql-met", YB_METRICS), ("http-ui", YB_METRICS)]}),
        ("hanse-ledger", "audit-log-scylla"): ("ScyllaCluster", {INSTANCE: "audit-log-scylla"}, {
            "scylla": [("prometheus", "/metrics")]}),
        ("rhein-analytics", "reports-mongodb"): ("PerconaServerMongoDB", {INSTANCE: "reports-mongodb"}, {
            "mongod-rs0": [("metrics", "/metrics")]}),
    },
}

YB_MASTER_PORTS = {"http-ui", "tcp-rpc-port"}
YB_TSERVER_PORTS = {"http-ui", "tcp-rpc-port", "tcp-yql-port", "tcp-yedis-port", "tcp-ysql-port",
                    "http-ycql-met", "http-yedis-met", "http-ysql-met"}
VITESS_PORTS = {"vtgate": {"web", "grpc", "mysql"}, "vtctld": {"web", "grpc"}, "vtorc": {"web"},
                "vttablet": {"web", "grpc", "mysql", "metrics"}, "etcd": {"client", "peer"}}
SCYLLA_PORTS = {"intra-node", "tls-intra-node", "cql", "cql-ssl", "jmx", "prometheus", "node-exporter", "thrift"}


def sidecar_ports(containers: list[dict]) -> set[str]:
    return {p["name"] for c in containers for p in c.get("ports", [])}


def operator_pods(kind: str, cr: dict) -> dict[str, tuple[dict[str, str], set[str]]]:
    """The pods the operator makes from one CR: {pod: (labels, named container ports)}."""
    name, spec = cr["metadata"]["name"], cr["spec"]
    if kind == "YBUniverse":
        o = spec["kubernetesOverrides"]
        return {"yb-master": (o["master"]["podLabels"], YB_MASTER_PORTS),
                "yb-tserver": (o["tserver"]["podLabels"], YB_TSERVER_PORTS)}
    if kind == "VitessCluster":
        def pod(component: str, extra: dict) -> tuple[dict, set[str]]:
            own = {"planetscale.com/cluster": name, "planetscale.com/component": component}
            return {**own, **extra.get("extraLabels", {})}, VITESS_PORTS[component]
        [cell] = spec["cells"]
        [keyspace] = spec["keyspaces"]
        [pool] = keyspace["partitionings"][0]["equal"]["shardTemplate"]["tabletPools"]
        return {"vtgate": pod("vtgate", cell["gateway"]), "vtctld": pod("vtctld", spec["vitessDashboard"]),
                "vtorc": pod("vtorc", keyspace["vitessOrchestrator"]), "vttablet": pod("vttablet", pool),
                "etcd": pod("etcd", spec["globalLockserver"]["etcd"])}
    if kind == "ScyllaCluster":
        own = {"scylla/cluster": name, "app": "scylla", "app.kubernetes.io/name": "scylla",
               "app.kubernetes.io/managed-by": "scylla-operator"}
        return {"scylla": ({**cr["metadata"]["labels"], **own}, SCYLLA_PORTS)}
    if kind == "Dragonfly":
        own = {"app": name, "app.kubernetes.io/name": "dragonfly", "app.kubernetes.io/part-of": "dragonfly"}
        return {"dragonfly": ({**spec.get("labels", {}), **own}, {"redis", "admin"})}
    if kind == "AerospikeCluster":
        pod = spec["podSpec"]
        own = {"app": "aerospike-cluster", "aerospike.com/cr": name}
        return {"aerospike": ({**pod.get("metadata", {}).get("labels", {}), **own}, sidecar_ports(pod["sidecars"]))}
    if kind == "PerconaServerMongoDB":
        own = {INSTANCE: name, "app.kubernetes.io/name": "percona-server-mongodb",
               "app.kubernetes.io/managed-by": "percona-server-mongodb-operator",
               "app.kubernetes.io/part-of": "percona-server-mongodb", "app.kubernetes.io/component": "mongod"}
        return {f"mongod-{rs['name']}": ({**rs.get("labels", {}), **own, "app.kubernetes.io/replset": rs["name"]},
                                         sidecar_ports(rs.get("sidecars", [])))
                for rs in spec["replsets"]}
    raise AssertionError(kind)


@pytest.fixture(params=["lagos", "frankfurt"])
def stack(request, lagos_plan, frankfurt_plan):
    return request.param, {"lagos": lagos_plan, "frankfurt": frankfurt_plan}[request.param]


def engine_crs(plan) -> dict[tuple[str, str], tuple[str, dict]]:
    found = {}
    for kind, type_ in CR_TYPES.items():
        for reg in resources(plan, type_):
            meta = reg.inputs["metadata"]
            found[(meta["namespace"].removeprefix("t-"), meta["name"])] = (kind, reg.inputs)
    return found


def test_each_monitor_selects_the_pods_its_cr_labels_and_scrapes_their_ports(stack):
    name, plan = stack
    crs = engine_crs(plan)
    owner = plan.tenant_of()
    monitors = {(owner[m.urn], m.inputs["metadata"]["name"]): m.inputs for m in resources(plan, MONITOR)
                if m.urn in owner}  # the regional Kafka monitor belongs to no tenant
    assert set(monitors) == set(crs) == set(EXPECTED[name])
    for key, (kind, selector, scraped) in EXPECTED[name].items():
        monitor, (cr_kind, cr) = monitors[key], crs[key]
        assert cr_kind == kind
        spec = monitor["spec"]
        assert spec["selector"] == {"matchLabels": selector}, key
        endpoints = [(e["port"], e["path"]) for e in spec["podMetricsEndpoints"]]
        pods = operator_pods(kind, cr)
        selected = {pod: [e for e in endpoints if e[0] in ports]
                    for pod, (labels, ports) in pods.items() if selector.items() <= labels.items()}
        assert selected == scraped, key
        # Every endpoint finds its port on some selected pod: nothing is scraped from a port no pod has.
        assert {e for found in selected.values() for e in found} == set(endpoints), key
        assert validate_object(monitor) == [], key
        assert validate_object(cr) == [], key


def test_yugabyte_pods_carry_the_instance_label_on_masters_and_tservers(lagos_plan):
    [universe] = resources(lagos_plan, CR_TYPES["YBUniverse"])
    o = universe.inputs["spec"]["kubernetesOverrides"]
    expected = {"app.kubernetes.io/part-of": "orders-yugabyte", INSTANCE: "orders-yugabyte",
                "dbaas.io/tenant": "acme", "dbaas.io/service": "orders", "dbaas.io/engine": "yugabyte"}
    assert o["master"]["podLabels"] == o["tserver"]["podLabels"] == expected


def test_vitess_labels_every_component_that_has_extra_labels(lagos_plan):
    [cluster] = resources(lagos_plan, CR_TYPES["VitessCluster"])
    spec = cluster.inputs["spec"]
    expected = {INSTANCE: "ledger-vitess", "dbaas.io/tenant": "kudi-pay", "dbaas.io/service": "ledger",
                "dbaas.io/engine": "vitess"}
    [keyspace] = spec["keyspaces"]
    components = [spec["cells"][0]["gateway"], spec["vitessDashboard"], keyspace["vitessOrchestrator"],
                  spec["globalLockserver"]["etcd"],
                  keyspace["partitionings"][0]["equal"]["shardTemplate"]["tabletPools"][0]]
    assert [c["extraLabels"] for c in components] == [expected] * 5


def test_dragonfly_pods_get_platform_labels_but_not_the_operators_reserved_key(lagos_plan):
    by_name = {r.inputs["metadata"]["name"]: r.inputs["spec"] for r in resources(lagos_plan, CR_TYPES["Dragonfly"])}
    assert by_name["sessions-dragonfly"]["labels"] == {
        "dbaas.io/tenant": "acme", "dbaas.io/service": "sessions", "dbaas.io/engine": "dragonfly"}
    assert by_name["cache-dragonfly"]["labels"] == {
        "dbaas.io/tenant": "naija-stream", "dbaas.io/service": "cache", "dbaas.io/engine": "dragonfly"}


def test_mongodb_exporter_sidecar(lagos_plan):
    [psmdb] = resources(lagos_plan, CR_TYPES["PerconaServerMongoDB"])
    [rs] = psmdb.inputs["spec"]["replsets"]
    assert rs["labels"] == {INSTANCE: "wallets-mongodb", "dbaas.io/tenant": "kudi-pay",
                            "dbaas.io/service": "wallets", "dbaas.io/engine": "mongodb"}
    [sidecar] = rs["sidecars"]
    # Helper-sized, like the backup agent sidecar (requests and limits, so the pod keeps its QoS class).
    assert sidecar.pop("resources") == psmdb.inputs["spec"]["backup"]["resources"]
    secret = "wallets-mongodb-credentials"
    assert sidecar == {
        "name": "mongodb-exporter",
        "image": "docker.io/percona/mongodb_exporter:0.44.0",
        "args": ["--web.listen-address=:9216", "--web.telemetry-path=/metrics", "--collector.diagnosticdata",
                 "--collector.replicasetstatus", "--collector.dbstats", "--compatible-mode"],
        "ports": [{"name": "metrics", "containerPort": 9216, "protocol": "TCP"}],
        "env": [
            {"name": "MONGODB_URI", "value": "mongodb://localhost:27017/?tls=true&tlsCAFile=/etc/mongodb-ssl/ca.crt"
                                             "&tlsCertificateFile=/etc/mongodb-ssl/tls.crt"
                                             "&tlsPrivateKeyFile=/etc/mongodb-ssl/tls.key"},
            {"name": "MONGODB_USER", "valueFrom": {"secretKeyRef": {"name": secret, "key": "MONGODB_CLUSTER_MONITOR_USER"}}},
            {"name": "MONGODB_PASSWORD",
             "valueFrom": {"secretKeyRef": {"name": secret, "key": "MONGODB_CLUSTER_MONITOR_PASSWORD"}}},
        ],
        "volumeMounts": [{"name": "ssl", "mountPath": "/etc/mongodb-ssl", "readOnly": True}],
        "securityContext": {
            "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}, "runAsNonRoot": True,
            "runAsUser": 1001, "runAsGroup": 1001, "seccompProfile": {"type": "RuntimeDefault"},
            "readOnlyRootFilesystem": True},
    }
    # The users Secret the operator reads holds the monitor user; the plan never shows its values.
    [creds] = [r for r in resources(lagos_plan, K + "core/v1:Secret")
               if r.inputs["metadata"]["name"] == secret]
    assert psmdb.inputs["spec"]["secrets"]["users"] == secret
    assert creds.inputs["stringData"] == "[secret]"


def test_priority_class_on_every_field_the_crds_have(stack):
    name, plan = stack
    [pc] = [r for r in resources(plan, K + "scheduling.k8s.io/v1:PriorityClass")
            if r.inputs["metadata"]["name"] == PRIORITY_CLASS]
    assert (pc.inputs["value"], pc.inputs["preemptionPolicy"]) == (100_000, "PreemptLowerPriority")
    checked = 0
    for reg in resources(plan, CR_TYPES["Dragonfly"]):
        assert reg.inputs["spec"]["priorityClassName"] == PRIORITY_CLASS
        checked += 1
    for reg in resources(plan, CR_TYPES["PerconaServerMongoDB"]):
        assert [rs["priorityClassName"] for rs in reg.inputs["spec"]["replsets"]] == [PRIORITY_CLASS]
        checked += 1
    jobs = [j for j in resources(plan, K + "batch/v1:Job") if j.inputs["metadata"]["namespace"].startswith("t-")]
    for job in jobs:
        assert job.inputs["spec"]["template"]["spec"]["priorityClassName"] == PRIORITY_CLASS
        assert validate_object(job.inputs) == []
        checked += 1
    assert checked == {"lagos": 2 + 1 + 1, "frankfurt": 2 + 1}[name]


@pytest.mark.parametrize("path", [
    "operator.yugabyte.io/ybuniverse_v1alpha1.json",
    "planetscale.com/vitesscluster_v2.json",
    "scylla.scylladb.com/scyllacluster_v1.json",
    "asdb.aerospike.com/aerospikecluster_v1.json",
    "asdb.aerospike.com/aerospikebackupservice_v1beta1.json",
])
def test_engines_left_without_priority_class_have_no_field_for_it(path):
    """The README lists these as gaps; the day a schema gains the field, this fails."""
    assert "priorityClassName" not in (crd_schema_dir() / path).read_text()


def test_the_psmdb_and_dragonfly_crds_have_the_fields_used():
    schemas = {p: json.loads((crd_schema_dir() / p).read_text()) for p in (
        "psmdb.percona.com/perconaservermongodb_v1.json", "dragonflydb.io/dragonfly_v1alpha1.json")}
    rs = schemas["psmdb.percona.com/perconaservermongodb_v1.json"]["properties"]["spec"]["properties"]["replsets"]["items"]
    assert {"labels", "priorityClassName", "sidecars"} <= set(rs["properties"])
    df = schemas["dragonflydb.io/dragonfly_v1alpha1.json"]["properties"]["spec"]["properties"]
    assert {"labels", "priorityClassName"} <= set(df)
