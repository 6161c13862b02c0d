"""The ControlPlaneDatabase as it appears in the offline plans of both shipped stacks."""

from __future__ import annotations

import json

import pytest

from declarations.controlplane_schema.migration_files import load_migrations, migrations_digest
from declarations.controlplane_schema.roles import APP, MIGRATOR, OWNER, RECORDER
from tools.kubernetes.validation import kubernetes_objects, validate_object
from tools.offline.mocks import stable_id
from tests.conftest import shipped_plan

COMPONENT = "dbaas:controlplane:ControlPlaneDatabase"
CNPG = "kubernetes:postgresql.cnpg.io/v1:"
REGIONS = {"lagos": ("111122223333", "dbaas-nvme-retained"), "frankfurt": ("444455556666", "dbaas-gp3-retained")}
REGION_NAMES = {"lagos": "af-south-1", "frankfurt": "eu-central-1"}


def component_regs(stack: str):
    plan = shipped_plan(stack)
    return [r for r in plan.registrations if f"{COMPONENT}$" in r.urn or r.type == COMPONENT]


def only(regs, type_: str):
    found = [r for r in regs if r.type == type_]
    assert len(found) == 1, [r.name for r in found]
    return found[0].inputs


@pytest.fixture(scope="module", params=sorted(REGIONS))
def stack(request):
    return request.param


def test_one_component_per_region_and_every_object_validates_strictly(stack):
    regs = component_regs(stack)
    assert [r.name for r in regs if r.type == COMPONENT] == [f"controlplane-{stack}"]
    objects = kubernetes_objects(regs)
    # The control-plane namespace and its 6 policies, plus the CloudNativePG operator's namespace and its 7.
    assert sorted(o["kind"] for _, o in objects) == ["Cluster", "ConfigMap", "Job", "Namespace", "Namespace",
                                                     *["NetworkPolicy"] * 13, "Pooler", "ScheduledBackup",
                                                     "Secret", "Secret", "Secret"]
    assert {urn: validate_object(o) for urn, o in objects} == {urn: [] for urn, _ in objects}


def test_cluster_spec(stack):
    regs = component_regs(stack)
    account, storage_class = REGIONS[stack]
    cluster = only(regs, f"{CNPG}Cluster")["spec"]
    assert cluster["instances"] == 3
    # The `system` flavour (barman-cloud inside, for the in-tree barmanObjectStore), pinned by digest.
    repository, tag_and_digest = cluster["imageName"].split(":", 1)
    tag, digest = tag_and_digest.split("@")
    assert repository == "ghcr.io/cloudnative-pg/postgresql"
    assert tag == "17.11-202608170816-system-bookworm" and int(tag.split(".")[0]) >= 16
    assert digest == "sha256:d24d5a390d90b20a43ef7036981f5e6c6f78bbd3198a1e2cd99443fbbd14a9b8"
    assert cluster["storage"] == {"storageClass": storage_class, "size": "20Gi"}
    assert cluster["postgresql"]["pg_hba"][:2] == ["hostnossl all all 0.0.0.0/0 reject", "hostnossl all all ::/0 reject"]
    assert cluster["postgresql"]["parameters"]["ssl_min_protocol_version"] == "TLSv1.3"
    assert cluster["enableSuperuserAccess"] is False
    store = cluster["backup"]["barmanObjectStore"]
    bucket = only(regs, "aws:s3/bucket:Bucket")["bucket"]
    assert bucket.startswith(f"dbaas-p-{stack}-pg-backups-")
    assert only(regs, "aws:s3/bucket:Bucket")["objectLockEnabled"] is True
    assert store["destinationPath"] == f"s3://{bucket}/controlplane-pg"
    assert store["s3Credentials"] == {"inheritFromIAMRole": True}
    assert store["wal"]["encryption"] == store["data"]["encryption"] == "aws:kms"
    # The bucket policy denies a PutObject without the platform key's id (components/aws_policies.py).
    key_arg = f"--sse-kms-key-id=arn:aws:kms:{REGION_NAMES[stack]}:{account}:key/{stable_id('aws:kms/key:Key', f'platform-{stack}-key')}"
    assert store["wal"]["archiveAdditionalCommandArgs"] == store["data"]["additionalCommandArgs"] == [key_arg]
    assert cluster["backup"]["retentionPolicy"] == "30d"
    role_arn = f"arn:aws:iam::{account}:role/dbaas-{stack}-controlplane-pg"
    assert cluster["serviceAccountTemplate"] == {"metadata": {"annotations": {"eks.amazonaws.com/role-arn": role_arn}}}


