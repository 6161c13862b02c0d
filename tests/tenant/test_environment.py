"""TenantEnvironment under the mock runtime: the values that isolate a tenant."""

import json

import pytest

from components.aws_policies import BUCKET_OBJECT_ACTIONS, KEY_USE_ACTIONS
from declarations.naming import backup_bucket
from tests.conftest import one, resources

K = "kubernetes:"
ACCOUNT = "111122223333"


def ns_of(plan, tenant):
    return one(plan, "kubernetes:core/v1:Namespace", tenant).inputs


def test_namespace_labels_and_pod_security(lagos_plan):
    labels = ns_of(lagos_plan, "kudi-pay")["metadata"]["labels"]
    assert ns_of(lagos_plan, "kudi-pay")["metadata"]["name"] == "t-kudi-pay"
    assert {k: v for k, v in labels.items() if k.startswith("dbaas.io/")} == {
        "dbaas.io/tenant": "kudi-pay", "dbaas.io/org": "kudi", "dbaas.io/plan": "enterprise", "dbaas.io/region": "lagos",
    }
    assert {k: v for k, v in labels.items() if k.startswith("pod-security")} == {
        "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "v1.33",
        "pod-security.kubernetes.io/audit": "restricted", "pod-security.kubernetes.io/audit-version": "v1.33",
        "pod-security.kubernetes.io/warn": "restricted", "pod-security.kubernetes.io/warn-version": "v1.33",
    }


@pytest.mark.parametrize(
    "tenant, hard",
    [
        ("naija-stream", {"requests.cpu": "4", "requests.memory": "8Gi", "limits.cpu": "8", "limits.memory": "16Gi",
                          "requests.storage": "200Gi", "persistentvolumeclaims": "10", "pods": "20",
                          "services.loadbalancers": "0", "services.nodeports": "0"}),
        ("acme", {"requests.cpu": "24", "requests.memory": "96Gi", "limits.cpu": "48", "limits.memory": "160Gi",
                  "requests.storage": "4096Gi", "persistentvolumeclaims": "60", "pods": "100",
                  "services.loadbalancers": "0", "services.nodeports": "0"}),
    ],
)
def test_quota_from_plan(lagos_plan, tenant, hard):
    quota = one(lagos_plan, "kubernetes:core/v1:ResourceQuota", tenant).inputs
    assert quota["metadata"]["namespace"] == f"t-{tenant}"
    assert quota["spec"]["hard"] == hard


def test_limit_range_from_plan(lagos_plan):
    limits = one(lagos_plan, "kubernetes:core/v1:LimitRange", "kudi-pay").inputs["spec"]["limits"]
    assert limits == [
        {"type": "Container", "defaultRequest": {"cpu": "250m", "memory": "512Mi"},
         "default": {"cpu": "2", "memory": "4Gi"}, "max": {"cpu": "16", "memory": "64Gi"}},
        {"type": "PersistentVolumeClaim", "max": {"storage": "4000Gi"}},
    ]


