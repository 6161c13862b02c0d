"""What the processes that move data need at the pins, for Aerospike, ScyllaDB and Vitess, built from one inline
tenant through the offline runner: the Aerospike backup service speaks TLS to the cluster, Aerospike CDC ships over
XDR to its connector, Scylla Manager holds each cluster's CQL credentials and reaches CQL where the operator
registered it, and Vitess makes no retention claim the operator ignores."""

from __future__ import annotations

import pytest

from declarations.engine_catalog import BACKUP_RETENTION, ENGINE_SPECS, SUPPORTED_VERSIONS, EngineName
from tests.conftest import one, plan_with_tenants, resources

VITESS = SUPPORTED_VERSIONS[EngineName.vitess][-1]
"""The newest Vitess version the catalog supports (the pin moves with the operator)."""
TENANT = f"""\
id: vsa
name: VSA
org: vsa
plan: enterprise
data_region: lagos
owners: [vsa-admins]
data_classes: [operational]
services:
  - {{name: kv, engine: aerospike, version: "7.2", topology: single, replicas: 1, storage_gb: 50,
     backups: {{schedule: "0 2 * * *", retention_days: 30}}, cdc: true}}
  - {{name: kv2, engine: aerospike, version: "7.1", topology: single, replicas: 1, storage_gb: 50,
     backups: {{schedule: "0 2 * * *", retention_days: 30}}}}
  - {{name: wide, engine: scylla, version: "6.2", topology: single, replicas: 1, storage_gb: 50,
     backups: {{schedule: "0 2 * * *", retention_days: 30}}}}
  - {{name: wide-clone, engine: scylla, version: "6.2", topology: single, replicas: 1, storage_gb: 50,
     restore_from: {{service: wide}}}}
  - {{name: sql, engine: vitess, version: "{VITESS}", topology: single, replicas: 1, storage_gb: 50,
     backups: {{schedule: "0 2 * * *", retention_days: 30}}}}
"""
JOB = "kubernetes:batch/v1:Job"


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    tree = tmp_path_factory.mktemp("vsa") / "tenants"
    (tree / "lagos").mkdir(parents=True)
    (tree / "lagos" / "vsa.yaml").write_text(TENANT, encoding="utf-8")
    return plan_with_tenants("lagos", tree)


def _inputs(plan, type_: str, name: str) -> dict:
    return one(plan, type_, "vsa", name).inputs


# --- Aerospike: the backup service and the cluster. ---

def test_aerospike_backup_service_connects_with_tls_to_the_only_port_the_cluster_listens_on(plan):
    cluster = _inputs(plan, "kubernetes:asdb.aerospike.com/v1:AerospikeCluster", "vsa.kv2.aerospikecluster")
    network = cluster["spec"]["aerospikeConfig"]["network"]
    assert network["service"] == {"tls-name": "kv2-aerospike", "tls-port": 4333, "tls-authenticate-client": "false"}
    backup = _inputs(plan, "kubernetes:asdb.aerospike.com/v1beta1:AerospikeBackup", "vsa.kv2.backup")
    assert backup["spec"]["config"]["aerospike-cluster"] == {"t-vsa-kv2-aerospike-backup-cluster": {
        "credentials": {"user": "admin", "password-path": "/etc/aerospike/credentials/password"},
        "seed-nodes": [{"host-name": "kv2-aerospike.t-vsa.svc.cluster.local", "port": 4333,
                        "tls-name": "kv2-aerospike"}],
        "tls": {"ca-file": "/etc/aerospike/tls/ca.crt"},
    }}
    service = _inputs(plan, "kubernetes:asdb.aerospike.com/v1beta1:AerospikeBackupService", "vsa.kv2.backup-service")
    # The CA file is the `ca.crt` of the cert-manager Secret whose certificate the cluster serves (tls-name kv2-aerospike).
    assert service["spec"]["secrets"] == [
        {"secretName": "kv2-aerospike-credentials",
         "volumeMount": {"name": "credentials", "mountPath": "/etc/aerospike/credentials", "readOnly": True}},
        {"secretName": "kv2-aerospike-tls",
         "volumeMount": {"name": "tls", "mountPath": "/etc/aerospike/tls", "readOnly": True}}]
    certificate = _inputs(plan, "kubernetes:cert-manager.io/v1:Certificate", "vsa.kv2.tls-certificate")
    assert certificate["spec"]["secretName"] == "kv2-aerospike-tls"
    assert "kv2-aerospike" in certificate["spec"]["dnsNames"]
    assert network["tls"] == [{"name": "kv2-aerospike", "cert-file": "/etc/aerospike/tls/tls.crt",
                               "key-file": "/etc/aerospike/tls/tls.key", "ca-file": "/etc/aerospike/tls/ca.crt"}]


