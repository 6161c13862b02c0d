"""The `dbaas` command line as users and CI run it: exit codes and output, never a traceback."""

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import PROJECT_DIR
from tests.spine.tenant_files import valid_text, write


def dbaas(*args: str, cwd: Path = PROJECT_DIR) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    return subprocess.run([sys.executable, "-m", "dbaas.cli", *args], cwd=cwd, env=env, capture_output=True, text=True)


def test_validate_shipped_tree_is_clean():
    result = dbaas("validate")
    assert (result.returncode, result.stdout, result.stderr) == (
        0, "ok: 6 tenant file(s) valid\nok: every Kubernetes object of 8 stack(s) in 2 region(s) validates "
           "(strict schemas, CRD CEL rules)\n", "")


def test_validate_reports_each_problem_and_exits_1(tmp_path):
    tree = tmp_path / "tenants"
    path = write(tree, "lagos", "test-a", valid_text().replace("plan: standard", "plan: gold").replace("replicas: 3", "replicas: 2"))
    result = dbaas("validate", "--tenants-dir", str(tree), str(path))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "tenants/lagos/test-a.yaml:5:7: plan: Input should be 'starter', 'standard' or 'enterprise'",
        "tenants/lagos/test-a.yaml:14:15: services[0].replicas: a clustered topology needs at least 3 replicas, not 2",
    ]
    assert "Traceback" not in result.stderr


def test_validate_named_file_checks_id_uniqueness_against_the_tree(tmp_path):
    tree = tmp_path / "tenants"
    write(tree, "lagos", "test-a", valid_text())
    other = write(tree, "frankfurt", "test-a", valid_text(region="frankfurt"))
    result = dbaas("validate", "--tenants-dir", str(tree), str(other))
    assert result.returncode == 1
    assert result.stdout == "tenants/frankfurt/test-a.yaml:1:1: id: tenant id 'test-a' is already used by tenants/lagos/test-a.yaml\n"


def test_validate_missing_file_is_a_located_problem(tmp_path):
    (tmp_path / "tenants").mkdir()  # the tree exists (a missing tree is its own problem, see test_input_surfaces)
    result = dbaas("validate", "--tenants-dir", str(tmp_path / "tenants"), str(tmp_path / "nope.yaml"))
    assert (result.returncode, result.stdout) == (1, "nope.yaml:1:1: (file): cannot read file: No such file or directory\n")


def test_usage_errors_exit_2():
    assert dbaas().returncode == 2
    assert dbaas("plan").returncode == 2
    assert dbaas("frobnicate").returncode == 2


def test_plan_with_invalid_tenants_prints_validate_errors_and_exits_1(tmp_path):
    tree = tmp_path / "tenants"
    write(tree, "lagos", "test-a", valid_text().replace('"2.20"', '"1.0"'))
    result = dbaas("plan", "lagos", "--tenants-dir", str(tree))
    assert result.returncode == 1
    assert result.stdout == (
        "tenants/lagos/test-a.yaml:12:14: services[0].version: yugabyte '1.0' is not supported; "
        "choose one of 2.20, 2024.1, 2024.2\n"
    )
    assert "Traceback" not in result.stdout + result.stderr


def test_plan_unknown_stack_is_a_usage_error_listing_the_stacks():
    # Issue 15: an unknown stack is a usage error (exit 2) that lists the stacks there are.
    result = dbaas("plan", "atlantis")
    assert (result.returncode, result.stdout, result.stderr) == (
        2, "", f"dbaas plan: no stack 'atlantis' in {PROJECT_DIR} (no Pulumi.atlantis.yaml); stacks: frankfurt, lagos\n")


def test_plan_writes_preview_json_and_summarises_by_type_and_tenant(tmp_path):
    out = tmp_path / "lagos.json"
    result = dbaas("plan", "lagos", "--json", str(out))
    assert result.returncode == 0, result.stderr
    plan = json.loads(out.read_text())
    assert plan["changeSummary"] == {"create": sum(s["op"] == "create" for s in plan["steps"])}
    assert "By type:" in result.stdout and "By tenant (3):" in result.stdout
    for tenant in ("acme", "kudi-pay", "naija-stream"):
        assert any(line.split()[-1:] == [tenant] for line in result.stdout.splitlines())
    assert "[secret]" in out.read_text()
    assert "offline-placeholder-secret" not in out.read_text() + result.stdout


def test_validate_plans_a_schedule_that_runs_once_in_four_years(tmp_path):
    """Found by the fuzz test once `validate` planned the tree: a YugabyteDB backup on 29 February made the plan
    fail with an internal error (no two runs within two weeks to measure the incremental cadence by)."""
    from declarations.engine_catalog import shortest_interval
    import datetime as dt

    assert shortest_interval("0 0 29 2 *") == dt.timedelta(days=1461)
    assert shortest_interval("0 2 * * *") == dt.timedelta(days=1)
