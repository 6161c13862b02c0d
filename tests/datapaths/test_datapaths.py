"""`dbaas datapaths`: every backup/restore path of the shipped plans, and what breaks them (issue 20)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from dbaas.cli import main
from tools.datapaths.command import evaluate
from tools.datapaths.plan_view import PlanView

ACME_BUCKET = "dbaas-acme-0d37ebf7"
KUDI_BUCKET = "dbaas-kudi-pay-3c5aea6d"

# Broken on this branch, each for an open finding of issue 20 (or a new one found by this model): the
# integrator empties these sets as the fixes merge.
PSMDB_OPERATOR = {("psmdb-operator", "restore validation read"), ("psmdb-operator", "retention delete")}
"""psmdb-operator 1.19.1 validates restores and prunes from its own pod, which has no IRSA role."""
YBA = {("yugaware", "storage config validation")}
"""YBA validates USE_IAM storage configs with its own identity, which has no tenant access."""
VITESS_DEFAULT_SA = {("vttablet", "restore read"), ("vtbackup", "backup write"), ("vtbackup", "retention delete")}
"""vitess-operator v2.17.0 runs tablets and vtbackup as the namespace's `default` ServiceAccount."""
SCYLLA_CQL = {("scylla-manager", "CQL (schema backup and restore)")}
"""scylla-operator v1.15.0 registers clusters in Manager without CQL credentials."""
CNPG_IMAGE = {("barman-cloud", "WAL archive"), ("barman-cloud", "base backup write"), ("barman-cloud", "recovery read")}
"""The 17.5-standard-bookworm image has no barman-cloud."""

EXPECTED_BROKEN = {
    "lagos": {
        *(("kudi-pay", "wallets", *p) for p in PSMDB_OPERATOR),
        *(("acme", "orders", *p) for p in YBA),
        *(("kudi-pay", "ledger", *p) for p in VITESS_DEFAULT_SA),
        *(("naija-stream", "events", *p) for p in SCYLLA_CQL),
        *(("(platform)", "controlplane-pg", *p) for p in CNPG_IMAGE),
    },
    "frankfurt": {
        *(("bergbahn", "catalog", *p) for p in PSMDB_OPERATOR),
        *(("rhein-analytics", "reports", *p) for p in PSMDB_OPERATOR),
        *(("hanse-ledger", "accounts", *p) for p in YBA),
        *(("hanse-ledger", "audit-log", *p) for p in SCYLLA_CQL),
        ("bergbahn", "tracking", "aerospike-backup-service", "cluster (backup and restore)"),  # plain TCP to TLS 4333
        *(("(platform)", "controlplane-pg", *p) for p in CNPG_IMAGE),
    },
}


@pytest.fixture(scope="module")
def documents(lagos_plan, frankfurt_plan) -> dict[str, dict]:
    return {"lagos": lagos_plan.to_preview_json(), "frankfurt": frankfurt_plan.to_preview_json()}


def paths_of(document: dict):
    return evaluate(PlanView.from_json(document))


def find(paths, tenant, actor, operation, target_part=""):
    return next(p for p in paths if p.tenant == tenant and p.actor == actor and p.operation == operation
                and target_part in p.target)


def steps(document: dict, logical_name: str) -> dict:
    return next(s["newState"]["inputs"] for s in document["steps"] if s["urn"].endswith("::" + logical_name))


@pytest.mark.parametrize("region", ["lagos", "frankfurt"])
def test_broken_paths_are_exactly_the_open_findings(documents, region):
    paths = paths_of(documents[region])
    assert {(p.tenant, p.service, p.actor, p.operation) for p in paths if p.broken} == EXPECTED_BROKEN[region]
    assert not [p for p in paths if p.leak]
    engines = {p.engine for p in paths if p.required}
    expected = {"lagos": {"mongodb", "yugabyte", "vitess", "scylla", "dragonfly", "kafka", "controlplane"},
                "frankfurt": {"mongodb", "yugabyte", "scylla", "aerospike", "kafka", "controlplane"}}[region]
    assert engines == expected