def test_aerospike_cdc_ships_its_namespace_over_xdr_to_its_outbound_connector(plan):
    cluster = _inputs(plan, "kubernetes:asdb.aerospike.com/v1:AerospikeCluster", "vsa.kv.aerospikecluster")
    connector = _inputs(plan, "kubernetes:core/v1:Service", "vsa.kv.xdr-service")
    name, namespace = connector["metadata"]["name"], connector["metadata"]["namespace"]
    assert (namespace, connector["spec"]["ports"]) == ("kafka", [{"name": "xdr", "port": 8080, "targetPort": "xdr"}])
    assert cluster["spec"]["aerospikeConfig"]["xdr"] == {"dcs": [{
        "name": "kafka",
        "connector": True,
        "node-address-ports": [f"{name}.kafka.svc 8080"],
        "namespaces": [{"name": "kv"}],
    }]}
    assert name.startswith("xdr-vsa-kv-")
    # The tenant namespace lets its pods push to exactly that connector on 8080.
    egress = _inputs(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "vsa.netpol-allow-aerospike-xdr-egress")
    assert egress["spec"]["egress"][0]["to"][0]["podSelector"]["matchExpressions"][0]["values"] == [name]
    assert egress["spec"]["egress"][0]["ports"] == [{"protocol": "TCP", "port": 8080}]


def test_aerospike_without_cdc_declares_no_xdr(plan):
    cluster = _inputs(plan, "kubernetes:asdb.aerospike.com/v1:AerospikeCluster", "vsa.kv2.aerospikecluster")
    assert "xdr" not in cluster["spec"]["aerospikeConfig"]


# --- ScyllaDB: the admin password, Scylla Manager's CQL credentials, the restore after them. ---

MANAGER_IMAGE = ("docker.io/scylladb/scylla-manager:3.4.0"
                 "@sha256:6424c36929b39ef4e679ee7d61578b1070e28c186b23b278147fde8e391d9db1")


