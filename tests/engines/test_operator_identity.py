"""The operators that read tenant backups in their own pod get a cloud identity that can do exactly that.

The Percona operator validates every MongoDB restore and deletes backups for retention in its own process (psmdb
v1.21.2 validate.go:61, pbm.go:716, psmdb_backup_controller.go:584-615); YugabyteDB Anywhere validates a `USE_IAM`
StorageConfig with a test object and deletes expired backups with its own credentials (StorageConfigReconciler,
AWSUtil.validateOnBucket, IAMTemporaryCredentialsProvider). Without a role of their own both fail on every call:
the node role is out of reach (IMDS hop limit 1). declarations/engine_catalog.py OperatorBackupAccess has the facts.
"""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from components.irsa import IRSA_ROLE_ANNOTATION
from declarations.naming import backup_bucket
from tests.conftest import one, resources
from tests.tenant.moto_apply import MotoApplier, apply_tenant, iam_enforced

ACCOUNT, REGION = "111122223333", "af-south-1"
ISSUER = "oidc.los1.dbaas.example.net"
"""The lagos PoP (adopted colocation cluster) issuer, from Pulumi.lagos.yaml."""
ROLES = {"mongodb": f"arn:aws:iam::{ACCOUNT}:role/dbaas-p-lagos-mongodb-operator",
         "yugabyte": f"arn:aws:iam::{ACCOUNT}:role/dbaas-p-lagos-yugabyte-operator"}


def _platform_role(plan, name: str):
    [role] = [r for r in resources(plan, "aws:iam/role:Role") if r.inputs["name"] == name]
    [policy] = [r for r in resources(plan, "aws:iam/rolePolicy:RolePolicy") if r.inputs["role"] == name]
    return role, policy


def _operator_policy(prefix: str, actions: list[str], bucket_actions: list[str]) -> dict:
    in_account = {"s3:ResourceAccount": ACCOUNT}
    locate = [{"Sid": "ReadTenantBucketFacts", "Effect": "Allow", "Action": bucket_actions,
               "Resource": "arn:aws:s3:::dbaas-*", "Condition": {"StringEquals": in_account}}] if bucket_actions else []
    return {"Version": "2012-10-17", "Statement": [
        *locate,
        {"Sid": "ListEngineBackupPrefix", "Effect": "Allow", "Action": "s3:ListBucket",
         "Resource": "arn:aws:s3:::dbaas-*",
         "Condition": {"StringLike": {"s3:prefix": f"{prefix}/*"}, "StringEquals": in_account}},
        {"Sid": "EngineBackupObjects", "Effect": "Allow", "Action": actions,
         "Resource": f"arn:aws:s3:::dbaas-*/{prefix}/*", "Condition": {"StringEquals": in_account}},
    ]}


