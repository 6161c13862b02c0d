"""The runner: up/down/up, idempotence, checksums, the advisory lock, all-or-nothing."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import psycopg
import pytest

from tools.controlplane.migrate import LOCK_KEY, MigrationError, migrate
from declarations.controlplane_schema.migration_files import (MIGRATIONS_DIR, MigrationFileError, load_migrations,
                                          migrations_digest)
from declarations.controlplane_schema.roles import MIGRATOR, OWNER

LATEST = 5


def catalog_fingerprint(conn: psycopg.Connection) -> list[tuple]:
    """Everything the migrations define, in a comparable form (names, kinds, owners, ACLs, policies)."""
    relations = conn.execute("""
        SELECT c.relname, c.relkind, c.relowner::regrole::text, c.relrowsecurity, c.relforcerowsecurity,
               coalesce(c.relacl::text, ''), coalesce(c.reloptions::text, '')
          FROM pg_class c WHERE c.relnamespace = 'dbaas'::regnamespace ORDER BY 1""").fetchall()
    policies = conn.execute("""
        SELECT polrelid::regclass::text, polname, polpermissive, pg_get_expr(polqual, polrelid)
          FROM pg_policy ORDER BY 1, 2""").fetchall()
    functions = conn.execute("""
        SELECT proname, prosecdef, coalesce(proconfig::text, ''), coalesce(proacl::text, '')
          FROM pg_proc WHERE pronamespace = 'dbaas'::regnamespace ORDER BY 1""").fetchall()
    return relations + policies + functions


def history(conn: psycopg.Connection) -> list[tuple]:
    return conn.execute("SELECT version, name FROM dbaas_migrations.applied ORDER BY version").fetchall()


def has_schema(conn: psycopg.Connection) -> bool:
    return conn.execute("SELECT to_regnamespace('dbaas') IS NOT NULL").fetchone()[0]


def test_up_down_up_is_clean_and_identical(bare_db):
    migrations = load_migrations()
    with bare_db.connect(autocommit=True) as conn:
        first = migrate(conn, migrations)
        assert [(s.version, s.direction) for s in first.steps] == [(1, "up"), (2, "up"), (3, "up"), (4, "up"), (5, "up")]
        fingerprint = catalog_fingerprint(conn)
        assert len(fingerprint) > 60
        down = migrate(conn, migrations, target=0)
        assert [(s.version, s.direction) for s in down.steps] == [(5, "down"), (4, "down"), (3, "down"), (2, "down"), (1, "down")]
        assert (has_schema(conn), history(conn)) == (False, [])
        assert conn.execute("SELECT count(*) FROM pg_policy").fetchone()[0] == 0
        migrate(conn, migrations, target=1)
        assert history(conn) == [(1, "schema_and_catalog")]
        migrate(conn, migrations)
        assert catalog_fingerprint(conn) == fingerprint
        assert [v for v, _ in history(conn)] == [1, 2, 3, 4, 5]


def test_second_run_is_a_no_op(db):
    with db.connect(autocommit=True) as conn:
        before = conn.execute("SELECT version, checksum, applied_at FROM dbaas_migrations.applied ORDER BY 1").fetchall()
        result = migrate(conn, load_migrations())
        assert (result.start_version, result.end_version, result.steps, result.created_roles) == (LATEST, LATEST, [], [])
        assert conn.execute("SELECT version, checksum, applied_at FROM dbaas_migrations.applied ORDER BY 1").fetchall() == before


def copy_migrations(tmp_path: Path) -> Path:
    target = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


def test_edited_applied_migration_is_refused(db, tmp_path):
    edited = copy_migrations(tmp_path)
    path = edited / "0002_tenant_tables.up.sql"
    path.write_text(path.read_text() + "\nCREATE INDEX users_email ON dbaas.users (tenant_id, email);\n")
    with db.connect(autocommit=True) as conn:
        with pytest.raises(MigrationError, match=r"applied migration 0002_tenant_tables was edited after it was applied"):
            migrate(conn, load_migrations(edited))
        assert conn.execute("SELECT to_regclass('dbaas.users_email')").fetchone()[0] is None


def test_applied_migration_missing_from_files_is_refused(db, tmp_path):
    fewer = copy_migrations(tmp_path)
    for half in fewer.glob("0005_*"):
        half.unlink()
    with db.connect(autocommit=True) as conn, pytest.raises(MigrationError, match=r"0005_recorder_role applied, which is not in"):
        migrate(conn, load_migrations(fewer))


def test_a_failing_migration_rolls_back_the_whole_run(bare_db, tmp_path):
    broken = copy_migrations(tmp_path)
    (broken / "0006_broken.up.sql").write_text("CREATE TABLE dbaas.ok (id uuid PRIMARY KEY);\nSELECT * FROM dbaas.missing;\n")
    (broken / "0006_broken.down.sql").write_text("DROP TABLE dbaas.ok;\n")
    with bare_db.connect(autocommit=True) as conn:
        with pytest.raises(MigrationError) as exc:
            migrate(conn, load_migrations(broken))
        assert str(exc.value) == ('0006_broken (up) failed: SQLSTATE 42P01: relation "dbaas.missing" does not exist')
        assert has_schema(conn) is False
        assert conn.execute("SELECT to_regclass('dbaas_migrations.applied')").fetchone()[0] is None


def test_a_held_lock_makes_a_second_runner_give_up_clearly(bare_db):
    with bare_db.connect(autocommit=True) as holder, bare_db.connect(autocommit=True) as runner:
        holder.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
        with pytest.raises(MigrationError, match=r"another migration runner holds the migration lock; gave up after 0.2s"):
            migrate(runner, load_migrations(), lock_wait_seconds=0.2)
        assert has_schema(runner) is False


def test_concurrent_runners_apply_each_migration_once(bare_db):
    results, failures = [], []

    def run() -> None:
        try:
            with bare_db.connect(autocommit=True) as conn:
                results.append(len(migrate(conn, load_migrations()).steps))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            failures.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert failures == []
    assert sorted(results) == [0, 0, LATEST]
    with bare_db.connect() as conn:
        assert [v for v, _ in history(conn)] == [1, 2, 3, 4, 5]


def test_roles_are_ensured_with_exact_attributes_and_repaired(bare_db):
    with bare_db.connect(autocommit=True) as conn:
        migrate(conn, load_migrations(), target=0)
        conn.execute("ALTER ROLE dbaas_app BYPASSRLS CREATEDB")  # drift that a second run must repair
        assert migrate(conn, load_migrations(), target=0).created_roles == []
        attributes = conn.execute("""
            SELECT rolname, rolcanlogin, rolsuper, rolbypassrls, rolcreatedb, rolcreaterole, rolreplication
              FROM pg_roles WHERE rolname LIKE 'dbaas\\_%' ORDER BY 1""").fetchall()
        assert attributes == [("dbaas_app", True, False, False, False, False, False),
                              ("dbaas_migrator", True, False, False, False, False, False),
                              ("dbaas_owner", False, False, False, False, False, False),
                              ("dbaas_recorder", True, False, False, False, False, False)]
        memberships = conn.execute("""SELECT r.rolname, m.rolname FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid
                                       JOIN pg_roles m ON m.oid = a.member WHERE m.rolname LIKE 'dbaas\\_%'""").fetchall()
        assert memberships == [(OWNER, MIGRATOR)]


def test_the_migrator_role_migrates_and_the_owner_owns_everything(bare_db):
    with bare_db.connect(autocommit=True) as admin:
        migrate(admin, load_migrations(), target=0)  # roles only, as CloudNativePG would have made them
        admin.execute(f'ALTER DATABASE "{bare_db.name}" OWNER TO {OWNER}')
        admin.execute("DROP SCHEMA dbaas_migrations CASCADE")
    with bare_db.connect(MIGRATOR, autocommit=True) as conn:
        assert len(migrate(conn, load_migrations()).steps) == LATEST
        owners = conn.execute("""SELECT DISTINCT relowner::regrole::text FROM pg_class
                                  WHERE relnamespace IN ('dbaas'::regnamespace, 'dbaas_migrations'::regnamespace)""").fetchall()
        assert owners == [(OWNER,)]


def test_target_out_of_range_is_refused(db):
    with db.connect(autocommit=True) as conn, pytest.raises(MigrationError, match=r"--to 7 is out of range: versions run 0..5"):
        migrate(conn, load_migrations(), target=7)


@pytest.mark.parametrize("files, message", [
    ({"0001_a.up.sql": "", "0001_a.down.sql": "", "0003_c.up.sql": "", "0003_c.down.sql": ""}, "without gaps"),
    ({"0001_a.up.sql": ""}, "0001_a: missing the .down.sql half"),
    ({"1_a.up.sql": ""}, "1_a.up.sql: expected NNNN_<name>.up.sql"),
])
def test_malformed_migration_directories_are_refused(tmp_path, files, message):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(MigrationFileError, match=message.replace(".", r"\.")):
        load_migrations(tmp_path)


def test_digest_changes_with_any_file(tmp_path):
    copy = copy_migrations(tmp_path)
    before = migrations_digest(load_migrations(copy))
    assert before == migrations_digest(load_migrations())
    down = copy / "0001_schema_and_catalog.down.sql"
    down.write_text(down.read_text() + "\n")
    assert migrations_digest(load_migrations(copy)) != before