def test_scylla_admin_password_job_waits_for_cql_and_verifies_with_the_operators_ca(plan):
    from components.engines.scylla import ADMIN_PASSWORD_SCRIPT

    job = one(plan, JOB, "vsa", "vsa.wide.set-admin-password")
    pod = job.inputs["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["command"] == ["sh", "-c", ADMIN_PASSWORD_SCRIPT]
    assert "until cqlsh" in ADMIN_PASSWORD_SCRIPT and "sleep 15" in ADMIN_PASSWORD_SCRIPT
    assert container["env"] == [
        {"name": "ADMIN_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "wide-scylla-credentials", "key": "password"}}},
        {"name": "SSL_CERTFILE", "value": "/tls/ca.crt"},
        {"name": "CQL_HOST", "value": "wide-scylla-client.t-vsa.svc.cluster.local"},
        {"name": "CQL_PORT", "value": "9142"},
    ]
    # scylla-operator v1.15.0 publishes the serving CA as the ConfigMap <cluster>-local-serving-ca, key ca-bundle.crt
    # (its Secret of that name holds tls.crt/tls.key, no ca.crt).
    assert pod["volumes"] == [{"name": "tls", "configMap": {
        "name": "wide-scylla-local-serving-ca", "items": [{"key": "ca-bundle.crt", "path": "ca.crt"}]}}]
    assert job.inputs["spec"]["activeDeadlineSeconds"] == 21600  # the wait is bounded: the Job, and the up, fail
    cluster = one(plan, "kubernetes:scylla.scylladb.com/v1:ScyllaCluster", "vsa", "vsa.wide.scyllacluster")
    assert cluster.urn in job.dependencies
    # Not a waitFor on the ScyllaCluster: its conditions carry the ScyllaDBDatacenter's generation (see scylla.py).
    assert "pulumi.com/waitFor" not in cluster.inputs["metadata"].get("annotations", {})


def test_scylla_manager_gets_the_cql_credentials_from_a_job_beside_it(plan):
    from components.engines.scylla import MANAGER_CQL_SCRIPT

    name = "t-vsa-wide-scylla-manager-cql"
    job = one(plan, JOB, "vsa", "vsa.wide.manager-cql")
    assert (job.inputs["metadata"]["name"], job.inputs["metadata"]["namespace"]) == (name, "scylla-manager")
    pod = job.inputs["spec"]["template"]["spec"]
    assert (pod["serviceAccountName"], pod["automountServiceAccountToken"]) == (name, False)
    assert "volumes" not in pod
    container = pod["containers"][0]
    assert (container["image"], container["command"]) == (MANAGER_IMAGE, ["sh", "-c", MANAGER_CQL_SCRIPT])
    assert container["env"] == [
        {"name": "SCYLLA_MANAGER_API_URL", "value": "http://scylla-manager.scylla-manager.svc/api/v1"},
        {"name": "CLUSTER", "value": "t-vsa/wide-scylla"},
        {"name": "CQL_USERNAME", "valueFrom": {"secretKeyRef": {"name": name, "key": "username"}}},
        {"name": "CQL_PASSWORD", "valueFrom": {"secretKeyRef": {"name": name, "key": "password"}}},
        {"name": "HOME", "value": "/tmp"},
    ]
    secret = one(plan, "kubernetes:core/v1:Secret", "vsa", "vsa.wide.manager-cql-credentials")
    assert (secret.inputs["metadata"]["name"], secret.inputs["metadata"]["namespace"]) == (name, "scylla-manager")
    assert secret.inputs["stringData"] == "[secret]"  # the plan redacts the copy of the admin password
    admin = one(plan, JOB, "vsa", "vsa.wide.set-admin-password")
    policy = one(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "vsa", "vsa.wide.manager-cql-netpol")
    assert policy.inputs["spec"]["podSelector"] == {"matchLabels": {"batch.kubernetes.io/job-name": name}}
    assert {admin.urn, secret.urn, policy.urn} <= set(job.dependencies)


def test_scylla_restore_runs_after_the_manager_holds_the_new_clusters_credentials(plan):
    restore = one(plan, JOB, "vsa", "vsa.wide-clone.restore")
    credentials = one(plan, JOB, "vsa", "vsa.wide-clone.manager-cql")
    assert credentials.urn in restore.dependencies
    assert restore.retain_on_delete and not credentials.retain_on_delete


def test_scylla_manager_reaches_cql_on_the_plain_port_the_operator_registers(plan):
    """ForceTLSDisabled + ForceNonSslSessionPort (scylla-operator v1.15.0 sync_action.go:55-56): the manager dials 9042."""
    manager = [r for r in resources(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy")
               if r.inputs["metadata"].get("namespace") == "scylla-manager"
               and r.inputs["metadata"]["name"] == "allow-instances-egress"]
    assert len(manager) == 1
    assert manager[0].inputs["spec"]["egress"][0]["ports"] == [
        {"protocol": "TCP", "port": 9042}, {"protocol": "TCP", "port": 10001}]


# --- Vitess: retention. ---

def test_vitess_claims_no_retention_the_operator_ignores(plan):
    spec = _inputs(plan, "kubernetes:planetscale.com/v2:VitessCluster", "vsa.sql.vitesscluster")["spec"]
    strategy = spec["backup"]["schedules"][0]["strategies"]
    assert strategy == [{"name": "keyspace", "keyspace": "sql", "shard": "-"}]
    pool = spec["keyspaces"][0]["partitionings"][0]["equal"]["shardTemplate"]["tabletPools"][0]
    assert "vtbackupExtraFlags" not in pool["vttablet"]
    assert BACKUP_RETENTION[EngineName.vitess].startswith("not enforced by the engine")
    assert "--min_retention_time=0" in BACKUP_RETENTION[EngineName.vitess]


def test_every_object_of_the_tenant_validates_strictly(plan):
    from tools.kubernetes.validation import kubernetes_objects, validate_object

    owner = plan.tenant_of()
    objects = [(urn, obj) for urn, obj in kubernetes_objects(plan.registrations) if owner.get(urn) == "vsa"]
    assert {"AerospikeCluster", "AerospikeBackupService", "AerospikeBackup", "ScyllaCluster", "VitessCluster", "Job",
            "Secret", "ServiceAccount", "NetworkPolicy"} <= {obj["kind"] for _, obj in objects}
    assert {urn: validate_object(obj) for urn, obj in objects if validate_object(obj)} == {}


def _run_admin_password(tmp_path, down: int, current: str):
    from components.engines.scylla import ADMIN_PASSWORD_SCRIPT
    import subprocess

    from tests.fakes import fake_path

    calls, password = tmp_path / "cqlsh-calls", tmp_path / "password"
    password.write_text(current)
    env = {"PATH": fake_path(), "FAKE_CQLSH_CALLS": str(calls), "FAKE_CQLSH_DOWN": str(down),
           "FAKE_CQLSH_PASSWORD": str(password), "ADMIN_PASSWORD": "generated-pw", "SSL_CERTFILE": "/tls/ca.crt",
           "CQL_HOST": "wide-scylla-client.t-vsa.svc.cluster.local", "CQL_PORT": "9142"}
    result = subprocess.run(["sh", "-c", ADMIN_PASSWORD_SCRIPT], env=env, capture_output=True, text=True, timeout=20)
    return result, calls.read_text().splitlines(), password.read_text()


SELECT = "SELECT release_version FROM system.local"
ALTER = "ALTER ROLE cassandra WITH PASSWORD = 'generated-pw'"


def test_scylla_admin_password_script_waits_while_the_cluster_starts(tmp_path):
    """The old Job gave up after four refused connections; this one polls until CQL answers, then sets the password."""
    result, calls, password = _run_admin_password(tmp_path, down=6, current="cassandra")
    assert result.returncode == 0, result.stderr
    assert calls == [f"cassandra {SELECT}", f"cassandra {ALTER}"] * 3 + [f"cassandra {SELECT}", f"cassandra {ALTER}"]
    assert password == "generated-pw"
    assert result.stdout.count("waiting for wide-scylla-client.t-vsa.svc.cluster.local:9142 to accept CQL") == 3


def test_scylla_admin_password_script_is_done_when_the_password_is_already_set(tmp_path):
    """A re-run (the Job replaced, the cluster long up) changes nothing and succeeds."""
    result, calls, password = _run_admin_password(tmp_path, down=0, current="generated-pw")
    assert (result.returncode, calls, password) == (0, [f"cassandra {SELECT}"], "generated-pw")


def test_vitess_runs_vtbackup_and_restores_in_images_that_carry_xtrabackup(plan):
    """vtbackup runs inside the mysqld image and restores run in vttablet (vitess-operator v2.17.0
    vtbackup_pod.go:179-186): with engine xtrabackup both are the `-mysql80` variant, as in the operator's own
    xtrabackup clusters (test/endtoend/operator/101_initial_cluster_backup.yaml)."""
    spec = _inputs(plan, "kubernetes:planetscale.com/v2:VitessCluster", "vsa.sql.vitesscluster")["spec"]
    assert spec["backup"]["engine"] == "xtrabackup"
    image = ENGINE_SPECS[EngineName.vitess].images[VITESS]
    with_xtrabackup = image if image.endswith("-mysql80") else f"{image}-mysql80"
    assert spec["images"] == {
        "vtctld": image, "vtgate": image, "vtorc": image, "vttablet": with_xtrabackup, "vtbackup": with_xtrabackup,
        "mysqld": {"mysql80Compatible": with_xtrabackup}, "mysqldExporter": "prom/mysqld-exporter:v0.15.1"}
    assert with_xtrabackup.startswith("vitess/lite:v") and with_xtrabackup.endswith("-mysql80")


def test_vitess_backups_fall_to_the_buckets_tenant_key(plan):
    """`--s3_backup_server_side_encryption=aws:kms` names no key, and S3 then uses the AWS managed aws/s3 key: the
    cluster sends no encryption header, so the bucket's default (SSE-KMS, tenant key) applies."""
    spec = _inputs(plan, "kubernetes:planetscale.com/v2:VitessCluster", "vsa.sql.vitesscluster")["spec"]
    assert "extraVitessFlags" not in spec
    encryption = _inputs(plan, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                         "vsa.backups-encryption")
    default = encryption["rules"][0]["applyServerSideEncryptionByDefault"]
    assert default["sseAlgorithm"] == "aws:kms"
    assert default["kmsMasterKeyId"].startswith("arn:aws:kms:af-south-1:111122223333:key/")  # the tenant key, not aws/s3
    assert encryption["bucket"] == spec["backup"]["locations"][0]["s3"]["bucket"]


def test_a_version_image_that_already_carries_xtrabackup_is_used_as_it_is():
    """The catalog may pin the `-mysql80` variant itself (the operator's own default image is one): no double suffix."""
    from components.engines.vitess import xtrabackup_image

    assert xtrabackup_image("vitess/lite:v24.0.0-mysql80") == "vitess/lite:v24.0.0-mysql80"
    assert xtrabackup_image("vitess/lite:v20.0.5") == "vitess/lite:v20.0.5-mysql80"


def test_vitess_backup_pods_identity_is_the_tenants_irsa_service_account(plan):
    """The ServiceAccount the vendored operator names for Vitess pods exists in the tenant namespace with the tenant
    role, the role trusts exactly it, and the objects the platform itself names use it too."""
    import json

    from components.engines.vitess import POD_SERVICE_ACCOUNT

    account = _inputs(plan, "kubernetes:core/v1:ServiceAccount", "vsa.workload-sa")
    assert (account["metadata"]["name"], account["metadata"]["namespace"]) == (POD_SERVICE_ACCOUNT, "t-vsa")
    role = one(plan, "aws:iam/role:Role", "vsa")
    assert account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"].endswith(":role/" + role.inputs["name"])
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
    subjects = next(v for k, v in trust["Condition"]["StringEquals"].items() if k.endswith(":sub"))
    assert f"system:serviceaccount:t-vsa:{POD_SERVICE_ACCOUNT}" in (subjects if isinstance(subjects, list) else [subjects])
    spec = _inputs(plan, "kubernetes:planetscale.com/v2:VitessCluster", "vsa.sql.vitesscluster")["spec"]
    assert spec["backup"]["subcontroller"] == {"serviceAccountName": POD_SERVICE_ACCOUNT}
