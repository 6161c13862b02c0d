"""The tenant outputs contract (stacks/tenant/outputs.py) on the shipped stacks.

The exported value is read the way the engine receives it: serialised by the SDK's own
`rpc.serialize_property` (secrets keep their secret marker on the wire) and redacted, so a
secret anywhere in it would show up as "[secret]".
"""

from __future__ import annotations

import json
from pathlib import Path

import pulumi
import pytest
from pulumi.runtime import rpc

from tools.offline.runtime import SECRET, redact, run_program_capturing
from declarations.outputs_contract import TenantOutputs
from declarations.stack_config import PROJECT, load_stack_file
from declarations.tenant_loader import load_tenant_tree
from tests.conftest import PROJECT_DIR, TENANTS_DIR, one, resources

_EXPORTED: dict[tuple[str, Path], dict] = {}


def exported_tenant_outputs(stack: str, tenants_dir: Path = TENANTS_DIR) -> dict:
    """The `tenant_outputs` stack output of `stack`'s real program under the offline runtime
    (cached for the shipped tenants tree only: other trees change between calls)."""
    if (stack, tenants_dir) in _EXPORTED:
        return _EXPORTED[(stack, tenants_dir)]
    stack_file = load_stack_file(PROJECT_DIR, stack)
    tenants = load_tenant_tree(tenants_dir, region=stack_file.config.region)
    captured: dict = {}

    def program():
        from stacks import one_stack_region as stack_program

        stack_program.run(tenants=tenants)
        value = pulumi.runtime.get_root_resource().outputs["tenant_outputs"]

        async def resolve() -> None:
            captured.update(redact(rpc.deserialize_property(await rpc.serialize_property(value, [], None))))

        return resolve()

    run_program_capturing(program, project=PROJECT, stack=stack, config=stack_file.pulumi_config,
                          secret_keys=stack_file.secret_keys, default_account=stack_file.config.aws_account_id)
    if tenants_dir == TENANTS_DIR:
        _EXPORTED[(stack, tenants_dir)] = captured
    return captured


def service(engine: str, name: str, namespace: str, host_prefix: str, port: int, ca_secret: str) -> dict:
    return {"engine": engine, "host": f"{host_prefix}.{namespace}.svc.cluster.local", "port": port,
            "tls_required": True, "ca_secret": ca_secret, "credentials_secret": f"{name}-{engine}-credentials"}


LAGOS = {
    "acme": {
        "bucket": "dbaas-acme-0d37ebf7",
        "kms_key_arn": "arn:aws:kms:af-south-1:111122223333:key/f590edad-f081-5de9-8b12-168ecd35fd37",
        "services": {
            "orders": service("yugabyte", "orders", "t-acme", "orders-yugabyte-yb-tserver-service", 5433,
                              "orders-yugabyte-yugabyte-tls-client-cert"),
            "sessions": service("dragonfly", "sessions", "t-acme", "sessions-dragonfly", 6379, "sessions-dragonfly-tls"),
        },
    },
    "kudi-pay": {
        "bucket": "dbaas-kudi-pay-3c5aea6d",
        "kms_key_arn": "arn:aws:kms:af-south-1:111122223333:key/6c909002-2c15-5875-bea1-af54204639ec",
        "services": {
            "ledger": service("vitess", "ledger", "t-kudi-pay", "ledger-vitess-vtgate", 3306, "ledger-vitess-tls"),
            "wallets": service("mongodb", "wallets", "t-kudi-pay", "wallets-mongodb-rs0", 27017, "wallets-mongodb-ssl"),
        },
    },
    "naija-stream": {
        "bucket": "dbaas-naija-stream-bfcd6378",
        "kms_key_arn": "arn:aws:kms:af-south-1:111122223333:key/9134ee11-df36-5b29-bd3d-40b2edb76aba",
        "services": {
            "cache": service("dragonfly", "cache", "t-naija-stream", "cache-dragonfly", 6379, "cache-dragonfly-tls"),
            "events": service("scylla", "events", "t-naija-stream", "events-scylla-client", 9142,
                              "events-scylla-local-serving-ca"),
        },
    },
}


def test_lagos_exports_exactly_the_contract_per_tenant() -> None:
    assert exported_tenant_outputs("lagos") == LAGOS


def test_aerospike_endpoint_in_frankfurt() -> None:
    services = exported_tenant_outputs("frankfurt")["bergbahn"]["services"]
    aerospike = [s for s in services.values() if s["engine"] == "aerospike"]
    assert len(aerospike) == 1
    name = next(n for n, s in services.items() if s["engine"] == "aerospike")
    assert aerospike[0] == service("aerospike", name, "t-bergbahn", f"{name}-aerospike", 4333, f"{name}-aerospike-tls")


@pytest.mark.parametrize("stack", ["lagos", "frankfurt"])
def test_what_the_program_exports_is_what_record_apply_and_the_api_read(stack: str) -> None:
    for tenant, outputs in exported_tenant_outputs(stack).items():
        assert TenantOutputs.model_validate(outputs).model_dump(mode="json") == outputs, tenant


@pytest.mark.parametrize("stack", ["lagos", "frankfurt"])
def test_no_output_holds_a_secret(stack: str) -> None:
    text = json.dumps(exported_tenant_outputs(stack))
    assert SECRET not in text
    assert "password" not in text.lower()


@pytest.mark.parametrize("tenant", sorted(LAGOS))
def test_outputs_name_what_the_lagos_plan_creates(lagos_plan, tenant: str) -> None:
    """Bucket, key and credentials Secrets are the plan's own resources, not names guessed apart."""
    outputs = exported_tenant_outputs("lagos")[tenant]
    bucket = one(lagos_plan, "aws:s3/bucket:Bucket", tenant, f"{tenant}.backups")
    assert bucket.inputs["bucket"] == outputs["bucket"]
    sse = one(lagos_plan, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
              tenant, f"{tenant}.backups-encryption")
    assert sse.inputs["rules"][0]["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"] == outputs["kms_key_arn"]
    secrets = {(s.inputs["metadata"]["namespace"], s.inputs["metadata"]["name"])
               for s in resources(lagos_plan, "kubernetes:core/v1:Secret", tenant) if "name" in s.inputs["metadata"]}
    for svc in outputs["services"].values():
        assert (f"t-{tenant}", svc["credentials_secret"]) in secrets
