"""Every tenant flow the README documents, as pull requests through the CI workflow's own commands.

The commands are read from .github/workflows/pull-request.yml (`dbaas validate`, `dbaas policy
<stack>`, `dbaas diff <stack> --base origin/<base> ... --fail-on-destroy`) and run in a real git
repository holding a copy of the project, where `origin/main` is what is deployed. Each step is
one pull request: the change in the working tree, CI's exit codes and key lines asserted, then
merged (committed to main, origin/main moved) as the next step's base.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from dbaas.cli import main
from tests.conftest import PROJECT_DIR

WORKFLOW = PROJECT_DIR / ".github" / "workflows" / "pull-request.yml"
PROJECT_PARTS = ("api", "components", "dbaas", "policies", "stacks", "tenants")
PROJECT_FILES = ("Pulumi.yaml", "Pulumi.lagos.yaml", "Pulumi.frankfurt.yaml", "__main__.py")
STACK, BASE_REF = "lagos", "main"
TENANT = Path("tenants/lagos/zuma.yaml")
ONBOARD = """\
# yaml-language-server: $schema=../schema.json
id: zuma
name: Zuma Payments
org: zuma
plan: standard
data_region: lagos
owners: [zuma-admins]
deletion_protection: true
data_classes: [financial]
services:
  - name: ledger
    engine: yugabyte
    version: "2.20"
    topology: clustered
    replicas: 3
    storage_gb: 100
    backups: {schedule: "0 2 * * *", retention_days: 30}
    cdc: true
  - name: cache
    engine: dragonfly
    version: "1.25"
    topology: single
    replicas: 1
    storage_gb: 20
    backups: {schedule: "30 * * * *", retention_days: 3}
