"""`dbaas up REGION --dry-run`: the platform stack first, then the tenant stacks, creating missing
ones with the region's secrets provider."""

from __future__ import annotations

from dbaas.cli import main

INIT = "pulumi stack init lagos.{} --secrets-provider 'awskms://alias/dbaas-pulumi-secrets?region=af-south-1'"


def test_dry_run_prints_the_commands_in_order(tmp_path, capsys):
    existing = tmp_path / "stacks.txt"
    existing.write_text("lagos.acme\n")
    assert main(["up", "lagos", "--dry-run", "--existing", str(existing), "--parallel", "2"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "# 1. platform stack lagos (tenant stacks read its outputs)",
        "pulumi up --yes --stack lagos --policy-pack policies",
        "# 2. 3 tenant stack(s), up to 2 at a time; one failing stops no other",
        "(cd tenant_project && pulumi up --yes --stack lagos.acme --policy-pack ../policies)",
        f"(cd tenant_project && {INIT.format('kudi-pay')})",
        "(cd tenant_project && pulumi up --yes --stack lagos.kudi-pay --policy-pack ../policies)",
        f"(cd tenant_project && {INIT.format('naija-stream')})",
        "(cd tenant_project && pulumi up --yes --stack lagos.naija-stream --policy-pack ../policies)",
    ]


def test_selected_tenants_only_and_unknown_ones_refused(capsys):
    assert main(["up", "lagos", "--tenant", "kudi-pay", "--dry-run"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-2:] == [f"(cd tenant_project && {INIT.format('kudi-pay')})",
                          "(cd tenant_project && pulumi up --yes --stack lagos.kudi-pay --policy-pack ../policies)"]
    assert main(["up", "lagos", "--tenant", "bergbahn", "--dry-run"]) == 1
    assert capsys.readouterr().out == "--tenant:1:1: tenant: no tenant 'bergbahn' in region lagos\n"