@pytest.mark.parametrize(("engine", "namespace", "service_account", "actions", "bucket_actions"), [
    ("mongodb", "psmdb-operator", "psmdb-operator", ["s3:GetObject", "s3:DeleteObject"], []),
    # YBA asks each bucket's Region before a YBC backup or restore (AWSUtil.createCredsMapYbc -> getBucketRegion).
    ("yugabyte", "yb-operator", "yugaware", ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"],
     ["s3:GetBucketLocation"]),
])
def test_operator_role_is_trusted_by_its_pod_and_reaches_only_its_prefix(lagos_plan, engine, namespace,
                                                                         service_account, actions, bucket_actions):
    role, policy = _platform_role(lagos_plan, f"dbaas-p-lagos-{engine}-operator")
    trust = json.loads(role.inputs["assumeRolePolicy"])
    [statement] = trust["Statement"]
    assert statement["Principal"] == {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/{ISSUER}"}
    issuer = ISSUER
    assert statement["Condition"] == {"StringEquals": {
        f"{issuer}:sub": f"system:serviceaccount:{namespace}:{service_account}", f"{issuer}:aud": "sts.amazonaws.com"}}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert json.loads(policy.inputs["policy"]) == _operator_policy(engine, actions, bucket_actions)


def test_operator_pods_carry_their_role_through_their_charts(lagos_plan):
    releases = {r.inputs["name"]: r.inputs["values"] for r in resources(lagos_plan, "kubernetes:helm.sh/v3:Release")}
    # psmdb-operator chart 1.21.3 templates/role-binding.yaml: the ServiceAccount takes `serviceAccount.annotations`.
    assert releases["psmdb-operator"] == {
        "watchAllNamespaces": True, "serviceAccount": {"annotations": {IRSA_ROLE_ANNOTATION: ROLES["mongodb"]}}}
    # yugaware chart 2025.1.4 templates/rbac.yaml: the ServiceAccount takes `yugaware.serviceAccountAnnotations`;
    # templates/configs.yaml writes `additionalAppConf` into application.conf: YBC then backs up and restores with
    # the tserver pods' own IAM (the tenant role), not with YBA's credentials (AWSUtil.createCredsMapYbc).
    assert releases["yugaware"] == {
        "yugaware": {"kubernetesOperatorEnabled": True, "kubernetesOperatorNamespace": "",
                     "serviceAccountAnnotations": {IRSA_ROLE_ANNOTATION: ROLES["yugabyte"]}},
        "additionalAppConf": {"nonStringConf": {"yb.backup.s3.use_db_nodes_iam_role_for_backup": True}}}
    others = {name: values for name, values in releases.items() if name not in ("psmdb-operator", "yugaware")}
    assert not [name for name, values in others.items() if IRSA_ROLE_ANNOTATION in json.dumps(values)]


def test_tenant_keys_admit_the_operators_of_the_engines_they_run(lagos_plan):
    """The role ARNs reach the tenant stacks through the platform contract (`engineOperatorRoleArns`,
    tests/stacks/test_platform_contract.py)."""
    key = json.loads(one(lagos_plan, "aws:kms/key:Key", "kudi-pay").inputs["policy"])
    # kudi-pay runs MongoDB (and Vitess): its key admits the Percona operator's role for reads through S3 only.
    assert key["Statement"][2:] == [{
        "Sid": "MongoDBOperatorUsesKeyViaS3", "Effect": "Allow", "Principal": {"AWS": ROLES["mongodb"]},
        "Action": ["kms:Decrypt"], "Resource": "*",
        "Condition": {"StringEquals": {"kms:ViaService": f"s3.{REGION}.amazonaws.com", "kms:CallerAccount": ACCOUNT}}}]
    # naija-stream runs neither engine: its key admits no operator.
    assert len(json.loads(one(lagos_plan, "aws:kms/key:Key", "naija-stream").inputs["policy"])["Statement"]) == 2


@pytest.fixture
def aws(monkeypatch):
    monkeypatch.setenv("MOTO_ACCOUNT_ID", ACCOUNT)
    for k, v in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield


def _session(role_arn: str, name: str):
    creds = boto3.client("sts", region_name=REGION).assume_role_with_web_identity(
        RoleArn=role_arn, RoleSessionName=name, WebIdentityToken="projected-service-account-token")["Credentials"]
    return boto3.client("s3", region_name=REGION, aws_access_key_id=creds["AccessKeyId"],
                        aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])


def _denied(call) -> None:
    with pytest.raises(ClientError) as exc:
        call()
    assert exc.value.response["Error"]["Code"] == "AccessDenied"