def test_network_policies(lagos_plan):
    policies = {r.inputs["metadata"]["name"]: r.inputs["spec"]
                for r in resources(lagos_plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "acme")}
    assert policies["default-deny-all"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    dns = policies["allow-dns"]["egress"][0]
    assert dns["ports"] == [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
    assert dns["to"][0]["podSelector"] == {"matchLabels": {"k8s-app": "kube-dns"}}
    platform = [p["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
                for p in policies["allow-platform-ingress"]["ingress"][0]["from"]]
    assert platform == ["ingress-nginx", "monitoring"]
    kafka = policies["allow-kafka-egress"]["egress"][0]
    assert kafka["ports"] == [{"protocol": "TCP", "port": 9093}]
    assert kafka["to"][0]["podSelector"]["matchLabels"] == {"strimzi.io/cluster": "events", "strimzi.io/kind": "Kafka"}


def test_tenant_telemetry_reaches_only_the_collector(lagos_plan):
    spec = one(lagos_plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "acme", "acme.netpol-allow-telemetry-egress").inputs["spec"]
    assert spec["egress"] == [{
        "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
                "podSelector": {"matchLabels": {"app.kubernetes.io/component": "opentelemetry-collector",
                                                "app.kubernetes.io/instance": "monitoring.otel"}}}],
        "ports": [{"protocol": "TCP", "port": 4317}, {"protocol": "TCP", "port": 4318}],
    }]


def test_no_policy_allows_the_metadata_service(lagos_plan, frankfurt_plan):
    """The only ipBlock egress excludes link-local, so 169.254.169.254 is unreachable."""
    import ipaddress

    metadata = ipaddress.ip_address("169.254.169.254")
    for plan in (lagos_plan, frankfurt_plan):
        for reg in resources(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy"):
            for rule in reg.inputs["spec"].get("egress", []):
                for peer in rule.get("to", []):
                    block = peer.get("ipBlock")
                    if block and metadata in ipaddress.ip_network(block["cidr"]):
                        assert any(metadata in ipaddress.ip_network(e) for e in block.get("except", [])), reg.urn


def test_owner_rbac_has_no_wildcards_or_escalation(lagos_plan):
    role = one(lagos_plan, "kubernetes:rbac.authorization.k8s.io/v1:Role", "kudi-pay", "kudi-pay.owner-role").inputs
    verbs = {v for rule in role["rules"] for v in rule["verbs"]}
    assert verbs == {"get", "list", "watch", "create"}
    assert not verbs & {"*", "escalate", "bind", "impersonate"}
    assert all("*" not in rule["resources"] and "*" not in rule["apiGroups"] for rule in role["rules"])
    assert [r for r in role["rules"] if "create" in r["verbs"]] == [
        {"apiGroups": [""], "resources": ["pods/portforward"], "verbs": ["create"]}
    ]
    binding = one(lagos_plan, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "kudi-pay", "kudi-pay.owner-binding").inputs
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "tenant-owner"}
    assert [s["name"] for s in binding["subjects"]] == ["kudi-dba", "kudi-platform"]
    assert {s["kind"] for s in binding["subjects"]} == {"Group"}


def test_workload_service_account_uses_irsa_without_token_automount(lagos_plan):
    sa = one(lagos_plan, "kubernetes:core/v1:ServiceAccount", "acme", "acme.workload-sa").inputs
    assert sa["automountServiceAccountToken"] is False
    assert sa["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": f"arn:aws:iam::{ACCOUNT}:role/dbaas-tenant-acme"}


def test_kms_key(lagos_plan):
    key = one(lagos_plan, "aws:kms/key:Key", "acme").inputs
    assert (key["enableKeyRotation"], key["deletionWindowInDays"]) == (True, 30)
    policy = json.loads(key["policy"])
    admin, use, yba = policy["Statement"]
    assert admin["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    assert not {"kms:Decrypt", "kms:Encrypt", "kms:*"} & set(admin["Action"])
    assert use["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:role/dbaas-tenant-acme"}
    assert use["Action"] == KEY_USE_ACTIONS
    via_s3 = {"StringEquals": {"kms:ViaService": "s3.af-south-1.amazonaws.com", "kms:CallerAccount": ACCOUNT}}
    assert use["Condition"] == via_s3
    # acme runs YugabyteDB: YBA validates its USE_IAM StorageConfig and deletes expired backups with its own role,
    # writing and reading SSE-KMS objects under this key (components/engines/operator_identity.py). acme runs no
    # MongoDB, so the Percona operator's role gets nothing.
    assert yba == {"Sid": "YugabyteDBOperatorUsesKeyViaS3", "Effect": "Allow",
                   "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/dbaas-p-lagos-yugabyte-operator"},
                   "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*", "Condition": via_s3}
    alias = one(lagos_plan, "aws:kms/alias:Alias", "acme").inputs
    assert alias["name"] == "alias/dbaas/tenant/acme"


def bucket_part(plan, tenant, type_suffix):
    return one(plan, f"aws:s3/{type_suffix}", tenant).inputs


def test_backup_bucket(lagos_plan):
    key_arn = one(lagos_plan, "aws:kms/key:Key", "kudi-pay")
    bucket = bucket_part(lagos_plan, "kudi-pay", "bucket:Bucket")
    name = backup_bucket("kudi-pay", ACCOUNT)
    assert (bucket["bucket"], bucket["objectLockEnabled"], bucket["forceDestroy"]) == (name, True, False)
    assert bucket_part(lagos_plan, "kudi-pay", "bucketPublicAccessBlock:BucketPublicAccessBlock") == {
        "bucket": name, "blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True, "restrictPublicBuckets": True,
    }
    assert bucket_part(lagos_plan, "kudi-pay", "bucketOwnershipControls:BucketOwnershipControls")["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    assert bucket_part(lagos_plan, "kudi-pay", "bucketVersioning:BucketVersioning")["versioningConfiguration"] == {"status": "Enabled"}
    [sse] = bucket_part(lagos_plan, "kudi-pay", "bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")["rules"]
    assert sse["bucketKeyEnabled"] is True
    assert sse["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "aws:kms"
    assert sse["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"].startswith("arn:aws:kms:af-south-1:111122223333:key/")
    lock = bucket_part(lagos_plan, "kudi-pay", "bucketObjectLockConfiguration:BucketObjectLockConfiguration")
    assert lock["rule"] == {"defaultRetention": {"mode": "GOVERNANCE", "days": 90}}
    assert key_arn.type == "aws:kms/key:Key"


@pytest.mark.parametrize("tenant, days", [("kudi-pay", 2555), ("acme", 1095), ("naija-stream", 365)])
def test_lifecycle_follows_the_strictest_data_class(lagos_plan, tenant, days):
    [rule] = bucket_part(lagos_plan, tenant, "bucketLifecycleConfiguration:BucketLifecycleConfiguration")["rules"]
    assert rule == {
        "id": "retention", "status": "Enabled", "filter": {"prefix": ""},
        "expiration": {"days": days},
        "noncurrentVersionExpiration": {"noncurrentDays": 30},
        "abortIncompleteMultipartUpload": {"daysAfterInitiation": 7},
    }


def test_bucket_policy_denies_plain_http_and_foreign_keys(lagos_plan):
    sse = bucket_part(lagos_plan, "acme", "bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
    key_arn = sse["rules"][0]["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"]
    name = backup_bucket("acme", ACCOUNT)
    statements = {s["Sid"]: s for s in json.loads(bucket_part(lagos_plan, "acme", "bucketPolicy:BucketPolicy")["policy"])["Statement"]}
    assert statements["DenyInsecureTransport"] == {
        "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    assert statements["DenyOtherEncryptionKeys"]["Condition"] == {
        "Null": {"s3:x-amz-server-side-encryption": "false"},
        "StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption-aws-kms-key-id": key_arn},
    }
    assert statements["DenyUnencryptedOrNonKmsWrites"]["Condition"] == {
        "Null": {"s3:x-amz-server-side-encryption": "false"},
        "StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"},
    }
    assert {s["Effect"] for s in statements.values()} == {"Deny"}


def test_iam_role_trusts_only_the_tenant_service_account_and_reaches_only_its_bucket_and_key(lagos_plan):
    role = one(lagos_plan, "aws:iam/role:Role", "acme").inputs
    trust, delegation = json.loads(role["assumeRolePolicy"])["Statement"]
    assert delegation == {
        "Sid": "PlatformDelegatesWithExternalId", "Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"AWS": [f"arn:aws:iam::{ACCOUNT}:role/dbaas-kafka-connect"]},
        "Condition": {"StringEquals": {"sts:ExternalId": "acme"}},
    }
    issuer = "oidc.los1.dbaas.example.net"
    assert trust["Principal"] == {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/{issuer}"}
    assert trust["Condition"]["StringEquals"] == {
        f"{issuer}:sub": "system:serviceaccount:t-acme:tenant-workload", f"{issuer}:aud": "sts.amazonaws.com",
    }
    access = json.loads(one(lagos_plan, "aws:iam/rolePolicy:RolePolicy", "acme").inputs["policy"])
    key_arn = bucket_part(lagos_plan, "acme", "bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")["rules"][0]["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"]
    name = backup_bucket("acme", ACCOUNT)
    assert [(s["Action"], s["Resource"]) for s in access["Statement"]] == [
        (["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketVersions"], f"arn:aws:s3:::{name}"),
        (BUCKET_OBJECT_ACTIONS, f"arn:aws:s3:::{name}/*"),
        (KEY_USE_ACTIONS, key_arn),
    ]


def test_the_role_also_trusts_the_service_account_scylla_pods_run_under(lagos_plan):
    """naija-stream's ScyllaDB service `events`: the operator runs its pods (and their manager agent, which
    uploads backups and downloads restores) as `events-scylla-member`, which it annotates from the
    ScyllaCluster's own annotations; so the role trusts that ServiceAccount by name, and only it."""
    role = one(lagos_plan, "aws:iam/role:Role", "naija-stream").inputs
    trust = json.loads(role["assumeRolePolicy"])["Statement"][0]
    issuer = "oidc.los1.dbaas.example.net"
    assert trust["Condition"]["StringEquals"] == {
        f"{issuer}:sub": ["system:serviceaccount:t-naija-stream:tenant-workload",
                          "system:serviceaccount:t-naija-stream:events-scylla-member"],
        f"{issuer}:aud": "sts.amazonaws.com",
    }
    cluster = one(lagos_plan, "kubernetes:scylla.scylladb.com/v1:ScyllaCluster", "naija-stream").inputs
    assert cluster["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn":
                                                  f"arn:aws:iam::{ACCOUNT}:role/dbaas-tenant-naija-stream"}


@pytest.mark.parametrize("tenant, protected", [("acme", True), ("kudi-pay", True), ("naija-stream", False)])
def test_deletion_protection_on_data_holders(lagos_plan, tenant, protected):
    ns = one(lagos_plan, "kubernetes:core/v1:Namespace", tenant)
    assert (ns.protect, ns.retain_on_delete) == (protected, protected), ns.urn
    # the backups outlive every tenant, protected or not (issue 22, item 10): bucket and key are always retained
    for type_ in ("aws:s3/bucket:Bucket", "aws:kms/key:Key"):
        reg = one(lagos_plan, type_, tenant)
        assert (reg.protect, reg.retain_on_delete) == (protected, True), reg.urn
    # configuration children are not data: they stay replaceable
    policy = one(lagos_plan, "aws:s3/bucketPolicy:BucketPolicy", tenant)
    assert (policy.protect, policy.retain_on_delete) == (False, False)


def test_an_unprotected_tenants_decommission_keeps_its_bucket_and_key(tenants_copy):
    """naija-stream has no deletion protection: its final backup still lands in a bucket that
    outlives the destroy, readable with a key that outlives it too (issue 22, item 10)."""
    from tests.conftest import plan_with_tenants

    path = tenants_copy / "lagos" / "naija-stream.yaml"
    path.write_text(path.read_text() + "decommission: {requested_by: ops-oncall}\n")
    plan = plan_with_tenants("lagos", tenants_copy)
    for type_ in ("aws:s3/bucket:Bucket", "aws:kms/key:Key"):
        reg = one(plan, type_, "naija-stream")
        assert (reg.protect, reg.retain_on_delete) == (False, True), reg.urn
    ns = one(plan, "kubernetes:core/v1:Namespace", "naija-stream")
    assert (ns.protect, ns.retain_on_delete) == (False, False)


def test_tenant_level_decommission_releases_the_namespace_and_keeps_the_backups(tenants_copy):
    from tests.conftest import plan_with_tenants

    path = tenants_copy / "frankfurt" / "rhein-analytics.yaml"
    path.write_text(path.read_text() + "decommission: {requested_by: ops-oncall}\n")
    plan = plan_with_tenants("frankfurt", tenants_copy)
    ns = one(plan, "kubernetes:core/v1:Namespace", "rhein-analytics")
    assert (ns.protect, ns.retain_on_delete) == (False, False)
    for type_ in ("aws:s3/bucket:Bucket", "aws:kms/key:Key"):
        reg = one(plan, type_, "rhein-analytics")
        assert (reg.protect, reg.retain_on_delete) == (False, True), reg.urn
    # every service is decommissioned with a final backup: its main object is no longer protected
    psmdb = one(plan, "kubernetes:psmdb.percona.com/v1:PerconaServerMongoDB", "rhein-analytics")
    assert psmdb.protect is False
    assert [r.inputs["metadata"]["name"] for r in resources(plan, "kubernetes:psmdb.percona.com/v1:PerconaServerMongoDBBackup", "rhein-analytics")] == ["reports-mongodb-final"]