def test_representative_verdicts_lagos(documents):
    paths = paths_of(documents["lagos"])
    load = find(paths, "acme", "dragonfly", "snapshot load")
    assert load.allowed and [h.kind for h in load.hops] == ["image", "network", "iam"]
    assert load.hops[1].why == "egress to AWS HTTPS 443: t-acme/allow-aws-https-egress"
    assert load.hops[2].why == ("t-acme/tenant-workload -> dbaas-tenant-acme: s3:GetObject, s3:ListBucket, "
                                "kms:Decrypt allowed")
    pbm = find(paths, "kudi-pay", "pbm-agent", "backup write")
    assert pbm.allowed, pbm.hops
    agent = find(paths, "naija-stream", "scylla-manager-agent", "backup write")
    assert agent.allowed and agent.hops[2].why.startswith("t-naija-stream/events-scylla-member -> dbaas-tenant-naija-stream")
    vtbackup = find(paths, "kudi-pay", "vtbackup", "backup write")
    assert [(h.kind, h.allowed, h.why) for h in vtbackup.hops if not h.allowed] == [
        ("image", False, "xtrabackup not in mysql:8.0.40 (planetscale/vitess-operator@v2.17.0 "
                         "pkg/operator/vttablet/vtbackup_pod.go:182)"),
        ("iam", False, "ServiceAccount t-kudi-pay/default has no eks.amazonaws.com/role-arn annotation")]
    sink = find(paths, "acme", "kafka-connect-s3-sink", "audit archive write")
    assert sink.allowed and sink.hops[-1].why == (
        "kafka/dbaas-connect-connect -> dbaas-kafka-connect -> sts:AssumeRole dbaas-tenant-acme (external id acme): "
        "s3:PutObject, s3:ListBucket, kms:GenerateDataKey allowed")
    ybc = find(paths, "acme", "yb-controller", "backup write")
    assert ybc.allowed and ybc.hops[-1].why == ("t-acme/tenant-workload -> dbaas-tenant-acme: s3:PutObject, "
                                                "s3:ListBucket, kms:GenerateDataKey allowed")
    cql = find(paths, "naija-stream", "scylla-manager", "CQL (schema backup and restore)")
    assert [(h.kind, h.allowed) for h in cql.hops] == [("network", True), ("tls", True), ("credentials", False)]
    wal = find(paths, "(platform)", "barman-cloud", "WAL archive")
    assert wal.failing().kind == "image"
    cross = find(paths, "acme", "tenant acme", "reach other tenant's data", KUDI_BUCKET)
    assert not cross.required and not cross.allowed
    assert cross.target == f"kudi-pay: s3://{KUDI_BUCKET}, key 6c909002-2c15-5875-bea1-af54204639ec, 2 database(s)"
    assert [h.as_json() for h in cross.hops] == [
        {"kind": "iam", "allowed": False,
         "why": "dbaas-tenant-acme: no statement of its identity policy or of the other tenant's bucket or key policy "
                "allows list, read or write"},
        {"kind": "iam", "allowed": False,
         "why": "kafka-connect with external id acme: the other tenant's role does not trust that external id"},
        {"kind": "network", "allowed": False,
         "why": "no egress rule of allow-aws-https-egress, allow-dns, allow-kafka-egress, allow-same-namespace, "
                "allow-telemetry-egress, default-deny-all in t-acme names the other tenant's namespace"}]


def test_aerospike_backup_service_plain_tcp_to_tls_listener(documents):
    paths = paths_of(documents["frankfurt"])
    conn = find(paths, "bergbahn", "aerospike-backup-service", "cluster (backup and restore)")
    assert conn.failing().as_json() == {"kind": "tls", "allowed": False,
                                        "why": "client speaks plain TCP to a listener on 4333 that requires TLS"}
    fixed = copy.deepcopy(documents["frankfurt"])
    backup = steps(fixed, "bergbahn.tracking.backup")
    for cluster in backup["spec"]["config"]["aerospike-cluster"].values():
        cluster["tls"] = {"ca-file": "/etc/aerospike/tls/ca.crt"}
    assert find(paths_of(fixed), "bergbahn", "aerospike-backup-service", "cluster (backup and restore)").allowed


def test_removing_the_irsa_annotation_breaks_the_tenant_paths(documents):
    mutated = copy.deepcopy(documents["lagos"])
    steps(mutated, "acme.workload-sa")["metadata"].pop("annotations")
    path = find(paths_of(mutated), "acme", "dragonfly", "snapshot load")
    assert path.broken
    assert path.failing().why == "ServiceAccount t-acme/tenant-workload has no eks.amazonaws.com/role-arn annotation"


