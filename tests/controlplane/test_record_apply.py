"""`dbaas record-apply` against a real PostgreSQL, as the recorder role under RLS."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import psycopg
import pytest

from declarations.controlplane_schema.roles import RECORDER
from tools.controlplane.tenant_identity import tenant_key
from tools.controlplane.tenant_scope import platform_transaction, tenant_transaction
from dbaas.cli import main
from tests.conftest import TENANTS_DIR
from tests.controlplane.seed import TENANT_A, TENANT_B

COMMIT_1 = "1" * 40
COMMIT_2 = "2" * 40
KUDI = tenant_key("kudi-pay")
CONTRACT = {
    "services": {
        "ledger": {"engine": "vitess", "host": "ledger-vitess-vtgate.t-kudi-pay.svc.cluster.local", "port": 3306,
                   "tls_required": True, "ca_secret": "ledger-vitess-tls", "credentials_secret": "ledger-vitess-credentials"},
    },
    "bucket": "dbaas-kudi-pay-3c5aea6d",
    "kms_key_arn": "arn:aws:kms:af-south-1:111122223333:key/d089726f-494d-5ad3-9f28-007843d85b54",
}


@pytest.fixture
def tenants(tmp_path: Path) -> Path:
    target = tmp_path / "tenants"
    shutil.copytree(TENANTS_DIR, target)
    return target


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def record(capsys, db, tenants: Path, *argv: str, user: str = RECORDER) -> tuple[int, str, str]:
    code = main(["record-apply", "--database-url", db.dsn(user), "--tenants-dir", str(tenants), "--actor", "ci-apply", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def tenant_rows(db, key, query: str, *params) -> list[tuple]:
    with db.app() as conn, tenant_transaction(conn, key):
        return conn.execute(query, params).fetchall()


def test_python_and_sql_derive_the_same_tenant_key(db):
    with db.connect() as conn:  # only register_tenant calls it; the app may not
        for slug in ("acme", "kudi-pay", "a" * 40, "x1y"):
            assert conn.execute("SELECT dbaas.tenant_key(%s)", (slug,)).fetchone()[0] == tenant_key(slug)
    assert tenant_key("acme").version == 8
    assert str(tenant_key("acme")) != str(tenant_key("acme2"))


def test_a_succeeded_apply_is_recorded_once_with_its_audit_event(capsys, db, tenants, tmp_path):
    outputs = write(tmp_path, "out.json", json.dumps({**CONTRACT, "admin_password": "[secret]"}, indent=2))
    argv = ("--stack", "lagos.kudi-pay", "--commit", COMMIT_1, "--result", "succeeded", "--outputs", str(outputs),
            "--time", "2026-01-31T12:00:00Z")
    assert record(capsys, db, tenants, *argv) == (
        0, f"dropped secret output admin_password\nrecorded lagos.kudi-pay at {COMMIT_1}: succeeded\n", "")
    rows = tenant_rows(db, KUDI, "SELECT stack, commit_sha, result, error, outputs, applied_at::text, recorded_by "
                                 "FROM dbaas.stack_applies")
    assert rows == [("lagos.kudi-pay", COMMIT_1, "succeeded", None, CONTRACT, "2026-01-31 12:00:00+00", "ci-apply")]
    assert tenant_rows(db, KUDI, "SELECT slug, display_name, plan_id, data_region FROM dbaas.tenants") == [
        ("kudi-pay", "Kudi Payments Ltd", "enterprise", "lagos")]
    audit = [("stack.apply_succeeded", "lagos.kudi-pay", "ci-apply", COMMIT_1, {"result": "succeeded"})]
    assert tenant_rows(db, KUDI, "SELECT action, target, actor, commit_sha, detail FROM dbaas.audit_events") == audit

    code, out, _ = record(capsys, db, tenants, *argv[:-2], "--time", "2026-02-01T00:00:00Z")
    assert code == 0
    assert out.endswith(f"already recorded lagos.kudi-pay at {COMMIT_1}: succeeded (recorded "
                        f"{out.split('(recorded ')[1].split(' by ')[0]} by ci-apply); nothing changed\n")
    assert tenant_rows(db, KUDI, "SELECT applied_at::text FROM dbaas.stack_applies") == [("2026-01-31 12:00:00+00",)]
    assert tenant_rows(db, KUDI, "SELECT action, target, actor, commit_sha, detail FROM dbaas.audit_events") == audit


def test_a_failed_apply_keeps_its_error_and_a_retry_at_the_same_commit_is_a_new_fact(capsys, db, tenants, tmp_path):
    error = "error: update failed: kubernetes:core/v1:Namespace t-kudi-pay: timed out"
    assert record(capsys, db, tenants, "--stack", "lagos.kudi-pay", "--commit", COMMIT_2, "--result", "failed",
                  "--error", error, "--time", "2026-01-31T12:00:00+00:00")[:2] == (0, f"recorded lagos.kudi-pay at {COMMIT_2}: failed\n")
    outputs = write(tmp_path, "out.json", json.dumps({"tenant_outputs": {"kudi-pay": CONTRACT}, "region": "lagos"}))
    assert record(capsys, db, tenants, "--stack", "lagos.kudi-pay", "--commit", COMMIT_2, "--result", "succeeded",
                  "--outputs", str(outputs), "--time", "2026-01-31T12:30:00Z")[0] == 0
    assert tenant_rows(db, KUDI, "SELECT result, error FROM dbaas.stack_applies ORDER BY applied_at") == [
        ("failed", error), ("succeeded", None)]
    assert tenant_rows(db, KUDI, "SELECT action, detail FROM dbaas.audit_events ORDER BY action") == [
        ("stack.apply_failed", {"result": "failed", "error": error}), ("stack.apply_succeeded", {"result": "succeeded"})]


def test_a_stack_of_an_unknown_tenant_is_a_clear_error_and_writes_nothing(capsys, db, tenants):
    assert record(capsys, db, tenants, "--stack", "lagos.nosuch", "--commit", COMMIT_1, "--result", "failed",
                  "--error", "boom") == (
        1, "tenants/lagos/nosuch.yaml:1:1: (file): stack lagos.nosuch names tenant 'nosuch', which has no declaration "
           "in region 'lagos': unknown tenant\n", "")
    assert tenant_rows(db, tenant_key("nosuch"), "SELECT count(*) FROM dbaas.tenants") == [(0,)]
    # a tenant of another region is unknown in this one
    assert record(capsys, db, tenants, "--stack", "frankfurt.kudi-pay", "--commit", COMMIT_1, "--result", "failed",
                  "--error", "boom")[0] == 1
    with db.connect() as admin:
        assert admin.execute("SELECT count(*) FROM dbaas.stack_applies WHERE stack LIKE '%nosuch%' OR stack LIKE 'frankfurt.%'"
                             ).fetchone() == (0,)


@pytest.mark.parametrize("outputs, expected", [
    ({**CONTRACT, "admin": {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "plaintext": "\"pw\""}},
     "out.json:14:12: admin: a serialised Pulumi secret: record the output of `pulumi stack output --json` without --show-secrets"),
    ({**CONTRACT, "db_password": "hunter2"},
     "out.json:14:3: db_password: holds a value under a secret's name; secrets never go into a record (print outputs without --show-secrets)"),
    ({"bucket": "b"}, "out.json:1:1: (document): no tenant outputs for 'kudi-pay': expected `services`, `bucket` and "
                      "`kms_key_arn` (or `tenant_outputs.kudi-pay`)"),
    ({**CONTRACT, "services": {"ledger": {**CONTRACT["services"]["ledger"], "port": 0}}},
     "out.json:6:15: services.ledger.port: Input should be greater than or equal to 1"),
])
def test_outputs_that_are_not_plain_or_not_the_contract_are_refused(capsys, db, tenants, tmp_path, outputs, expected):
    path = write(tmp_path, "out.json", json.dumps(outputs, indent=2))
    code, out, err = record(capsys, db, tenants, "--stack", "lagos.kudi-pay", "--commit", COMMIT_1, "--result",
                            "succeeded", "--outputs", str(path))
    assert (code, out.replace(str(tmp_path) + "/", ""), err) == (1, expected + "\n", "")
    assert "hunter2" not in out and "pw" not in out
    with db.connect() as admin:
        assert admin.execute("SELECT count(*) FROM dbaas.stack_applies WHERE stack = 'lagos.kudi-pay'").fetchone() == (0,)


def test_malformed_outputs_file_is_located(capsys, db, tenants, tmp_path):
    path = write(tmp_path, "out.json", '{"bucket": "a",\n "bucket": "b"}')
    code, out, _ = record(capsys, db, tenants, "--stack", "lagos.kudi-pay", "--commit", COMMIT_1, "--result",
                          "succeeded", "--outputs", str(path))
    assert code == 1 and out.startswith(f"{path}:2:2: bucket: ")


def test_a_platform_apply_is_visible_only_in_the_platform_scope(capsys, db, tenants, tmp_path):
    outputs = write(tmp_path, "out.json", json.dumps({"region": "lagos", "kubeconfig": "[secret]"}))
    assert record(capsys, db, tenants, "--stack", "lagos", "--commit", COMMIT_1, "--result", "succeeded",
                  "--outputs", str(outputs)) == (
        0, f"dropped secret output kubeconfig\nrecorded lagos at {COMMIT_1}: succeeded\n", "")
    with db.app() as api:  # the API's role cannot even read them
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied for table platform_applies"):
            api.execute("SELECT count(*) FROM dbaas.platform_applies")
    with db.connect(RECORDER) as conn:
        assert conn.execute("SELECT count(*) FROM dbaas.platform_applies").fetchone() == (0,)
        conn.rollback()
        for key in (TENANT_A.tenant_id, TENANT_B.tenant_id, KUDI):
            with tenant_transaction(conn, key):
                assert conn.execute("SELECT count(*) FROM dbaas.platform_applies").fetchone() == (0,)
        with platform_transaction(conn):
            assert conn.execute("SELECT stack, commit_sha, result, outputs FROM dbaas.platform_applies").fetchall() == [
                ("lagos", COMMIT_1, "succeeded", {"region": "lagos"})]
            # and the platform scope sees no tenant's rows
            assert conn.execute("SELECT count(*) FROM dbaas.stack_applies").fetchone() == (0,)


def test_the_records_of_one_tenant_are_invisible_to_another(capsys, db, tenants):
    assert record(capsys, db, tenants, "--stack", "lagos.kudi-pay", "--commit", COMMIT_1, "--result", "failed",
                  "--error", "boom")[0] == 0
    for other in (TENANT_A.tenant_id, TENANT_B.tenant_id, tenant_key("naija-stream")):
        assert tenant_rows(db, other, "SELECT count(*) FROM dbaas.stack_applies WHERE stack = 'lagos.kudi-pay'") == [(0,)]
        assert tenant_rows(db, other, "SELECT count(*) FROM dbaas.audit_events WHERE target = 'lagos.kudi-pay'") == [(0,)]


def test_register_tenant_only_registers_the_tenant_in_scope(db):
    with db.app() as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="tenant kudi-pay may be registered only with its "
                                                                       "own tenant in scope"):
            with tenant_transaction(conn, TENANT_A.tenant_id):
                conn.execute("SELECT dbaas.register_tenant('kudi-pay', 'K', 'starter', 'lagos')")
        with tenant_transaction(conn, KUDI):
            assert conn.execute("SELECT dbaas.register_tenant('kudi-pay', 'K', 'starter', 'lagos')").fetchone() == (KUDI,)
            assert conn.execute("SELECT dbaas.register_tenant('kudi-pay', 'Other', 'enterprise', 'lagos')").fetchone() == (KUDI,)
            assert conn.execute("SELECT display_name, plan_id FROM dbaas.tenants").fetchall() == [("K", "starter")]


@pytest.mark.parametrize("user", ["postgres", "dbaas_app"])
def test_only_the_recorder_role_may_record(capsys, db, tenants, user):
    code, out, err = record(capsys, db, tenants, "--stack", "lagos.kudi-pay", "--commit", COMMIT_1, "--result", "failed",
                            "--error", "boom", user=user)
    assert (code, out, err) == (1, "", f"dbaas record-apply: connected as {user!r}: connect as 'dbaas_recorder', the "
                                       "role that records applies, under row-level security\n")


def test_the_password_of_the_database_url_is_never_printed(capsys, db, tenants):
    dsn = f"postgresql://dbaas_recorder:Sup3rSecret-pw@127.0.0.1:{db.server.port}/{db.name}?connect_timeout=3"
    code = main(["record-apply", "--database-url", dsn, "--tenants-dir", str(tenants), "--stack", "lagos.kudi-pay",
                 "--commit", COMMIT_1, "--result", "failed", "--error", "boom"])
    out, err = capsys.readouterr()
    assert code == 1 and err.startswith("dbaas record-apply: cannot connect: ")
    assert "Sup3rSecret-pw" not in out + err


@pytest.mark.parametrize("argv, message", [
    (("--stack", "lagos.kudi-pay", "--commit", COMMIT_1, "--result", "failed"), "--result failed needs --error with the reason"),
    (("--stack", "lagos.kudi-pay", "--commit", COMMIT_1, "--result", "succeeded"),
     "a succeeded tenant stack needs --outputs (`pulumi stack output --json -s lagos.kudi-pay`)"),
    (("--stack", "lagos", "--commit", COMMIT_1, "--result", "succeeded", "--error", "x"), "--error is only for --result failed"),
])
def test_usage_errors(capsys, db, tenants, argv, message):
    assert record(capsys, db, tenants, *argv) == (2, "", f"dbaas record-apply: {message}\n")


@pytest.mark.parametrize("argv, message", [
    (("--stack", "Lagos", "--commit", COMMIT_1), "argument --stack: 'Lagos' is not a stack name: expected <region> or "
                                                 "<region>.<tenant-id>, e.g. lagos.acme"),
    (("--stack", "lima.acme", "--commit", COMMIT_1), "argument --stack: 'lima.acme': unknown region 'lima' (known: lagos, frankfurt)"),
    (("--stack", "lagos", "--commit", "abc123"), "argument --commit: 'abc123' is not a full 40-character lowercase hex commit SHA"),
    (("--stack", "lagos", "--commit", COMMIT_1, "--time", "2026-01-31T12:00:00"),
     "argument --time: '2026-01-31T12:00:00' has no time zone; add Z or +HH:MM"),
])
def test_argument_errors_exit_2(capsys, argv, message):
    with pytest.raises(SystemExit) as exc:
        main(["record-apply", "--result", "failed", "--error", "x", *argv])
    assert exc.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == f"dbaas record-apply: error: {message}"


def test_a_tenant_registered_under_another_key_is_a_clear_error(capsys, db, tenants):
    with db.connect() as admin:
        admin.execute("INSERT INTO dbaas.tenants (id, slug, display_name, plan_id, data_region) "
                      "VALUES ('99999999-0000-4000-8000-000000000000', 'kudi-pay', 'Legacy', 'enterprise', 'lagos')")
        admin.commit()
    assert record(capsys, db, tenants, "--stack", "lagos.kudi-pay", "--commit", COMMIT_1, "--result", "failed",
                  "--error", "boom") == (
        1, "", f"dbaas record-apply: tenant 'kudi-pay' is already in dbaas.tenants under a key other than "
               f"dbaas.tenant_key('kudi-pay') ({KUDI}); re-key that row as the migrator first\n")
    with db.connect() as admin:
        assert admin.execute("SELECT count(*) FROM dbaas.stack_applies WHERE stack = 'lagos.kudi-pay'").fetchone() == (0,)
