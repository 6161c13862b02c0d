"""clusterMode and the PoP config keys: located errors, kubeconfig required only in adopt mode."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from declarations.errors import InputError
from declarations.stack_config import load_stack_file
from tests.conftest import PROJECT_DIR


def _stack(tmp_path: Path, stack: str, edit) -> Path:
    shutil.copy(PROJECT_DIR / f"Pulumi.{stack}.yaml", tmp_path / f"Pulumi.{stack}.yaml")
    shutil.copy(PROJECT_DIR / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    path = tmp_path / f"Pulumi.{stack}.yaml"
    path.write_text(edit(path.read_text()))
    return tmp_path


def _problems(tmp_path: Path, stack: str) -> list[str]:
    with pytest.raises(InputError) as exc:
        load_stack_file(tmp_path, stack)
    return [str(p) for p in exc.value.problems]


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_shipped_modes(lagos_plan, frankfurt_plan):
    assert lagos_plan.stack_file.config.cluster_mode == "adopt"
    assert frankfurt_plan.stack_file.config.cluster_mode == "create"


def test_create_mode_needs_no_kubeconfig(tmp_path):
    project = _stack(tmp_path, "frankfurt", lambda t: t)
    assert "dbaas-platform:kubeconfig" not in (project / "Pulumi.frankfurt.yaml").read_text()
    loaded = load_stack_file(project, "frankfurt")
    assert (loaded.config.cluster_mode, loaded.config.oidc_issuer) == ("create", None)


def test_adopt_mode_kubeconfig_is_an_operator_set_secret(tmp_path):
    """Never committed: the offline plan stands in a [secret]; a real run needs `pulumi config set --secret`."""
    loaded = load_stack_file(_stack(tmp_path, "lagos", lambda t: t), "lagos")
    assert loaded.unset_secrets == ["dbaas-platform:aerospikeFeatureKey", "dbaas-platform:kubeconfig"]
    assert "dbaas-platform:kubeconfig" in loaded.secret_keys


def test_bad_mode_is_located(tmp_path):
    project = _stack(tmp_path, "lagos", lambda t: t.replace("clusterMode: adopt", "clusterMode: borrow"))
    text = (project / "Pulumi.lagos.yaml").read_text()
    [problem] = _problems(project, "lagos")
    assert problem.startswith(f"Pulumi.lagos.yaml:{_line_of(text, 'clusterMode')}:")
    assert "dbaas-platform:clusterMode" in problem and "'adopt' or 'create'" in problem


def test_vpc_cidr_too_small(tmp_path):
    project = _stack(tmp_path, "frankfurt", lambda t: t.replace("vpcCidr: 10.72.0.0/16", "vpcCidr: 10.72.0.0/24"))
    text = (project / "Pulumi.frankfurt.yaml").read_text()
    [problem] = _problems(project, "frankfurt")
    assert problem.startswith(f"Pulumi.frankfurt.yaml:{_line_of(text, 'vpcCidr')}:")
    assert "must be a /16 to /20" in problem and "got /24" in problem


def test_node_max_below_min(tmp_path):
    project = _stack(tmp_path, "frankfurt", lambda t: t.replace("databaseNodeMaxSize: 18", "databaseNodeMaxSize: 2"))
    [problem] = _problems(project, "frankfurt")
    assert "dbaas-platform:databaseNodeMaxSize" in problem and "at least the min size (3), got 2" in problem


def test_acme_needs_email_and_zone(tmp_path):
    def drop(text: str) -> str:
        return "".join(line for line in text.splitlines(keepends=True) if "acmeEmail" not in line and "acmeDnsZoneId" not in line)
    problems = _problems(_stack(tmp_path, "frankfurt", drop), "frankfurt")
    assert sorted(p.split(": ", 1)[1] for p in problems) == [
        "config.dbaas-platform:acmeDnsZoneId: required when clusterIssuer is acme-dns01",
        "config.dbaas-platform:acmeEmail: required when clusterIssuer is acme-dns01",
    ]


def test_vault_needs_server(tmp_path):
    def drop(text: str) -> str:
        return "".join(line for line in text.splitlines(keepends=True) if "vaultServer" not in line)
    [problem] = _problems(_stack(tmp_path, "lagos", drop), "lagos")
    assert problem.endswith("dbaas-platform:vaultServer: required when secretStore is vault")
