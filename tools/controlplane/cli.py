"""`dbaas migrate --dsn DSN [--to N]`: apply or roll back the control-plane migrations.

Errors are one line on stderr and exit code 1; nothing the user typed as a password is echoed.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict

from tools.controlplane.migrate import MigrationError, migrate
from declarations.controlplane_schema.migration_files import MIGRATIONS_DIR, MigrationFileError, load_migrations
from declarations.controlplane_schema.roles import RoleError

EXIT_OK, EXIT_FAILED = 0, 1
REDACTED = "[secret]"
_URL_PASSWORD = re.compile(r"(?<=://)([^:/@\s]*):([^@\s]*)@")
_KEYWORD_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


def redact(text: str, dsn: str) -> str:
    """`text` with any password from `dsn` (URL or key=value form) replaced by [secret]."""
    secrets = {m.group(2) for m in _URL_PASSWORD.finditer(dsn)} | {m.group(2).strip("'") for m in _KEYWORD_PASSWORD.finditer(dsn)}
    secrets.add(_parsed_password(dsn))
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return _KEYWORD_PASSWORD.sub(rf"\1{REDACTED}", _URL_PASSWORD.sub(rf"\1:{REDACTED}@", text))


def _parsed_password(dsn: str) -> str:
    """The password libpq would use from `dsn`; "" when there is none or the DSN does not parse
    (the patterns in `redact` cover unparsable DSNs)."""
    try:
        return conninfo_to_dict(dsn).get("password") or ""
    except psycopg.ProgrammingError:
        return ""


def connect(dsn: str, connect_timeout: int = 10) -> psycopg.Connection:
    """Open a connection or raise MigrationError with a redacted, one-line reason."""
    try:
        conninfo_to_dict(dsn)
    except psycopg.ProgrammingError as exc:
        raise MigrationError(f"invalid --dsn: {redact(str(exc).strip(), dsn)}") from None
    try:
        return psycopg.connect(dsn, connect_timeout=connect_timeout, application_name="dbaas-migrate")
    except psycopg.Error as exc:
        reason = " ".join(str(exc).split())
        raise MigrationError(f"cannot connect: {redact(reason, dsn)}") from None


def cmd_migrate(args: argparse.Namespace) -> int:
    try:
        migrations = load_migrations(Path(args.migrations_dir))
        with connect(args.dsn) as conn:
            result = migrate(conn, migrations, target=args.to, lock_wait_seconds=args.lock_wait)
    except (MigrationError, MigrationFileError, RoleError) as exc:
        print(f"dbaas migrate: {redact(str(exc), args.dsn)}", file=sys.stderr)
        return EXIT_FAILED
    for role in result.created_roles:
        print(f"created role {role}")
    for step in result.steps:
        print(f"{step.direction:>4} {step.version:04d}_{step.name} ({step.milliseconds:.0f} ms)")
    if not result.steps:
        print(f"already at version {result.end_version}: nothing to do")
    else:
        print(f"schema moved from version {result.start_version} to {result.end_version}")
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("migrate", help="apply (or roll back to --to N) the control-plane SQL migrations")
    p.add_argument("--dsn", required=True, help="libpq connection string or URL; prefer PGPASSWORD over a password in it")
    p.add_argument("--to", type=int, metavar="N", help="target version (default: the latest; 0 removes everything)")
    p.add_argument("--migrations-dir", default=str(MIGRATIONS_DIR), help="directory of NNNN_<name>.{up,down}.sql files")
    p.add_argument("--lock-wait", type=float, default=60, metavar="SECONDS",
                   help="how long to wait for a concurrent runner's lock (default 60)")
    p.set_defaults(func=cmd_migrate)
