"""Stack files are read into a typed model; mistakes are located in the file."""

import shutil
from pathlib import Path

import pytest

from declarations.errors import InputError
from declarations.stack_config import load_stack_file
from tests.conftest import PROJECT_DIR


def test_shipped_stacks_carry_real_region_facts():
    lagos = load_stack_file(PROJECT_DIR, "lagos")
    frankfurt = load_stack_file(PROJECT_DIR, "frankfurt")
    assert (lagos.config.region, lagos.config.aws_region, lagos.config.pop_name) == ("lagos", "af-south-1", "los1")
    assert (frankfurt.config.region, frankfurt.config.aws_region, frankfurt.config.pop_name) == ("frankfurt", "eu-central-1", "fra1")
    assert lagos.secret_keys == ["dbaas-platform:aerospikeFeatureKey", "dbaas-platform:kubeconfig"]
    assert (lagos.config.cluster_mode, frankfurt.config.cluster_mode) == ("adopt", "create")
    assert "dbaas-platform:kubeconfig" not in frankfurt.pulumi_config  # a created cluster brings its own
    assert lagos.pulumi_config["pulumi:disable-default-providers"] == '["*"]'


def broken(tmp_path: Path, old: str, new: str) -> list[str]:
    text = (PROJECT_DIR / "Pulumi.lagos.yaml").read_text()
    assert old in text
    (tmp_path / "Pulumi.lagos.yaml").write_text(text.replace(old, new, 1))
    shutil.copy(PROJECT_DIR / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    with pytest.raises(InputError) as exc:
        load_stack_file(tmp_path, "lagos")
    return [str(p) for p in exc.value.problems]


def pos(tmp_path: Path, text: str) -> str:
    """'LINE:COL' of the first occurrence of `text` in the broken copy."""
    for i, line in enumerate((tmp_path / "Pulumi.lagos.yaml").read_text().splitlines(), 1):
        if text in line:
            return f"{i}:{line.index(text) + 1}"
    raise AssertionError(text)


def test_bad_aws_region_is_located(tmp_path):
    [problem] = broken(tmp_path, "awsRegion: af-south-1", "awsRegion: capetown-1")
    assert problem == (
        f"Pulumi.lagos.yaml:{pos(tmp_path, 'capetown-1')}: config.dbaas-platform:awsRegion: "
        "String should match pattern '^[a-z]{2}(-gov)?-[a-z]+-\\d$'"
    )


def test_region_must_equal_stack_name(tmp_path):
    [problem] = broken(tmp_path, "region: lagos", "region: frankfurt")
    assert problem == f"Pulumi.lagos.yaml:{pos(tmp_path, 'frankfurt')}: config.dbaas-platform:region: region 'frankfurt' must equal the stack name 'lagos'"


def test_kubeconfig_must_be_a_secret(tmp_path):
    [problem] = broken(tmp_path, "  dbaas-platform:popName: los1\n",
                       "  dbaas-platform:popName: los1\n  dbaas-platform:kubeconfig: apiVersion-v1-in-clear\n")
    assert problem == (f"Pulumi.lagos.yaml:{pos(tmp_path, 'apiVersion-v1')}: config.dbaas-platform:kubeconfig: "
                       "must be set as a secret (pulumi config set --secret)")


def test_unknown_and_missing_keys(tmp_path):
    problems = broken(tmp_path, "  dbaas-platform:popName: los1\n", "  dbaas-platform:popname: los1\n")
    assert sorted(problems) == sorted([
        f"Pulumi.lagos.yaml:{pos(tmp_path, 'config:')}: config: Stack 'lagos' is missing configuration value "
        "'dbaas-platform:popName' (declared in Pulumi.yaml without a default)",
        f"Pulumi.lagos.yaml:{pos(tmp_path, 'dbaas-platform:popname')}: config.dbaas-platform:popname: config key "
        "'popname' is not declared in Pulumi.yaml; did you mean 'popName'?",
    ])


def test_adopted_cluster_needs_its_issuer(tmp_path):
    problems = broken(tmp_path, "  dbaas-platform:oidcIssuer: oidc.los1.dbaas.example.net\n", "")
    assert [p.split(": ", 1)[1] for p in problems] == [
        "config: oidcIssuer is required when clusterMode is adopt (IRSA trusts the cluster's issuer)"
    ]


def test_kms_window_bounds(tmp_path):
    [problem] = broken(tmp_path, "kmsDeletionWindowDays: 30", "kmsDeletionWindowDays: 3")
    assert problem.endswith("config.dbaas-platform:kmsDeletionWindowDays: Input should be greater than or equal to 7")