def test_a_deny_all_role_policy_breaks_the_tenant_paths(documents):
    mutated = copy.deepcopy(documents["lagos"])
    steps(mutated, "acme.role-access")["policy"] = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]})
    path = find(paths_of(mutated), "acme", "dragonfly", "snapshot load")
    assert path.broken
    assert path.failing().why == (f"dbaas-tenant-acme: s3:GetObject on arn:aws:s3:::{ACME_BUCKET}/x/object denied "
                                  "(identity policy, bucket policy)")


def test_a_bucket_policy_granting_another_tenant_is_a_leak(documents):
    mutated = copy.deepcopy(documents["lagos"])
    policy = json.loads(steps(mutated, "kudi-pay.backups-policy")["policy"])
    policy["Statement"].append({"Sid": "Oops", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/dbaas-tenant-acme"},
                                "Action": ["s3:GetObject", "s3:ListBucket"],
                                "Resource": [f"arn:aws:s3:::{KUDI_BUCKET}", f"arn:aws:s3:::{KUDI_BUCKET}/*"]})
    steps(mutated, "kudi-pay.backups-policy")["policy"] = json.dumps(policy)
    leaks = [p for p in paths_of(mutated) if p.leak]
    assert [(p.tenant, p.operation, p.target.split(",")[0]) for p in leaks] == [
        ("acme", "reach other tenant's data", f"kudi-pay: s3://{KUDI_BUCKET}")]
    # The object reads still need the kudi-pay key, whose policy names only the kudi-pay role: listing leaks.
    assert leaks[0].failing().as_json() == {
        "kind": "iam", "allowed": True,
        "why": "list: dbaas-tenant-acme: s3:ListBucket allowed"}


def test_an_identity_policy_reaching_another_tenant_is_a_leak(documents):
    mutated = copy.deepcopy(documents["lagos"])
    policy = json.loads(steps(mutated, "acme.role-access")["policy"])
    policy["Statement"].append({"Effect": "Allow", "Action": "s3:*", "Resource": ["arn:aws:s3:::dbaas-*", "arn:aws:s3:::dbaas-*/*"]})
    steps(mutated, "acme.role-access")["policy"] = json.dumps(policy)
    leaks = [p for p in paths_of(mutated) if p.leak]
    assert [(p.tenant, p.target.split(",")[0]) for p in leaks] == [
        ("acme", f"kudi-pay: s3://{KUDI_BUCKET}"), ("acme", "naija-stream: s3://dbaas-naija-stream-bfcd6378")]
    assert leaks[0].failing().why == "list: dbaas-tenant-acme: s3:ListBucket allowed"


