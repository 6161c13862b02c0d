"""`dbaas up lagos --database-url URL` closes the status loop: driven by the fake `pulumi`
(tests/up/fake_pulumi.py) against a real PostgreSQL (tests/controlplane/conftest.py), it leaves one
record per stack it applied, written by the recorder as `dbaas record-apply` writes them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from declarations.controlplane_schema.roles import APP, RECORDER
from declarations.stack_config import load_stack_file
from dbaas.cli import main
from declarations.controlplane_schema.migration_files import load_migrations
from tests.controlplane.conftest import Database, create_database, drop_database, pg_server  # noqa: F401 (fixture)
from tools.controlplane.migrate import migrate
from tests.up.fake_pulumi import Scenario, install
from tests.up.test_up_runs import PROJECT_DIR, by_stack, calls, plain, up
from tools.controlplane.tenant_identity import tenant_key
from tools.controlplane.tenant_scope import platform_transaction, tenant_transaction
from tools.offline.plan import plan_platform

HEAD = subprocess.run(["git", "rev-parse", "HEAD"], cwd=PROJECT_DIR, capture_output=True, text=True, check=True).stdout.strip()
STACKS = ["lagos", "lagos.acme", "lagos.kudi-pay", "lagos.naija-stream"]
KUDI_ERROR = ("error: update failed\n  kubernetes:planetscale.com/v2:VitessCluster (kudi-pay.ledger):\n"
              "    error: resource kudi-pay/ledger was not successfully created by the Kubernetes API server")


def tenant_stack_outputs(tenant: str, services: dict[str, tuple[str, str, int]]) -> dict:
    """What a tenant stack's `stack output --json` prints: its `tenant_outputs` export (stacks/tenant/program.py)."""
    return {"tenant_outputs": {tenant: {
        "services": {name: {"engine": engine, "host": host, "port": port, "tls_required": True,
                            "ca_secret": f"{name}-{engine}-tls", "credentials_secret": f"{name}-{engine}-credentials"}
                     for name, (engine, host, port) in services.items()},
        "bucket": f"dbaas-{tenant}-0a1b2c3d",
        "kms_key_arn": "arn:aws:kms:af-south-1:111122223333:key/6f1c5d0e-4a8b-5e2f-9c3d-2b1a0f9e8d7c",
    }}}


ACME = tenant_stack_outputs("acme", {"orders": ("yugabyte", "orders-yb-tserver-service.t-acme.svc.cluster.local", 5433),
                                     "sessions": ("dragonfly", "sessions-dragonfly.t-acme.svc.cluster.local", 6379)})
NAIJA = tenant_stack_outputs("naija-stream", {
    "events": ("scylla", "events-scylla-client.t-naija-stream.svc.cluster.local", 9142),
    "cache": ("dragonfly", "cache-dragonfly.t-naija-stream.svc.cluster.local", 6379)})


@pytest.fixture
def db(pg_server) -> Database:  # noqa: F811
    """A migrated control-plane database with no tenant yet (the first `dbaas up` of a region)."""
    fresh = create_database(pg_server)
    with fresh.connect() as conn:
        migrate(conn, load_migrations())
        conn.commit()
    try:
        yield fresh
    finally:
        drop_database(fresh)


@pytest.fixture(scope="module")
def platform_outputs() -> tuple[dict, dict]:
    """The lagos platform stack's planned outputs: as `stack output --json` prints them ("[secret]" for
    the kubeconfig and the Aerospike key), and the values a record may keep."""
    outputs = plan_platform(load_stack_file(PROJECT_DIR, "lagos")).outputs
    assert outputs.secret_names == {"kubeconfig", "aerospikeFeatureKey"}
    printed = {k: "[secret]" if k in outputs.secret_names else v for k, v in outputs.values.items()}
    kept = {k: v for k, v in outputs.values.items() if k not in outputs.secret_names}
    return printed, json.loads(json.dumps(kept))


def run_up(tmp_path: Path, scenario: Scenario, database_url: str, *options: str):
    fake = install(tmp_path / "fake", scenario)
    code = main(["up", "lagos", "--pulumi", str(fake.path), "--retry-delay", "0", "--database-url", database_url,
                 *options])
    return code, fake


def tenant_rows(db, tenant: str) -> list[tuple]:
    with db.app() as conn, tenant_transaction(conn, tenant_key(tenant)):
        return conn.execute("SELECT stack, commit_sha, result, error, outputs, recorded_by FROM dbaas.stack_applies").fetchall()


