"""`dbaas migrate`: clear one-line errors, never a traceback, never a password."""

from __future__ import annotations

import pytest

from dbaas.cli import main

SECRET = "hunter2-Sup3rSecret"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["migrate", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_migrates_a_bare_database_then_reports_nothing_to_do(capsys, bare_db):
    code, out, err = run(capsys, "--dsn", bare_db.dsn())
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert [line.split(" (")[0].strip() for line in lines if line.strip().startswith("up")] == [
        "up 0001_schema_and_catalog", "up 0002_tenant_tables", "up 0003_audit_events",
        "up 0004_apply_records", "up 0005_recorder_role"]
    assert lines[-1] == "schema moved from version 0 to 5"
    assert run(capsys, "--dsn", bare_db.dsn()) == (0, "already at version 5: nothing to do\n", "")
    code, out, _ = run(capsys, "--dsn", bare_db.dsn(), "--to", "2")
    assert (code, out.splitlines()[-1]) == (0, "schema moved from version 5 to 2")


@pytest.mark.parametrize("dsn, expected", [
    (f"host=localhost password={SECRET} garbage", "dbaas migrate: invalid --dsn: "),
    (f"postgresql://dbaas_app:{SECRET}@127.0.0.1:notaport/controlplane",
     'dbaas migrate: cannot connect: connection is bad: invalid integer value "notaport" for connection option "port"'),
    (f"postgresql://dbaas_app:{SECRET}@127.0.0.1:1/controlplane?connect_timeout=2", "dbaas migrate: cannot connect: "),
])
def test_bad_dsns_give_one_clear_line_without_the_password(capsys, dsn, expected):
    code, out, err = run(capsys, "--dsn", dsn)
    assert (code, out) == (1, "")
    assert err.startswith(expected) and err.count("\n") == 1
    assert SECRET not in err and "Traceback" not in err


def test_wrong_password_is_reported_without_echoing_it(capsys, bare_db):
    server = bare_db.server
    code, _, err = run(capsys, "--dsn", f"host=127.0.0.1 port={server.port} user=dbaas_app password={SECRET} dbname={bare_db.name}")
    assert code == 1
    assert err.startswith("dbaas migrate: cannot connect: ") and 'password authentication failed for user "dbaas_app"' in err
    assert SECRET not in err


def test_out_of_range_target_and_missing_directory(capsys, bare_db, tmp_path):
    assert run(capsys, "--dsn", bare_db.dsn(), "--to", "9")[2] == "dbaas migrate: --to 9 is out of range: versions run 0..5\n"
    code, _, err = run(capsys, "--dsn", bare_db.dsn(), "--migrations-dir", str(tmp_path / "nope"))
    assert (code, err) == (1, f"dbaas migrate: {tmp_path / 'nope'}: migrations directory not found\n")