def test_leaks_are_named_on_the_human_output(documents, tmp_path: Path, capsys):
    mutated = copy.deepcopy(documents["lagos"])
    policy = json.loads(steps(mutated, "acme.role-access")["policy"])
    policy["Statement"].append({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{KUDI_BUCKET}"})
    steps(mutated, "acme.role-access")["policy"] = json.dumps(policy)
    plan = tmp_path / "mutated.json"
    plan.write_text(json.dumps(mutated))
    assert main(["datapaths", "lagos", "--plan", str(plan)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert (f"LEAK acme - tenant acme: reach other tenant's data -> kudi-pay: s3://{KUDI_BUCKET}, key "
            "6c909002-2c15-5875-bea1-af54204639ec, 2 database(s): iam: list: dbaas-tenant-acme: s3:ListBucket allowed") in out
    assert out[-1] == "27 required path(s), 10 broken; 6 cross-tenant path(s) checked, 1 leaking"


def test_cli_json_and_exit_codes(documents, tmp_path: Path, capsys):
    plan = tmp_path / "lagos.json"
    plan.write_text(json.dumps(documents["lagos"]))
    assert main(["datapaths", "lagos", "--plan", str(plan), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"paths", "broken", "leaks"}
    assert out["broken"] == len(EXPECTED_BROKEN["lagos"]) and out["leaks"] == 0
    assert set(out["paths"][0]) == {"tenant", "service", "engine", "actor", "operation", "target", "required",
                                    "allowed", "hops"}
    assert {h["kind"] for p in out["paths"] for h in p["hops"]} == {"iam", "network", "tls", "credentials", "image"}

    assert main(["datapaths", "lagos", "--plan", str(plan)]) == 1
    human = capsys.readouterr().out.splitlines()
    assert ("BROKEN kudi-pay ledger vttablet: restore read -> s3://dbaas-kudi-pay-3c5aea6d: iam: ServiceAccount "
            "t-kudi-pay/default has no eks.amazonaws.com/role-arn annotation") in human
    assert ("BROKEN kudi-pay ledger vtbackup: backup write -> s3://dbaas-kudi-pay-3c5aea6d: image: xtrabackup not in "
            "mysql:8.0.40 (planetscale/vitess-operator@v2.17.0 pkg/operator/vttablet/vtbackup_pod.go:182)") in human
    assert human[-1] == "27 required path(s), 10 broken; 6 cross-tenant path(s) checked, 0 leaking"


@pytest.mark.parametrize("argv, message", [
    (["datapaths", "mars"], "dbaas datapaths: no stack 'mars'"),
    (["datapaths", "lagos", "--plan", "/nonexistent.json"], "dbaas datapaths: /nonexistent.json: cannot read"),
])
def test_usage_errors(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_malformed_plan_is_a_usage_error(tmp_path: Path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main(["datapaths", "lagos", "--plan", str(bad)]) == 2
    assert capsys.readouterr().err.startswith(f"dbaas datapaths: {bad}: not JSON:")
    bad.write_text('{"steps": 3}')
    assert main(["datapaths", "lagos", "--plan", str(bad)]) == 2
    assert "not a plan" in capsys.readouterr().err


def test_streamed_json_is_the_report(documents):
    import io

    from tools.datapaths.command import report, write_json
    paths = paths_of(documents["frankfurt"])
    out = io.StringIO()
    assert write_json(paths, out) == (len(EXPECTED_BROKEN["frankfurt"]), 0)
    assert json.loads(out.getvalue()) == report(paths)


def test_vitess_service_account_comes_from_the_operator_flag(documents, tmp_path: Path):
    """What the `vendor` fix (--default_vitess_service_account=tenant-workload in the vendored manifest) turns
    green, and what it leaves: vtbackup sends `x-amz-server-side-encryption: aws:kms` without the key id
    (extraVitessFlags.s3_backup_server_side_encryption), which the bucket policy refuses (S3 would use aws/s3)."""
    import shutil

    from tools.datapaths.evaluate import Evaluator
    project = Path(__file__).resolve().parents[2]
    manifests = tmp_path / "components/engines/manifests/vitess-operator"
    shutil.copytree(project / "components/engines/manifests/vitess-operator", manifests)
    (manifests / "operator.yaml").write_text(
        "spec:\n  template:\n    spec:\n      containers:\n        - name: vitess-operator\n          args:\n"
        "            - --default_vitess_service_account=tenant-workload\n")
    fixed = copy.deepcopy(documents["lagos"])  # and the `engines-vsa` fix: vtbackup runs in an image with xtrabackup
    steps(fixed, "kudi-pay.ledger.vitesscluster")["spec"]["images"]["mysqld"] = {
        "mysql80Compatible": "vitess/lite:v20.0.5-mysql80"}
    paths = Evaluator(PlanView.from_json(fixed), tmp_path).run()
    assert find(paths, "kudi-pay", "vttablet", "restore read").allowed
    write = find(paths, "kudi-pay", "vtbackup", "backup write")
    assert write.failing().why == (
        f"dbaas-tenant-kudi-pay: s3:PutObject on arn:aws:s3:::{KUDI_BUCKET}/x/object denied (identity policy, bucket "
        "policy with s3:x-amz-server-side-encryption=aws:kms)")
    mutated = copy.deepcopy(fixed)
    steps(mutated, "kudi-pay.ledger.vitesscluster")["spec"].pop("extraVitessFlags")  # the bucket default then
    assert find(Evaluator(PlanView.from_json(mutated), tmp_path).run(), "kudi-pay", "vtbackup", "backup write").allowed


def test_writers_without_sse_headers_get_the_bucket_default(documents):
    """The bucket policy denies an SSE header naming another key or none (aws/s3), not a write without headers."""
    paths = paths_of(documents["lagos"])
    assert find(paths, "acme", "dragonfly", "snapshot write").allowed
    assert find(paths, "kudi-pay", "pbm-agent", "oplog archive").allowed  # aws:kms with the tenant key
    mutated = copy.deepcopy(documents["lagos"])
    storage = steps(mutated, "kudi-pay.wallets.psmdb")["spec"]["backup"]["storages"]["s3-wallets"]["s3"]
    storage["serverSideEncryption"]["kmsKeyID"] = "arn:aws:kms:af-south-1:111122223333:key/someone-elses"
    assert find(paths_of(mutated), "kudi-pay", "pbm-agent", "oplog archive").failing().why == (
        f"dbaas-tenant-kudi-pay: s3:PutObject on arn:aws:s3:::{KUDI_BUCKET}/x/object denied (identity policy, bucket "
        "policy with s3:x-amz-server-side-encryption=aws:kms, "
        "s3:x-amz-server-side-encryption-aws-kms-key-id=arn:aws:kms:af-south-1:111122223333:key/someone-elses)")


def test_controlplane_barman_cloud_after_the_image_fix(documents):
    """What the `drill` fix (a `system` image or the plugin) leaves: `encryption: aws:kms` makes barman-cloud send
    the algorithm without the key id (barman-cloud v0.5.0 has no key id option), which the bucket policy refuses."""
    mutated = copy.deepcopy(documents["lagos"])
    steps(mutated, "controlplane-lagos-cluster")["spec"]["imageName"] = "ghcr.io/cloudnative-pg/postgresql:17.5-system-bookworm"
    paths = paths_of(mutated)
    assert find(paths, "(platform)", "barman-cloud", "recovery read").allowed
    wal = find(paths, "(platform)", "barman-cloud", "WAL archive")
    assert wal.failing().why == (
        "dbaas-lagos-controlplane-pg: s3:PutObject on arn:aws:s3:::dbaas-p-lagos-pg-backups-0792d38a/x/object denied "
        "(identity policy, bucket policy with s3:x-amz-server-side-encryption=aws:kms)")
    for section in ("data", "wal"):
        steps(mutated, "controlplane-lagos-cluster")["spec"]["backup"]["barmanObjectStore"][section].pop("encryption")
    assert find(paths_of(mutated), "(platform)", "barman-cloud", "WAL archive").allowed


def test_a_plan_of_another_region_or_a_broken_policy_is_a_usage_error(documents, tmp_path: Path, capsys):
    plan = tmp_path / "frankfurt.json"
    plan.write_text(json.dumps(documents["frankfurt"]))
    assert main(["datapaths", "lagos", "--plan", str(plan)]) == 2
    assert capsys.readouterr().err == f"dbaas datapaths: {plan}: a plan of frankfurt, not of lagos\n"
    mutated = copy.deepcopy(documents["lagos"])
    steps(mutated, "acme.role-access")["policy"] = "{not json"
    plan.write_text(json.dumps(mutated))
    assert main(["datapaths", "lagos", "--plan", str(plan)]) == 2
    assert capsys.readouterr().err == (
        f"dbaas datapaths: {plan}: urn:pulumi:lagos.acme::dbaas-tenant::dbaas:tenant:TenantEnvironment"
        "$aws:iam/rolePolicy:RolePolicy::acme.role-access: inputs.policy is not a policy document (JSON with a "
        "Statement list)\n")


@pytest.fixture(scope="module")
def shop_paths(tmp_path_factory):
    """The inline tenant of tests/engines/test_restore_objects.py: every engine, clones, named restores, PITR."""
    from tests.conftest import plan_with_tenants
    from tests.engines.test_restore_objects import SHOP
    tree = tmp_path_factory.mktemp("shop") / "tenants"
    (tree / "lagos").mkdir(parents=True)
    (tree / "lagos" / "shop.yaml").write_text(SHOP, encoding="utf-8")
    return [p for p in paths_of(plan_with_tenants("lagos", tree).to_preview_json()) if p.tenant == "shop"]


def test_restore_paths_of_every_engine(shop_paths):
    verdicts = {(p.service, p.actor, p.operation): p.allowed for p in shop_paths if "restore" in p.operation
                or "clone" in p.operation or "snapshot load" == p.operation}
    assert verdicts == {
        # MongoDB: the agents read, but the operator validates first, without an identity.
        ("docs-clone", "pbm-agent", "restore read"): True, ("docs-clone", "pbm-agent", "clone read"): True,
        ("docs-pitr", "pbm-agent", "restore read"): True, ("docs-pitr", "pbm-agent", "clone read"): True,
        ("docs", "pbm-agent", "restore read"): True,
        ("docs", "psmdb-operator", "restore validation read"): False,
        ("docs-clone", "psmdb-operator", "restore validation read"): False,
        ("docs-pitr", "psmdb-operator", "restore validation read"): False,
        # YugabyteDB: YB-Controller reads with the tenant role.
        ("ledger", "yb-controller", "restore read"): True, ("ledger-clone", "yb-controller", "restore read"): True,
        ("ledger-named", "yb-controller", "restore read"): True,
        # Vitess: the copy Job reads and writes as tenant-workload; the tablets run as `default`.
        ("sql", "vttablet", "restore read"): False, ("sql-clone", "vttablet", "restore read"): False,
        ("sql-named", "vttablet", "restore read"): False,
        ("sql-clone", "restore-copy", "clone read"): True, ("sql-clone", "restore-copy", "restore copy write"): True,
        ("sql-named", "restore-copy", "clone read"): True, ("sql-named", "restore-copy", "restore copy write"): True,
        # ScyllaDB: the agents read; Manager's CQL leg is refused elsewhere (credentials).
        ("wide", "scylla-manager-agent", "restore read"): True,
        ("wide-clone", "scylla-manager-agent", "restore read"): True,
        ("wide-clone", "scylla-manager-agent", "clone read"): True,
        ("wide-named", "scylla-manager-agent", "restore read"): True,
        ("wide-named", "scylla-manager-agent", "clone read"): True,
        ("wide", "scylla-manager", "agent API (registration, backup and restore tasks)"): True,
        ("wide-clone", "scylla-manager", "agent API (registration, backup and restore tasks)"): True,
        ("wide-named", "scylla-manager", "agent API (registration, backup and restore tasks)"): True,
        ("wide", "scylla-manager", "CQL (schema backup and restore)"): False,
        ("wide-clone", "scylla-manager", "CQL (schema backup and restore)"): False,
        ("wide-named", "scylla-manager", "CQL (schema backup and restore)"): False,
        # DragonflyDB: the copy Job, then the new instance loads its own snapshot: works.
        ("cache", "dragonfly", "snapshot load"): True, ("cache-clone", "dragonfly", "snapshot load"): True,
        ("cache-clone", "restore-copy", "clone read"): True,
        ("cache-clone", "restore-copy", "restore copy write"): True,
        # Aerospike: S3 is reachable, the cluster is not (plain TCP to TLS 4333).
        ("kv", "aerospike-backup-service", "restore read"): True,
        ("kv-named", "aerospike-backup-service", "restore read"): True,
        ("kv-named", "aerospike-backup-service", "clone read"): True,
        ("kv", "aerospike-backup-service", "cluster (backup and restore)"): False,
        ("kv-named", "aerospike-backup-service", "cluster (backup and restore)"): False,
    }
    copy_write = find(shop_paths, "shop", "restore-copy", "restore copy write", "")
    assert [h.kind for h in copy_write.hops] == ["image", "network", "iam"]
    assert copy_write.hops[0].why == "aws in docker.io/amazon/aws-cli:2.22.35"


def test_aerospike_backup_service_credentials_come_from_the_plan(documents):
    conn = find(paths_of(documents["frankfurt"]), "bergbahn", "aerospike-backup-service", "cluster (backup and restore)")
    assert conn.target == "t-bergbahn/tracking-aerospike:4333"
    assert conn.hops[-1].as_json() == {"kind": "credentials", "allowed": True,
                                       "why": "Secret t-bergbahn/tracking-aerospike-credentials in the plan"}
    mutated = copy.deepcopy(documents["frankfurt"])
    mutated["steps"] = [s for s in mutated["steps"] if not s["urn"].endswith("::bergbahn.tracking.credentials")]
    conn = find(paths_of(mutated), "bergbahn", "aerospike-backup-service", "cluster (backup and restore)")
    assert conn.hops[-1].as_json() == {"kind": "credentials", "allowed": False,
                                       "why": "Secret t-bergbahn/tracking-aerospike-credentials not in the plan"}
