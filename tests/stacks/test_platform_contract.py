"""The platform contract: every output a tenant stack reads exists in the platform's plan."""

from __future__ import annotations

import dataclasses

import pytest

from tools.offline.mocks import StackOutputs
from stacks.platform_contract import (
    CONTRACT_VERSION, OUTPUT_NAMES, SECRET_OUTPUTS, PlatformContractError, parse_contract,
)
from tests.stacks.helpers import platform_run, tenant_run

STACK = "organization/dbaas-platform/lagos"


@pytest.mark.parametrize("region", ["lagos", "frankfurt"])
def test_every_output_the_tenant_stack_reads_is_in_the_platform_plan(region):
    outputs = platform_run(region).outputs
    assert set(OUTPUT_NAMES) <= set(outputs.values)
    assert outputs.secret_names == SECRET_OUTPUTS
    contract = parse_contract(STACK, outputs.values, outputs.secret_names)
    assert contract.contract_version == CONTRACT_VERSION
    assert contract.region == region
    assert contract.kafka.connect_role_arn.endswith(":role/dbaas-kafka-connect")


def test_the_contract_names_what_build_tenant_used_to_take_from_the_region():
    assert OUTPUT_NAMES == (
        "contractVersion", "region", "popName", "awsRegion", "awsAccountId", "kubernetesVersion", "storageClass",
        "kmsDeletionWindowDays", "backupNoncurrentVersionDays", "oidcIssuer", "engineOperatorRoleArns", "kubeconfig",
        "aerospikeFeatureKey",
        "network", "kafka", "observability")


@pytest.mark.parametrize("name", [n for n in OUTPUT_NAMES if n != "contractVersion"])
def test_removing_any_output_fails_with_its_name(name):
    outputs = platform_run("lagos").outputs
    values = {k: v for k, v in outputs.values.items() if k != name}
    with pytest.raises(PlatformContractError) as caught:
        parse_contract(STACK, values, outputs.secret_names)
    assert str(caught.value) == (f"platform stack {STACK} does not export the platform contract v{CONTRACT_VERSION}:\n"
                                 f"  {name}: Field required")


def test_removing_a_nested_output_fails_with_its_path():
    outputs = platform_run("lagos").outputs
    kafka = {k: v for k, v in outputs.values["kafka"].items() if k != "connectRoleArn"}
    with pytest.raises(PlatformContractError, match=r"\n  kafka\.connectRoleArn: Field required$"):
        parse_contract(STACK, {**outputs.values, "kafka": kafka}, outputs.secret_names)


def test_another_contract_version_is_refused():
    outputs = platform_run("lagos").outputs
    with pytest.raises(PlatformContractError) as caught:
        parse_contract(STACK, {**outputs.values, "contractVersion": 2}, outputs.secret_names)
    assert str(caught.value) == (f"platform stack {STACK}: contractVersion is 2, this tenant program reads version 1; "
                                 "update the platform stack (or this repository) first")


def test_a_secret_exported_in_clear_is_refused():
    outputs = platform_run("lagos").outputs
    with pytest.raises(PlatformContractError, match=f"^platform stack {STACK}: outputs kubeconfig must be secrets$"):
        parse_contract(STACK, outputs.values, frozenset({"aerospikeFeatureKey"}))


def test_a_tenant_stack_against_a_platform_without_an_output_fails_clearly():
    outputs = platform_run("lagos").outputs
    broken = dataclasses.replace(outputs, values={k: v for k, v in outputs.values.items() if k != "oidcIssuer"})
    with pytest.raises(Exception, match=r"does not export the platform contract v1:\n  oidcIssuer: Field required"):
        tenant_run("lagos", "acme", StackOutputs(broken.values, broken.secret_names))