def test_one_record_per_stack_failed_for_the_failed_one_succeeded_with_outputs_for_the_rest(
        tmp_path, capsys, monkeypatch, db, platform_outputs):
    printed, kept = platform_outputs
    monkeypatch.setenv("DBAAS_ACTOR", "ci/deploy#42")
    scenario = Scenario(stacks=STACKS, fail={"lagos.kudi-pay": KUDI_ERROR.removeprefix("error: ")},
                        outputs={"lagos": printed, "lagos.acme": ACME, "lagos.naija-stream": NAIJA},
                        upgrade_warning=True)
    code, fake = run_up(tmp_path, scenario, db.dsn(RECORDER))
    assert code == 1  # one stack failed
    output = capsys.readouterr().out
    # the outputs were read after each stack's up, from its own project, and never for the failed stack
    sequence = calls(fake)
    assert sequence[1:3] == [(".", ["up", "--yes", "--stack", "lagos", "--policy-pack", "policies"]),
                             (".", ["stack", "output", "--json", "--stack", "lagos"])]
    grouped = by_stack(sequence[3:])
    for stack in ("lagos.acme", "lagos.naija-stream"):
        assert grouped[stack] == [up(stack), ("tenant_project", ["stack", "output", "--json", "--stack", stack])]
    assert grouped["lagos.kudi-pay"] == [up("lagos.kudi-pay")]

    with db.connect(RECORDER) as conn, platform_transaction(conn):  # the API role reads no platform applies
        assert conn.execute("SELECT stack, commit_sha, result, error, outputs, recorded_by FROM dbaas.platform_applies"
                            ).fetchall() == [("lagos", HEAD, "succeeded", None, kept, "ci/deploy#42")]
    assert "offline-placeholder-secret" not in json.dumps(kept) and "[secret]" not in json.dumps(kept)
    # a record keeps the outputs contract of its tenant (tools/controlplane/recorded_outputs.py), unwrapped
    assert tenant_rows(db, "acme") == [("lagos.acme", HEAD, "succeeded", None, ACME["tenant_outputs"]["acme"], "ci/deploy#42")]
    assert tenant_rows(db, "naija-stream") == [
        ("lagos.naija-stream", HEAD, "succeeded", None, NAIJA["tenant_outputs"]["naija-stream"], "ci/deploy#42")]
    [(stack, commit, result, error, outputs, _)] = tenant_rows(db, "kudi-pay")
    assert (stack, commit, result, outputs) == ("lagos.kudi-pay", HEAD, "failed", {})
    assert error == f"Updating (lagos.kudi-pay):\n{KUDI_ERROR}"  # the CLI's output, the reason at its end
    with db.connect() as admin:  # nothing else was written
        assert admin.execute("SELECT count(*) FROM dbaas.stack_applies").fetchone() == (3,)
        assert admin.execute("SELECT count(*) FROM dbaas.platform_applies").fetchone() == (1,)

    lines = plain(output)
    assert f"recorded  lagos: succeeded at {HEAD[:12]}; dropped secret output(s) kubeconfig, aerospikeFeatureKey" in lines
    assert f"recorded  lagos.kudi-pay: failed at {HEAD[:12]}" in lines
    assert lines[-4:] == ["  succeeded lagos               up", "  succeeded lagos.acme          up",
                          "  failed    lagos.kudi-pay      up exited 255", "  succeeded lagos.naija-stream  up"]


def test_a_failed_platform_stack_is_recorded_and_its_tenant_stacks_are_not_run_nor_recorded(tmp_path, capsys, db):
    code, _ = run_up(tmp_path, Scenario(stacks=STACKS, fail={"lagos": "preview failed: 1 policy violation"}), db.dsn(RECORDER))
    assert code == 1
    with db.connect(RECORDER) as conn, platform_transaction(conn):  # the API role reads no platform applies
        assert conn.execute("SELECT stack, result, error FROM dbaas.platform_applies").fetchall() == [
            ("lagos", "failed", "Updating (lagos):\nerror: preview failed: 1 policy violation")]
    with db.connect() as admin:
        assert admin.execute("SELECT count(*) FROM dbaas.stack_applies").fetchone() == (0,)


def test_outputs_that_miss_the_contract_leave_the_stack_unrecorded_and_fail_the_run_not_the_others(tmp_path, capsys, db):
    broken = {"tenant_outputs": {"acme": {"bucket": "dbaas-acme-0a1b2c3d"}}}
    code, _ = run_up(tmp_path, Scenario(stacks=STACKS, outputs={"lagos.acme": broken, "lagos.naija-stream": NAIJA,
                                                                "lagos.kudi-pay": tenant_stack_outputs("kudi-pay", {})}),
                     db.dsn(RECORDER), "--tenant", "acme", "--tenant", "naija-stream")
    assert code == 1
    out = capsys.readouterr().out
    assert "unrecorded lagos.acme: its outputs miss the tenant outputs contract: services: Field required" in plain(out)
    assert out.endswith("not recorded in the control plane: 1 stack(s)\n"
                        "  lagos.acme: its outputs miss the tenant outputs contract: services: Field required\n")
    assert tenant_rows(db, "acme") == []
    assert [row[:3] for row in tenant_rows(db, "naija-stream")] == [("lagos.naija-stream", HEAD, "succeeded")]


def test_a_control_plane_it_cannot_write_to_runs_nothing(tmp_path, capsys, db):
    code, fake = run_up(tmp_path, Scenario(stacks=STACKS), db.dsn("postgres"))
    assert code == 1
    assert calls(fake) == [("tenant_project", ["stack", "ls", "--json"])]
    assert capsys.readouterr().err == (
        "dbaas up: nothing run: the control plane cannot record the applies: connected as 'postgres': connect as "
        "'dbaas_recorder', the role that records applies, under row-level security\n")


def test_the_api_role_cannot_record_so_nothing_runs(tmp_path, capsys, db):
    code, fake = run_up(tmp_path, Scenario(stacks=STACKS), db.dsn(APP))
    assert code == 1
    assert calls(fake) == [("tenant_project", ["stack", "ls", "--json"])]
    assert "connected as 'dbaas_app': connect as 'dbaas_recorder'" in capsys.readouterr().err