def test_backup_bucket_uses_the_platform_key_and_irsa_trusts_only_the_cluster_sa(stack):
    regs = component_regs(stack)
    account, _ = REGIONS[stack]
    platform_key_id = stable_id("aws:kms/key:Key", f"platform-{stack}-key")  # the offline mock's key id
    encryption = only(regs, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
    by_default = encryption["rules"][0]["applyServerSideEncryptionByDefault"]
    assert by_default["sseAlgorithm"] == "aws:kms"
    assert by_default["kmsMasterKeyId"].endswith(f":{account}:key/{platform_key_id}")
    trust = json.loads(only(regs, "aws:iam/role:Role")["assumeRolePolicy"])
    subjects = [v for s in trust["Statement"] for k, v in s["Condition"]["StringEquals"].items() if k.endswith(":sub")]
    assert subjects == ["system:serviceaccount:dbaas-controlplane:controlplane-pg"]
    access = json.loads(only(regs, "aws:iam/rolePolicy:RolePolicy")["policy"])
    bucket = only(regs, "aws:s3/bucket:Bucket")["bucket"]
    resources = {json.dumps(s["Resource"]) for s in access["Statement"]}
    assert json.dumps(f"arn:aws:s3:::{bucket}/*") in resources


def test_managed_roles_match_the_contract(stack):
    roles = {r["name"]: r for r in only(component_regs(stack), f"{CNPG}Cluster")["spec"]["managed"]["roles"]}
    assert sorted(roles) == [APP, MIGRATOR, OWNER, RECORDER]
    for role in roles.values():
        assert (role["superuser"], role["bypassrls"], role["createrole"], role["createdb"], role["replication"]) == (
            False, False, False, False, False)
    assert (roles[OWNER]["login"], roles[OWNER]["disablePassword"]) == (False, True)
    assert (roles[MIGRATOR]["login"], roles[MIGRATOR]["inRoles"]) == (True, [OWNER])
    assert roles[APP]["login"] is True and "inRoles" not in roles[APP]
    assert roles[APP]["passwordSecret"] == {"name": "controlplane-pg-dbaas-app"}
    assert roles[RECORDER]["login"] is True and "inRoles" not in roles[RECORDER]
    assert roles[RECORDER]["passwordSecret"] == {"name": "controlplane-pg-dbaas-recorder"}


def test_passwords_are_secret_in_the_plan(stack):
    regs = component_regs(stack)
    secrets = [r.inputs for r in regs if r.type == "kubernetes:core/v1:Secret"]
    assert sorted(s["metadata"]["name"] for s in secrets) == ["controlplane-pg-dbaas-app", "controlplane-pg-dbaas-migrator",
                                                               "controlplane-pg-dbaas-recorder"]
    assert all(s["stringData"] == "[secret]" and s["type"] == "kubernetes.io/basic-auth" for s in secrets)
    text = shipped_plan(stack).to_json_text()
    generated = [r for r in regs if r.type == "random:index/randomPassword:RandomPassword"]
    assert len(generated) == 3 and "offline-" not in json.dumps([s["stringData"] for s in secrets])
    assert "PGPASSWORD" in text and "password=" not in text


def test_pooler_is_pgbouncer_in_transaction_mode(stack):
    pooler = only(component_regs(stack), f"{CNPG}Pooler")["spec"]
    assert (pooler["cluster"], pooler["type"], pooler["pgbouncer"]["poolMode"]) == ({"name": "controlplane-pg"}, "rw", "transaction")
    scheduled = only(component_regs(stack), f"{CNPG}ScheduledBackup")["spec"]
    assert (scheduled["cluster"], scheduled["method"]) == ({"name": "controlplane-pg"}, "barmanObjectStore")


def test_migration_job_is_named_by_the_migrations_hash_and_pod_security_restricted(stack):
    regs = component_regs(stack)
    short = migrations_digest(load_migrations())[:12]
    job = only(regs, "kubernetes:batch/v1:Job")
    configmap = only(regs, "kubernetes:core/v1:ConfigMap")
    assert job["metadata"]["name"] == f"controlplane-pg-migrate-{short}"
    assert configmap["metadata"]["name"] == f"controlplane-pg-migrations-{short}" and configmap["immutable"] is True
    assert sorted(configmap["data"]) == sorted(f"{m.label}.{d}.sql" for m in load_migrations() for d in ("up", "down"))
    pod = job["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["command"][:3] == ["dbaas", "migrate", "--dsn"]
    assert "sslmode=verify-full" in container["command"][3] and "password" not in container["command"][3]
    assert {e["name"]: e["valueFrom"]["secretKeyRef"]["name"] for e in container["env"]} == {
        "PGUSER": "controlplane-pg-dbaas-migrator", "PGPASSWORD": "controlplane-pg-dbaas-migrator"}
    # Pod Security "restricted": non-root, no escalation, all capabilities dropped, RuntimeDefault seccomp.
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] > 0
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert {next(k for k in v if k != "name") for v in pod["volumes"]} <= {"configMap", "secret", "emptyDir", "projected"}
    namespaces = {r.inputs["metadata"]["name"]: r.inputs for r in regs if r.type == "kubernetes:core/v1:Namespace"}
    assert namespaces["dbaas-controlplane"]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


def test_data_holders_are_protected(stack):
    regs = component_regs(stack)
    protected = sorted(r.type for r in regs if r.protect and r.retain_on_delete)
    assert protected == ["aws:s3/bucket:Bucket", "kubernetes:core/v1:Namespace", f"{CNPG}Cluster"]
