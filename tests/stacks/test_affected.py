"""`dbaas stacks --affected BASE HEAD`: exactly the stacks a change can alter."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tools.deploy.affected_stacks import affected_stacks
from dbaas.cli import main

HEAD_TENANTS = ["tenants/lagos/acme.yaml", "tenants/lagos/kudi-pay.yaml", "tenants/frankfurt/bergbahn.yaml"]
ALL_TENANT_STACKS = ["frankfurt.bergbahn", "lagos.acme", "lagos.kudi-pay"]


@pytest.mark.parametrize(("changed", "expected"), [
    (["tenants/lagos/acme.yaml"], ["lagos.acme"]),
    (["tenants/lagos/acme.yaml", "tenants/frankfurt/bergbahn.yaml"], ["frankfurt.bergbahn", "lagos.acme"]),
    (["tenants/lagos/gone.yaml"], []),  # a removed tenant's stack is destroyed, not previewed
    (["Pulumi.lagos.yaml"], ["lagos"]),
    (["components/pop/cluster.py"], ["lagos", "frankfurt"]),
    (["stacks/platform/program.py", "README.md"], ["lagos", "frankfurt"]),
    (["components/tenant/namespace.py"], ALL_TENANT_STACKS),
    (["tenant_project/Pulumi.yaml"], ALL_TENANT_STACKS),
    (["stacks/tenant/args.py"], ALL_TENANT_STACKS),
    (["stacks/platform/args.py"], ["lagos", "frankfurt"]),
    (["stacks/platform_contract.py"], ["lagos", "frankfurt", *ALL_TENANT_STACKS]),  # both sides of the contract
    (["declarations/tenant_model.py"], ["lagos", "frankfurt", *ALL_TENANT_STACKS]),
    # the floors above the stacks: no program imports them (tests/spine/test_layers.py)
    (["tools/offline/plan.py", "dbaas/cli.py", "tools/controlplane/migrate.py"], []),
    (["components/engines/mongodb.py"], ["lagos", "frankfurt", *ALL_TENANT_STACKS]),
    (["docs/conventions.md", "tests/stacks/test_split.py", "tenants/schema.json", "api/app.py"], []),
])
def test_affected_stacks(changed, expected):
    assert affected_stacks(changed, HEAD_TENANTS) == expected


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.net", *args],
                   check=True, capture_output=True)


def test_cli_prints_the_stacks_between_two_revisions(tmp_path, monkeypatch, capsys):
    repo = tmp_path / "repo"
    (repo / "tenants" / "lagos").mkdir(parents=True)
    (repo / "Pulumi.yaml").write_text("name: dbaas-platform\n")
    (repo / "tenants" / "lagos" / "acme.yaml").write_text("id: acme\n")
    (repo / "tenants" / "lagos" / "kudi-pay.yaml").write_text("id: kudi-pay\n")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "base")
    (repo / "tenants" / "lagos" / "acme.yaml").write_text("id: acme\nname: Acme\n")
    _git(repo, "commit", "-q", "-am", "acme")
    monkeypatch.chdir(repo)
    assert main(["stacks", "--affected", "HEAD~1", "HEAD"]) == 0
    assert capsys.readouterr().out == "lagos.acme\n"
    assert main(["stacks", "--affected", "HEAD~1", "HEAD", "--json"]) == 0
    assert capsys.readouterr().out == '["lagos.acme"]\n'
    assert main(["stacks", "--affected", "HEAD~1", "nope"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("(git):1:1: --affected: ") and "nope" in out