"""
CACHE = ONBOARD[ONBOARD.index("  - name: cache"):]


def ci_commands() -> list[list[str]]:
    """The `dbaas` commands the pull-request jobs run, with the matrix stack and base ref filled in."""
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    commands = []
    for job in ("validate", "policy", "diff"):
        for step in workflow["jobs"][job]["steps"]:
            run = str(step.get("run", "")).strip()
            if run.startswith(".venv/bin/dbaas"):
                text = run.replace("$STACK", STACK).replace("$BASE_REF", BASE_REF)
                commands.append(shlex.split(text)[1:])
    return commands


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=ci", "-c", "user.email=ci@example.net", *args],
                   check=True, capture_output=True, text=True)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch) -> Path:
    project = tmp_path / "repo"
    for part in PROJECT_PARTS:
        shutil.copytree(PROJECT_DIR / part, project / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in PROJECT_FILES:
        shutil.copyfile(PROJECT_DIR / name, project / name)
    _git(project, "init", "-q", "-b", "main")
    _git(project, "add", ".")
    _git(project, "commit", "-q", "-m", "deployed")
    _git(project, "update-ref", "refs/remotes/origin/main", "main")
    monkeypatch.chdir(project)
    return project


ARTIFACTS: dict[str, str] = {}
"""The files the last CI run uploaded (policy-lagos.json, diff-lagos.md, diff-lagos.json)."""


def run_ci(capsys) -> dict[str, tuple[int, str]]:
    """Every CI command on the working tree: command name -> (exit code, stdout). Each job runs on
    its own runner, so what one command writes (its artifacts) is taken away before the next."""
    results = {}
    ARTIFACTS.clear()
    for args in ci_commands():
        code = main(args)
        results[args[0]] = (code, capsys.readouterr().out)
        for written in list(Path.cwd().glob("policy-*.json")) + list(Path.cwd().glob("diff-*.*")):
            ARTIFACTS[written.name] = written.read_text(encoding="utf-8")
            written.unlink()
    return results


def merge(repo: Path, message: str) -> None:
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message)
    _git(repo, "update-ref", "refs/remotes/origin/main", "main")


def _lines(output: str, prefix: str) -> list[str]:
    return [line.strip() for line in output.splitlines() if line.strip().startswith(prefix)]


def _names(lines: list[str]) -> set[str]:
    return {line.rsplit("::", 1)[-1] for line in lines}


def test_the_workflow_runs_validate_policy_and_diff_with_fail_on_destroy():
    assert [c[0] for c in ci_commands()] == ["validate", "policy", "diff"]
    assert ci_commands()[2][:4] == ["diff", STACK, "--base", "origin/main"] and "--fail-on-destroy" in ci_commands()[2]
    jobs = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"]
    # The offline policy job guards what the analyzer cannot see: it runs for every stack, on forks
    # too (no condition), and the real preview waits for it.
    assert jobs["policy"]["strategy"]["matrix"]["stack"] == ["lagos", "frankfurt"] and "if" not in jobs["policy"]
    assert "policy" in jobs["preview"]["needs"]


def test_every_documented_flow_passes_the_documented_ci(repo: Path, capsys):
    tenant = repo / TENANT

    # 1. Onboard a tenant: one new file.
    tenant.write_text(ONBOARD, encoding="utf-8")
    ci = run_ci(capsys)
    assert {name: code for name, (code, _) in ci.items()} == {"validate": 0, "policy": 0, "diff": 0}
    assert "all passed" in ci["policy"][1]
    summary = json.loads(ARTIFACTS["diff-lagos.json"])["summary"]
    assert (summary["create"] > 50, summary["replace"], summary["delete"]) == (True, 0, 0)
    assert "Only tenant files changed; rendered the changed tenants only: zuma." in ci["diff"][1]
    merge(repo, "onboard zuma")

    # 2. Change a service.
    tenant.write_text(ONBOARD.replace("storage_gb: 100", "storage_gb: 150"), encoding="utf-8")
    ci = run_ci(capsys)
    assert {name: code for name, (code, _) in ci.items()} == {"validate": 0, "policy": 0, "diff": 0}
    summary = json.loads(ARTIFACTS["diff-lagos.json"])["summary"]
    assert (summary["create"], summary["update"] > 0, summary["delete"]) == (0, True, 0)
    merge(repo, "grow zuma/ledger")
    deployed = tenant.read_text(encoding="utf-8")

    # 3. Remove a protected service without decommissioning it: refused, with the way out.
    tenant.write_text(deployed.replace(CACHE, ""), encoding="utf-8")
    ci = run_ci(capsys)
    assert ci["validate"][0] == 0 and ci["diff"][0] == 1
    assert _lines(ci["diff"][1], "removal blocked:") == [
        "removal blocked: tenants/lagos/zuma.yaml:10:1: services: removing the service would delete the dragonfly "
        "instance of service 'cache' of protected tenant 'zuma'; to decommission it, first merge a change that adds "
        "`decommission: {requested_by: <you>, final_backup: true}` to services[1] ('cache') and let it deploy "
        "(it takes a final backup and lifts the protection); remove the service in a later change"]
    assert "removal refused: engine instance" in ci["diff"][1]
    tenant.write_text(deployed, encoding="utf-8")

    # 4. Decommission the service: protection lifted, a final backup; the pack accepts it.
    decommissioned = deployed.replace(
        '    backups: {schedule: "30 * * * *", retention_days: 3}\n',
        '    backups: {schedule: "30 * * * *", retention_days: 3}\n'
        '    decommission: {requested_by: alice, final_backup: true}\n')
    tenant.write_text(decommissioned, encoding="utf-8")
    ci = run_ci(capsys)
    assert {name: code for name, (code, _) in ci.items()} == {"validate": 0, "policy": 0, "diff": 0}
    assert "lacks protect" not in ci["policy"][1] and "all passed" in ci["policy"][1]
    assert "(options).protect: true -> false" in ci["diff"][1]
    merge(repo, "decommission zuma/cache")

    # 5. Remove the decommissioned service: allowed; its instance goes as decommissioned, nothing is destroyed.
    tenant.write_text(decommissioned.replace(CACHE.replace(
        '    backups: {schedule: "30 * * * *", retention_days: 3}\n',
        '    backups: {schedule: "30 * * * *", retention_days: 3}\n'
        '    decommission: {requested_by: alice, final_backup: true}\n'), ""), encoding="utf-8")
    assert "cache" not in tenant.read_text(encoding="utf-8")
    ci = run_ci(capsys)
    assert {name: code for name, (code, _) in ci.items()} == {"validate": 0, "policy": 0, "diff": 0}
    out = ci["diff"][1]
    assert "DESTRUCTIVE" not in out and "removal blocked" not in out and "removal refused" not in out
    assert _names(_lines(out, "DECOMMISSIONED engine instance")) == {"zuma.cache.dragonfly"}
    report = json.loads(ARTIFACTS["diff-lagos.json"])
    assert report["destructive"] == [] and report["refused"] == []
    assert {u.rsplit("::", 1)[-1] for u in report["decommissioned"]} == {"zuma.cache.dragonfly"}
    merge(repo, "remove zuma/cache")

    # 6. Decommission the tenant: protection lifted everywhere, the bucket and key stay retained.
    tenant.write_text(tenant.read_text(encoding="utf-8") + "decommission: {requested_by: alice}\n", encoding="utf-8")
    ci = run_ci(capsys)
    assert {name: code for name, (code, _) in ci.items()} == {"validate": 0, "policy": 0, "diff": 0}
    assert "lacks protect" not in ci["policy"][1] and "all passed" in ci["policy"][1]
    merge(repo, "decommission zuma")

    # 7. Remove the tenant: allowed; the bucket, key and topics leave the stack but stay retained.
    tenant.unlink()
    ci = run_ci(capsys)
    assert {name: code for name, (code, _) in ci.items()} == {"validate": 0, "policy": 0, "diff": 0}
    out = ci["diff"][1]
    assert "DESTRUCTIVE" not in out and "removal blocked" not in out and "removal refused" not in out
    assert _names(_lines(out, "RETAINED")) == {
        "zuma.backups", "zuma.key", "zuma.topic-audit", "zuma.topic-metrics", "zuma.topic-alerts",
        "dbaas.cdc.yugabyte.zuma.ledger-topic",
        "zuma.ledger.final-backup"}  # one-shot backup objects are retained, so the backup outlives its object
    assert {"zuma.namespace", "zuma.ledger.ybuniverse"} <= _names(_lines(out, "DECOMMISSIONED"))
    comment = ARTIFACTS["diff-lagos.md"]
    assert "> [!NOTE]" in comment and "[!CAUTION]" not in comment
    assert "leave(s) the stack but stay retained in AWS or the cluster (retainOnDelete)" in comment