def test_operator_roles_reach_their_engines_backups_in_aws(aws, lagos_plan):
    """moto evaluates the roles' identity policies for S3 (actions and resources; the list prefix and account
    conditions have no request context there and are asserted as JSON above). Bucket policies are skipped as in
    tests/tenant/test_aws_in_moto.py: moto treats their conditional Denies as unconditional."""
    applier = MotoApplier(REGION)
    platform = [r for r in lagos_plan.registrations
                if r.type in ("aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy")
                and (r.inputs.get("name") in ("dbaas-p-lagos-mongodb-operator", "dbaas-p-lagos-yugabyte-operator")
                     or r.inputs.get("role") in ("dbaas-p-lagos-mongodb-operator", "dbaas-p-lagos-yugabyte-operator"))]
    assert len(platform) == 4
    applier.apply(platform)
    for tenant in ("acme", "kudi-pay"):
        apply_tenant(applier, lagos_plan, tenant, skip={"aws:s3/bucketPolicy:BucketPolicy"})
    wallets, ledger = backup_bucket("kudi-pay", ACCOUNT), backup_bucket("acme", ACCOUNT)
    meta = "mongodb/wallets/2026-11-20T02:00:21Z.pbm.json"
    tenant = _session(f"arn:aws:iam::{ACCOUNT}:role/dbaas-tenant-kudi-pay", "pbm-agent")
    psmdb = _session(ROLES["mongodb"], "psmdb-operator")
    yba = _session(ROLES["yugabyte"], "yugaware")
    with iam_enforced():
        tenant.put_object(Bucket=wallets, Key=meta, Body=b"{}")          # the PBM agent's backup
        assert psmdb.get_object(Bucket=wallets, Key=meta)["Body"].read() == b"{}"  # restore validation
        assert psmdb.list_objects_v2(Bucket=wallets, Prefix="mongodb/wallets/")["KeyCount"] == 1
        psmdb.delete_object(Bucket=wallets, Key=meta)                   # retention
        _denied(lambda: psmdb.put_object(Bucket=wallets, Key=meta, Body=b"x"))
        _denied(lambda: psmdb.get_object(Bucket=ledger, Key="yugabyte/ledger/x"))
        _denied(lambda: psmdb.delete_object(Bucket=wallets, Key="vitess/orders/x"))

        probe = "yugabyte/ledger/3f1c-validation.txt"                   # AWSUtil.validateOnBucket's test object
        yba.put_object(Bucket=ledger, Key=probe, Body=b"dummy")
        assert yba.get_object(Bucket=ledger, Key=probe)["Body"].read() == b"dummy"
        assert yba.list_objects_v2(Bucket=ledger, Prefix=probe)["KeyCount"] == 1
        yba.delete_object(Bucket=ledger, Key=probe)
        assert yba.get_bucket_location(Bucket=ledger)["LocationConstraint"] == REGION
        _denied(lambda: yba.put_object(Bucket=ledger, Key="dragonfly/cache/x", Body=b"x"))
        _denied(lambda: yba.get_object(Bucket=wallets, Key="mongodb/wallets/x"))


def test_yugabyte_data_moves_with_the_tenant_role_of_the_tserver_pods(lagos_plan):
    """With `yb.backup.s3.use_db_nodes_iam_role_for_backup` YBC uses the pods' own IAM: the universe's pods run as the
    tenant ServiceAccount, which carries the tenant role that reaches the tenant's bucket and key."""
    universe = one(lagos_plan, "kubernetes:operator.yugabyte.io/v1alpha1:YBUniverse", "acme").inputs["spec"]
    assert universe["kubernetesOverrides"]["serviceAccount"] == "tenant-workload"
    sa = one(lagos_plan, "kubernetes:core/v1:ServiceAccount", "acme", "acme.workload-sa").inputs
    assert sa["metadata"]["annotations"] == {IRSA_ROLE_ANNOTATION: f"arn:aws:iam::{ACCOUNT}:role/dbaas-tenant-acme"}
    storage = one(lagos_plan, "kubernetes:operator.yugabyte.io/v1alpha1:StorageConfig", "acme").inputs["spec"]
    assert storage["data"]["USE_IAM"] is True and storage["data"]["BACKUP_LOCATION"] == "s3://dbaas-acme-0d37ebf7/yugabyte/orders"
