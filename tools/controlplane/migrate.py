"""The migration runner: one transaction, one advisory lock, checksums, idempotent.

Everything (role bootstrap, history, every step) commits together or not at all, so a failed
run leaves the database exactly as it found it. Migrations run as `dbaas_owner` with an empty
search path, so objects are owned by the owner and every name in a file must be qualified.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import psycopg
from psycopg import errors

from declarations.controlplane_schema.migration_files import Migration
from declarations.controlplane_schema.roles import OWNER, ensure_roles

LOCK_KEY = int.from_bytes(b"dbaasmig", "big")
"""pg_advisory_xact_lock key shared by every runner of this schema."""
HISTORY_TABLE = "dbaas_migrations.applied"


class MigrationError(RuntimeError):
    """A refusal or failure that the CLI reports as one clear line."""


@dataclass(frozen=True)
class Step:
    version: int
    name: str
    direction: str
    milliseconds: float


@dataclass
class MigrationResult:
    start_version: int
    end_version: int
    steps: list[Step] = field(default_factory=list)
    created_roles: list[str] = field(default_factory=list)


def _ensure_history(conn: psycopg.Connection) -> None:
    conn.execute("CREATE SCHEMA IF NOT EXISTS dbaas_migrations")
    conn.execute(
        f"""CREATE TABLE IF NOT EXISTS {HISTORY_TABLE} (
                version integer PRIMARY KEY CHECK (version > 0),
                name text NOT NULL,
                checksum text NOT NULL CHECK (checksum ~ '^[0-9a-f]{{64}}$'),
                applied_at timestamptz NOT NULL DEFAULT now()
            )"""
    )


def _check_history(applied: dict[int, tuple[str, str]], migrations: list[Migration]) -> int:
    """The applied version; refuses edited, renamed, unknown or non-contiguous history."""
    known = {m.version: m for m in migrations}
    for version, (name, checksum) in sorted(applied.items()):
        m = known.get(version)
        if m is None:
            raise MigrationError(f"the database has migration {version:04d}_{name} applied, which is not in the migration files")
        if (name, checksum) != (m.name, m.checksum):
            raise MigrationError(
                f"applied migration {m.label} was edited after it was applied (checksum {checksum[:12]} in the "
                f"database, {m.checksum[:12]} on disk): add a new migration instead of changing an applied one"
            )
    current = max(applied, default=0)
    if sorted(applied) != list(range(1, current + 1)):
        raise MigrationError(f"applied migrations are not contiguous: {sorted(applied)}")
    return current


def _run(conn: psycopg.Connection, m: Migration, direction: str) -> Step:
    started = time.perf_counter()
    try:
        with conn.transaction():  # a savepoint: the error names the step, the outer rollback undoes all
            conn.execute(m.up_sql if direction == "up" else m.down_sql)
    except psycopg.Error as exc:
        detail = exc.diag.message_primary or str(exc).splitlines()[0]
        raise MigrationError(f"{m.label} ({direction}) failed: SQLSTATE {exc.sqlstate}: {detail}") from None
    if direction == "up":
        conn.execute(f"INSERT INTO {HISTORY_TABLE} (version, name, checksum) VALUES (%s, %s, %s)",
                     (m.version, m.name, m.checksum))
    else:
        conn.execute(f"DELETE FROM {HISTORY_TABLE} WHERE version = %s", (m.version,))
    return Step(m.version, m.name, direction, (time.perf_counter() - started) * 1000)


def migrate(
    conn: psycopg.Connection,
    migrations: list[Migration],
    target: int | None = None,
    lock_wait_seconds: float = 60,
) -> MigrationResult:
    """Move the schema to `target` (default: the latest), up or down, in one transaction."""
    latest = len(migrations)
    target = latest if target is None else target
    if not 0 <= target <= latest:
        raise MigrationError(f"--to {target} is out of range: versions run 0..{latest}")
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        raise MigrationError("the runner needs a connection with no transaction in progress")
    with conn.transaction():
        conn.execute("SELECT set_config('lock_timeout', %s, true)", (f"{int(lock_wait_seconds * 1000)}ms",))
        try:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
        except errors.LockNotAvailable:
            raise MigrationError(
                f"another migration runner holds the migration lock; gave up after {lock_wait_seconds:g}s"
            ) from None
        created = ensure_roles(conn)
        try:
            conn.execute(f"SET LOCAL ROLE {OWNER}")
        except errors.InsufficientPrivilege:
            raise MigrationError(f"{conn.info.user!r} may not act as {OWNER}: it must be a member of that role") from None
        conn.execute("SET LOCAL search_path = pg_catalog, pg_temp")
        _ensure_history(conn)
        applied = {v: (n, c) for v, n, c in conn.execute(f"SELECT version, name, checksum FROM {HISTORY_TABLE}")}
        current = _check_history(applied, migrations)
        result = MigrationResult(start_version=current, end_version=target, created_roles=created)
        if target > current:
            result.steps = [_run(conn, m, "up") for m in migrations[current:target]]
        elif target < current:
            result.steps = [_run(conn, m, "down") for m in reversed(migrations[target:current])]
    return result
