"""`dbaas datapaths`: every backup/restore path of the shipped plans, and what breaks them (issue 20)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from dbaas.cli import main
from declarations.pod_identity import is_pod_identity_webhook
from tools.datapaths.command import evaluate
from tools.datapaths.plan_view import PlanView

ACME_BUCKET = "dbaas-acme-0d37ebf7"
KUDI_BUCKET = "dbaas-kudi-pay-3c5aea6d"

# Every required path of both shipped plans works: the open findings of issue 20 are fixed (the Vitess paths by the
# vendored operator's `--default_vitess_service_account=tenant-workload`, the operator paths by their platform roles,
# Scylla Manager's CQL by the credentials Job, barman-cloud by the `system` image and its key id).
EXPECTED_BROKEN: dict[str, set] = {"lagos": set(), "frankfurt": set()}
LAGOS_SUMMARY = ("29 required path(s), 0 broken; 12 forbidden path(s) checked (cross-tenant, platform roles outside "
                 "their engine's folder), {leaks} leaking")


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
                                "kms:Decrypt allowed on dragonfly/sessions/object (list prefix dragonfly/sessions/)")
    pbm = find(paths, "kudi-pay", "pbm-agent", "backup write")
    assert pbm.allowed, pbm.hops
    agent = find(paths, "naija-stream", "scylla-manager-agent", "backup write")
    assert agent.allowed and agent.hops[2].why.startswith("t-naija-stream/events-scylla-member -> dbaas-tenant-naija-stream")
    vtbackup = find(paths, "kudi-pay", "vtbackup", "backup write")  # as tenant-workload: the vendored operator's flag
    assert vtbackup.allowed and vtbackup.hops[-1].why.startswith("t-kudi-pay/tenant-workload -> dbaas-tenant-kudi-pay:")
    assert vtbackup.hops[0].why == "vtbackup in vitess/lite:v24.0.0-mysql80"  # and xtrabackup: no image hop fails
    sink = find(paths, "acme", "kafka-connect-s3-sink", "audit archive write")
    assert sink.allowed and sink.hops[-1].why == (
        "kafka/dbaas-connect-connect -> dbaas-kafka-connect -> sts:AssumeRole dbaas-tenant-acme (external id acme): "
        "s3:PutObject, s3:ListBucket, kms:GenerateDataKey allowed on kafka-audit/object")
    ybc = find(paths, "acme", "yb-controller", "backup write")
    assert ybc.allowed and ybc.hops[-1].why == ("t-acme/tenant-workload -> dbaas-tenant-acme: s3:PutObject, "
                                                "s3:ListBucket, kms:GenerateDataKey allowed on yugabyte/orders/object "
                                                "(list prefix yugabyte/orders/)")
    cql = find(paths, "naija-stream", "scylla-manager", "CQL (schema backup and restore)")
    assert cql.allowed and cql.target == "t-naija-stream/events-scylla:9042"
    wal = find(paths, "(platform)", "barman-cloud", "WAL archive")
    assert wal.allowed
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
    conn = find(paths_of(documents["frankfurt"]), "bergbahn", "aerospike-backup-service", "cluster (backup and restore)")
    assert conn.allowed and conn.hops[1].why == "client TLS to a TLS listener on 4333"
    broken = copy.deepcopy(documents["frankfurt"])
    backup = steps(broken, "bergbahn.tracking.backup")
    for cluster in backup["spec"]["config"]["aerospike-cluster"].values():
        cluster.pop("tls")
    conn = find(paths_of(broken), "bergbahn", "aerospike-backup-service", "cluster (backup and restore)")
    assert conn.failing().as_json() == {"kind": "tls", "allowed": False,
                                        "why": "client speaks plain TCP to a listener on 4333 that requires TLS"}


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
    assert path.failing().why == (f"dbaas-tenant-acme: s3:GetObject on arn:aws:s3:::{ACME_BUCKET}/dragonfly/sessions/"
                                  "object denied (identity policy, bucket policy)")


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
    assert out[-1] == LAGOS_SUMMARY.format(leaks=1)


def test_cli_json_and_exit_codes(documents, tmp_path: Path, capsys):
    plan = tmp_path / "lagos.json"
    plan.write_text(json.dumps(documents["lagos"]))
    assert main(["datapaths", "lagos", "--plan", str(plan), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"paths", "broken", "leaks"}
    assert out["broken"] == 0 and out["leaks"] == 0
    assert set(out["paths"][0]) == {"tenant", "service", "engine", "actor", "operation", "target", "required",
                                    "allowed", "hops"}
    assert {h["kind"] for p in out["paths"] for h in p["hops"]} == {"iam", "network", "tls", "credentials", "image"}
    assert main(["datapaths", "lagos", "--plan", str(plan)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == LAGOS_SUMMARY.format(leaks=0)

    broken = copy.deepcopy(documents["lagos"])
    operator = steps(broken, "engines-vitess-operator-deployment-vitess-operator-vitess-operator")
    for container in operator["spec"]["template"]["spec"]["containers"]:
        container["args"] = [a for a in container.get("args", []) if "default_vitess_service_account" not in a]
    plan.write_text(json.dumps(broken))
    assert main(["datapaths", "lagos", "--plan", str(plan), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["broken"] == 3
    assert main(["datapaths", "lagos", "--plan", str(plan)]) == 1
    human = capsys.readouterr().out.splitlines()
    assert ("BROKEN kudi-pay ledger vttablet: restore read -> s3://dbaas-kudi-pay-3c5aea6d: iam: ServiceAccount "
            "t-kudi-pay/default has no eks.amazonaws.com/role-arn annotation") in human
    assert ("BROKEN kudi-pay ledger vtbackup: backup write -> s3://dbaas-kudi-pay-3c5aea6d: iam: ServiceAccount "
            "t-kudi-pay/default has no eks.amazonaws.com/role-arn annotation") in human
    assert human[-1] == LAGOS_SUMMARY.replace("0 broken", "3 broken").format(leaks=0)


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


def test_vitess_service_account_comes_from_the_vendored_operator_deployment(documents):
    """vitess-operator v2.17.0 runs tablets and vtbackup as `--default_vitess_service_account`, else the namespace's
    `default` (pkg/operator/vttablet/pod.go:410-412, vtbackup_pod.go:196-198): the flag on the vendored operator's
    Deployment in the plan is what makes every Vitess path work."""
    paths = paths_of(documents["lagos"])
    assert find(paths, "kudi-pay", "vttablet", "restore read").hops[-1].why.startswith(
        "t-kudi-pay/tenant-workload -> dbaas-tenant-kudi-pay: s3:GetObject")
    unfixed = copy.deepcopy(documents["lagos"])
    operator = steps(unfixed, "engines-vitess-operator-deployment-vitess-operator-vitess-operator")
    for container in operator["spec"]["template"]["spec"]["containers"]:
        container["args"] = ["--logtostderr" if "default_vitess_service_account" in a else a
                             for a in container.get("args", [])]
    assert {(p.tenant, p.service, p.actor, p.operation) for p in paths_of(unfixed) if p.broken} == {
        ("kudi-pay", "ledger", "vttablet", "restore read"), ("kudi-pay", "ledger", "vtbackup", "previous backup read"),
        ("kudi-pay", "ledger", "vtbackup", "backup write")}


def test_writers_without_sse_headers_get_the_bucket_default(documents):
    """The bucket policy denies an SSE header naming another key or none (aws/s3), not a write without headers."""
    paths = paths_of(documents["lagos"])
    assert find(paths, "acme", "dragonfly", "snapshot write").allowed
    assert find(paths, "kudi-pay", "pbm-agent", "oplog archive").allowed  # aws:kms with the tenant key
    mutated = copy.deepcopy(documents["lagos"])
    storage = steps(mutated, "kudi-pay.wallets.psmdb")["spec"]["backup"]["storages"]["s3-wallets"]["s3"]
    storage["serverSideEncryption"]["kmsKeyID"] = "arn:aws:kms:af-south-1:111122223333:key/someone-elses"
    assert find(paths_of(mutated), "kudi-pay", "pbm-agent", "oplog archive").failing().why == (
        f"dbaas-tenant-kudi-pay: s3:PutObject on arn:aws:s3:::{KUDI_BUCKET}/mongodb/wallets/object denied (identity "
        "policy, bucket policy with s3:x-amz-server-side-encryption=aws:kms, "
        "s3:x-amz-server-side-encryption-aws-kms-key-id=arn:aws:kms:af-south-1:111122223333:key/someone-elses)")


def test_barman_cloud_sends_the_key_id_of_its_additional_arguments(documents):
    """CNPG passes `--sse-kms-key-id=<platform key>` in `wal.archiveAdditionalCommandArgs` and
    `data.additionalCommandArgs` (barman 3.19.1 aws_s3.py:205-210 sends it as SSEKMSKeyId): read per operation. Without
    it, `encryption: aws:kms` alone makes S3 pick aws/s3, which the bucket policy refuses (the old model's verdict)."""
    paths = paths_of(documents["lagos"])
    key = "arn:aws:kms:af-south-1:111122223333:key/25e065fb-13b2-5567-9697-c1d243e023f6"
    cluster = steps(documents["lagos"], "controlplane-lagos-cluster")["spec"]["backup"]["barmanObjectStore"]
    assert cluster["wal"]["archiveAdditionalCommandArgs"] == [f"--sse-kms-key-id={key}"]
    assert find(paths, "(platform)", "barman-cloud", "WAL archive").allowed
    assert find(paths, "(platform)", "barman-cloud", "base backup write").allowed
    mutated = copy.deepcopy(documents["lagos"])
    steps(mutated, "controlplane-lagos-cluster")["spec"]["backup"]["barmanObjectStore"]["wal"].pop(
        "archiveAdditionalCommandArgs")
    paths = paths_of(mutated)
    assert find(paths, "(platform)", "barman-cloud", "WAL archive").failing().why == (
        "dbaas-lagos-controlplane-pg: s3:PutObject on arn:aws:s3:::dbaas-p-lagos-pg-backups-0792d38a/controlplane-pg/"
        "controlplane-pg/object denied (identity policy, bucket policy with s3:x-amz-server-side-encryption=aws:kms)")
    assert find(paths, "(platform)", "barman-cloud", "base backup write").allowed  # its own arguments still name it
    steps(mutated, "controlplane-lagos-cluster")["spec"]["backup"]["barmanObjectStore"]["wal"][
        "archiveAdditionalCommandArgs"] = ["--sse-kms-key-id", key]  # the spaced form barman's argparse takes too
    assert find(paths_of(mutated), "(platform)", "barman-cloud", "WAL archive").allowed


def test_operator_requests_name_the_engine_prefix(documents):
    """The operator roles reach `<engine>/*` only, listing with `s3:prefix` `<engine>/*`: the requests name the
    service's prefix (PBM's storage prefix, YBA's BACKUP_LOCATION), which the old model (`x/object`, a list without a
    prefix) got denied."""
    paths = paths_of(documents["lagos"])
    confined = [p for p in paths if p.actor.endswith("(platform role)")]
    assert [(p.tenant, p.actor, p.operation, p.allowed) for p in confined] == [
        (tenant, actor, f"reach outside {engine}/", False)
        for actor, engine in (("psmdb-operator (platform role)", "mongodb"), ("yugaware (platform role)", "yugabyte"))
        for tenant in ("acme", "kudi-pay", "naija-stream")]
    assert confined[0].hops[0].why == ("dbaas-p-lagos-mongodb-operator: list, read, write and delete outside mongodb/ "
                                       "denied (under x/ and mongodb-other/)")
    validation = find(paths, "kudi-pay", "psmdb-operator", "restore validation read")
    assert validation.hops[-1].as_json() == {
        "kind": "iam", "allowed": True,
        "why": "psmdb-operator/psmdb-operator -> dbaas-p-lagos-mongodb-operator: s3:GetObject, s3:ListBucket, "
               "kms:Decrypt allowed on mongodb/wallets/<backup>.pbm.json (list prefix mongodb/wallets/)"}
    assert sorted(p.operation for p in paths if p.actor == "yugaware") == [
        "backup location region", "retention delete", "storage config validation", "yb-controller RPC"]
    # vtbackup deletes nothing (--min_retention_time=0: pruneBackups returns at once); it reads the newest backup first.
    assert sorted(p.operation for p in paths if p.actor == "vtbackup") == ["backup write", "previous backup read"]
    yba = find(paths, "acme", "yugaware", "storage config validation")
    assert yba.hops[-1].why == (
        "yb-operator/yugaware -> dbaas-p-lagos-yugabyte-operator: s3:PutObject, s3:GetObject, s3:ListBucket, "
        "s3:DeleteObject, kms:GenerateDataKey, kms:Decrypt allowed on yugabyte/orders/<uuid>.txt "
        "(list prefix yugabyte/orders/<uuid>.txt)")
    # The list condition is evaluated: a role listing only another folder cannot validate.
    mutated = copy.deepcopy(documents["lagos"])
    access = steps(mutated, "engines-mongodb-operator-backup-access")
    policy = json.loads(access["policy"])
    for statement in policy["Statement"]:
        if statement.get("Sid") == "ListEngineBackupPrefix":
            statement["Condition"]["StringLike"]["s3:prefix"] = "yugabyte/*"
    access["policy"] = json.dumps(policy)
    assert find(paths_of(mutated), "kudi-pay", "psmdb-operator", "restore validation read").failing().why == (
        f"dbaas-p-lagos-mongodb-operator: s3:ListBucket on arn:aws:s3:::{KUDI_BUCKET} denied (identity policy, bucket "
        "policy with s3:prefix=mongodb/wallets/)")
    # And the object actions: the engine's folder only.
    policy["Statement"] = [st if st.get("Sid") != "EngineBackupObjects" else
                           {**st, "Resource": st["Resource"].replace("/mongodb/*", "/yugabyte/*")}
                           for st in policy["Statement"]]
    access["policy"] = json.dumps(policy)
    assert find(paths_of(mutated), "kudi-pay", "psmdb-operator", "retention delete").failing().why == (
        f"dbaas-p-lagos-mongodb-operator: s3:DeleteObject on arn:aws:s3:::{KUDI_BUCKET}/mongodb/wallets/<backup>/rs0/"
        "<file> denied (identity policy, bucket policy)")
    # A shared operator role reaching past its folder is a leak, named; reads need the tenant key too, whose policy
    # admits the MongoDB operator role only where the tenant runs MongoDB (kudi-pay).
    widened = copy.deepcopy(documents["lagos"])
    access = steps(widened, "engines-mongodb-operator-backup-access")
    policy = json.loads(access["policy"])
    policy["Statement"].append({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::dbaas-*/*"})
    access["policy"] = json.dumps(policy)
    leaks = [p for p in paths_of(widened) if p.leak]
    assert [(p.tenant, p.actor, p.operation) for p in leaks] == [
        ("kudi-pay", "psmdb-operator (platform role)", "reach outside mongodb/")]
    assert leaks[0].failing().why == (
        "read under x/: psmdb-operator/psmdb-operator -> dbaas-p-lagos-mongodb-operator: s3:GetObject, kms:Decrypt "
        "allowed on x/object")


def test_scylla_manager_cql_is_plain_9042_with_the_registered_credentials(documents):
    """Manager dials 9042 without TLS (the operator's ForceTLSDisabled, ForceNonSslSessionPort) with the credentials
    the `<ns>-<instance>-manager-cql` Job registers; the old model had 9142 with TLS and no credentials at all."""
    cql = find(paths_of(documents["lagos"]), "naija-stream", "scylla-manager", "CQL (schema backup and restore)")
    assert [h.as_json() for h in cql.hops] == [
        {"kind": "network", "allowed": True,
         "why": "scylla-manager -> t-naija-stream:9042: egress scylla-manager/allow-instances-egress; ingress "
                "t-naija-stream/events-scylla-allow-operator"},
        {"kind": "tls", "allowed": True, "why": "client plain TCP to a plain listener on 9042"},
        {"kind": "credentials", "allowed": True,
         "why": "Job scylla-manager/t-naija-stream-events-scylla-manager-cql registers CQL_USERNAME, CQL_PASSWORD "
                "from Secret scylla-manager/t-naija-stream-events-scylla-manager-cql"}]
    without_job = copy.deepcopy(documents["lagos"])
    without_job["steps"] = [s for s in without_job["steps"] if not s["urn"].endswith("::naija-stream.events.manager-cql")]
    cql = find(paths_of(without_job), "naija-stream", "scylla-manager", "CQL (schema backup and restore)")
    assert cql.failing().as_json() == {
        "kind": "credentials", "allowed": False,
        "why": "no Job in scylla-manager registers credentials for t-naija-stream/events-scylla "
               "(env CLUSTER=t-naija-stream/events-scylla)"}
    without_secret = copy.deepcopy(documents["lagos"])
    without_secret["steps"] = [s for s in without_secret["steps"]
                               if not s["urn"].endswith("::naija-stream.events.manager-cql-credentials")]
    cql = find(paths_of(without_secret), "naija-stream", "scylla-manager", "CQL (schema backup and restore)")
    assert cql.failing().why == (
        "Job scylla-manager/t-naija-stream-events-scylla-manager-cql reads "
        "t-naija-stream-events-scylla-manager-cql[username] (CQL_USERNAME), "
        "t-naija-stream-events-scylla-manager-cql[password] (CQL_PASSWORD), not in the plan")
    # The tenant side must admit Manager on 9042: an ingress rule limited to the agent port refuses it.
    agent_only = copy.deepcopy(documents["lagos"])
    steps(agent_only, "naija-stream.events.netpol-operator")["spec"]["ingress"][0]["ports"] = [
        {"port": 10001, "protocol": "TCP"}]
    paths = paths_of(agent_only)
    assert find(paths, "naija-stream", "scylla-manager", "agent API (registration, backup and restore tasks)").allowed
    cql = find(paths, "naija-stream", "scylla-manager", "CQL (schema backup and restore)")
    assert cql.failing().kind == "network" and cql.failing().why.startswith(
        "scylla-manager -> t-naija-stream:9042: egress scylla-manager/allow-instances-egress; ingress no ")


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
        # MongoDB: the agents read; the operator validates first with its own role, under `mongodb/<service>`.
        ("docs-clone", "pbm-agent", "restore read"): True, ("docs-clone", "pbm-agent", "clone read"): True,
        ("docs-pitr", "pbm-agent", "restore read"): True, ("docs-pitr", "pbm-agent", "clone read"): True,
        ("docs", "pbm-agent", "restore read"): True,
        ("docs", "psmdb-operator", "restore validation read"): True,
        ("docs-clone", "psmdb-operator", "restore validation read"): True,
        ("docs-pitr", "psmdb-operator", "restore validation read"): True,
        # YugabyteDB: YB-Controller reads with the tenant role.
        ("ledger", "yb-controller", "restore read"): True, ("ledger-clone", "yb-controller", "restore read"): True,
        ("ledger-named", "yb-controller", "restore read"): True,
        # Vitess: the copy Job reads and writes as tenant-workload; so do the tablets (the vendored operator's
        # --default_vitess_service_account=tenant-workload).
        ("sql", "vttablet", "restore read"): True, ("sql-clone", "vttablet", "restore read"): True,
        ("sql-named", "vttablet", "restore read"): True,
        ("sql-clone", "restore-copy", "clone read"): True, ("sql-clone", "restore-copy", "restore copy write"): True,
        ("sql-named", "restore-copy", "clone read"): True, ("sql-named", "restore-copy", "restore copy write"): True,
        # ScyllaDB: the agents read; Manager speaks CQL on 9042 with the credentials the manager-cql Job registers.
        ("wide", "scylla-manager-agent", "restore read"): True,
        ("wide-clone", "scylla-manager-agent", "restore read"): True,
        ("wide-clone", "scylla-manager-agent", "clone read"): True,
        ("wide-named", "scylla-manager-agent", "restore read"): True,
        ("wide-named", "scylla-manager-agent", "clone read"): True,
        ("wide", "scylla-manager", "agent API (registration, backup and restore tasks)"): True,
        ("wide-clone", "scylla-manager", "agent API (registration, backup and restore tasks)"): True,
        ("wide-named", "scylla-manager", "agent API (registration, backup and restore tasks)"): True,
        ("wide", "scylla-manager", "CQL (schema backup and restore)"): True,
        ("wide-clone", "scylla-manager", "CQL (schema backup and restore)"): True,
        ("wide-named", "scylla-manager", "CQL (schema backup and restore)"): True,
        # DragonflyDB: the copy Job, then the new instance loads its own snapshot: works.
        ("cache", "dragonfly", "snapshot load"): True, ("cache-clone", "dragonfly", "snapshot load"): True,
        ("cache-clone", "restore-copy", "clone read"): True,
        ("cache-clone", "restore-copy", "restore copy write"): True,
        # Aerospike: S3 and the cluster (TLS 4333, the CA from the cluster's Certificate) are reachable.
        ("kv", "aerospike-backup-service", "restore read"): True,
        ("kv-named", "aerospike-backup-service", "restore read"): True,
        ("kv-named", "aerospike-backup-service", "clone read"): True,
        ("kv", "aerospike-backup-service", "cluster (backup and restore)"): True,
        ("kv-named", "aerospike-backup-service", "cluster (backup and restore)"): True,
    }
    copy_write = find(shop_paths, "shop", "restore-copy", "restore copy write", "")
    assert [h.kind for h in copy_write.hops] == ["image", "network", "iam"]
    assert copy_write.hops[0].why == "aws in docker.io/amazon/aws-cli:2.22.35"


def test_aerospike_backup_service_credentials_come_from_the_plan(documents):
    conn = find(paths_of(documents["frankfurt"]), "bergbahn", "aerospike-backup-service", "cluster (backup and restore)")
    assert conn.target == "t-bergbahn/tracking-aerospike:4333"
    assert conn.hops[-1].as_json() == {"kind": "credentials", "allowed": True,
                                       "why": "Secret t-bergbahn/tracking-aerospike-credentials, "
                                              "t-bergbahn/tracking-aerospike-tls in the plan (tracking-aerospike-tls: "
                                              "written by a cert-manager Certificate)"}
    mutated = copy.deepcopy(documents["frankfurt"])
    mutated["steps"] = [s for s in mutated["steps"] if not s["urn"].endswith("::bergbahn.tracking.credentials")]
    conn = find(paths_of(mutated), "bergbahn", "aerospike-backup-service", "cluster (backup and restore)")
    assert conn.hops[-1].as_json() == {"kind": "credentials", "allowed": False,
                                       "why": "Secret t-bergbahn/tracking-aerospike-credentials not in the plan"}


def is_webhook_step(step: dict) -> bool:
    state = step.get("newState") or {}
    return is_pod_identity_webhook(state.get("type", ""), (state.get("inputs") or {}).get("metadata"))


def test_an_adopted_cluster_without_the_pod_identity_webhook_gives_no_pod_a_role(documents):
    """lagos adopts a cluster that is not EKS: without the webhook the platform installs there, an IRSA annotation
    gives a pod no credentials (aws/amazon-eks-pod-identity-webhook injects AWS_ROLE_ARN and the token)."""
    mutated = copy.deepcopy(documents["lagos"])
    mutated["steps"] = [s for s in mutated["steps"] if not is_webhook_step(s)]
    assert len(mutated["steps"]) == len(documents["lagos"]["steps"]) - 1
    path = find(paths_of(mutated), "acme", "dragonfly", "snapshot load")
    assert path.broken
    assert path.failing().why == (
        "no pod identity webhook in the plan: on an adopted (non-EKS) cluster nothing gives t-acme/tenant-workload's "
        "pods the web identity of dbaas-tenant-acme (aws/amazon-eks-pod-identity-webhook injects AWS_ROLE_ARN and the "
        "token)")


def test_a_namespace_the_webhook_skips_gives_its_pods_no_role(documents):
    mutated = copy.deepcopy(documents["lagos"])
    webhook = next(s["newState"]["inputs"] for s in mutated["steps"] if is_webhook_step(s))
    for hook in webhook["webhooks"]:
        hook["namespaceSelector"]["matchExpressions"][0]["values"].append("t-acme")
    path = find(paths_of(mutated), "acme", "dragonfly", "snapshot load")
    assert path.failing().why == ("the pod identity webhook skips namespace t-acme (its namespaceSelector), so "
                                  "tenant-workload's pods get no web identity")


def test_eks_needs_no_webhook_of_ours(documents):
    assert not [s for s in documents["frankfurt"]["steps"] if "MutatingWebhookConfiguration" in s["urn"]]
    assert not [p for p in paths_of(documents["frankfurt"]) if p.broken]
