"""`dbaas preview STACK` (CI's preview job) against the fake `pulumi`: only stacks that exist are
previewed, a new one is reported as such; a platform stack gets its secrets from the environment."""

from __future__ import annotations

import pytest

from dbaas.cli import main
from tests.up.fake_pulumi import Scenario, install
from tests.up.test_up_runs import calls

KEY, KUBECONFIG = "mesh-feature-key-1\nfeature-2\n", "apiVersion: v1\nkind: Config\n"


@pytest.fixture
def secrets(monkeypatch):
    monkeypatch.setenv("DBAAS_AEROSPIKE_FEATURE_KEY", KEY)
    monkeypatch.setenv("DBAAS_KUBECONFIG", KUBECONFIG)


def preview(tmp_path, scenario: Scenario, stack: str):
    fake = install(tmp_path / "fake", scenario)
    return main(["preview", stack, "--pulumi", str(fake.path)]), fake


def test_a_tenant_stack_that_does_not_exist_is_reported_new_not_previewed(tmp_path, capsys, lagos_plan):
    creates = len([r for r in lagos_plan.registrations if r.urn.startswith("urn:pulumi:lagos.acme::")])
    assert 55 <= creates <= 70
    code, fake = preview(tmp_path, Scenario(stacks=["organization/dbaas-tenant/lagos.kudi-pay"], upgrade_warning=True),
                         "lagos.acme")
    assert code == 0
    assert calls(fake) == [("tenant_project", ["stack", "ls", "--json"])]
    assert capsys.readouterr().out == (
        f"new stack lagos.acme: it does not exist yet, so there is nothing to preview; `dbaas up` creates it "
        f"(`pulumi stack init`, then `pulumi up`): {creates} resources to create (offline plan; the diff job lists them)\n")


def test_an_existing_tenant_stack_is_previewed_with_the_policy_pack_and_no_secrets(tmp_path, capsys):
    code, fake = preview(tmp_path, Scenario(stacks=["organization/dbaas-tenant/lagos.acme"], upgrade_warning=True), "lagos.acme")
    assert code == 0
    assert calls(fake) == [("tenant_project", ["stack", "ls", "--json"]),
                           ("tenant_project", ["preview", "--stack", "lagos.acme", "--policy-pack", "../policies",
                                               "--non-interactive"])]
    assert fake.config_set() == []


def test_a_platform_stack_gets_its_secrets_from_the_environment_on_stdin(tmp_path, capsys, secrets):
    code, fake = preview(tmp_path, Scenario(stacks=["lagos"]), "lagos")
    assert code == 0
    assert calls(fake) == [
        (".", ["stack", "ls", "--json"]),
        (".", ["config", "set", "--secret", "aerospikeFeatureKey", "--stack", "lagos"]),
        (".", ["config", "set", "--secret", "kubeconfig", "--stack", "lagos"]),  # lagos adopts its cluster
        (".", ["preview", "--stack", "lagos", "--policy-pack", "policies", "--non-interactive"]),
    ]
    assert fake.config_set() == [["aerospikeFeatureKey", "lagos", len(KEY)], ["kubeconfig", "lagos", len(KUBECONFIG)]]
    assert KEY not in capsys.readouterr().out


def test_a_create_mode_platform_stack_needs_no_kubeconfig(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DBAAS_AEROSPIKE_FEATURE_KEY", KEY)
    monkeypatch.delenv("DBAAS_KUBECONFIG", raising=False)
    code, fake = preview(tmp_path, Scenario(stacks=["frankfurt"]), "frankfurt")
    assert code == 0
    assert fake.config_set() == [["aerospikeFeatureKey", "frankfurt", len(KEY)]]


def test_a_missing_secret_is_one_line_and_exit_2_before_the_cli_runs(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("DBAAS_AEROSPIKE_FEATURE_KEY", raising=False)
    monkeypatch.delenv("DBAAS_KUBECONFIG", raising=False)
    code, fake = preview(tmp_path, Scenario(stacks=["lagos"]), "lagos")
    assert code == 2
    assert calls(fake) == []
    assert capsys.readouterr().err == ("dbaas preview: lagos: the preview needs DBAAS_AEROSPIKE_FEATURE_KEY, "
                                       "DBAAS_KUBECONFIG from the CI's secret store (README \"CI secrets\")\n")


def test_a_failed_preview_fails_the_job(tmp_path, capsys):
    code, _ = preview(tmp_path, Scenario(stacks=["lagos.acme"], fail={"lagos.acme": "preview failed: 1 policy violation"}),
                      "lagos.acme")
    assert code == 1
