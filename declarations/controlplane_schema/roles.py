"""The four database roles. Their names are a contract that tools outside the project use.

In the cluster, CloudNativePG's managed roles create them; on a bare server, `dbaas migrate`
run as a superuser ensures them here, with the same attributes.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql

OWNER = "dbaas_owner"
"""Owns the schema and every object in it; cannot log in."""
MIGRATOR = "dbaas_migrator"
"""Logs in to run migrations; a member of the owner, so it can act as the owner."""
APP = "dbaas_app"
"""The application (the API): logs in, no superuser, no BYPASSRLS, member of nothing, owns nothing.
Reads recorded applies; may not write them (migration 0005)."""
RECORDER = "dbaas_recorder"
"""Records applies (`dbaas record-apply`, `dbaas up --database-url`): the same attributes as the
application, and the only role that may insert into `stack_applies` and `platform_applies`; every
insert appends its audit event in the same transaction (a trigger, migration 0005). A leaked API
login therefore cannot forge a tenant's connection details, and a recorder login cannot write
an apply without leaving an audit event."""


@dataclass(frozen=True)
class RoleSpec:
    name: str
    login: bool
    member_of: tuple[str, ...] = ()

    def attributes(self) -> sql.Composable:
        """Every attribute spelt out, so re-running also repairs a drifted role."""
        words = ["LOGIN" if self.login else "NOLOGIN", "NOSUPERUSER", "NOBYPASSRLS", "NOCREATEDB",
                 "NOCREATEROLE", "NOREPLICATION", "INHERIT"]
        return sql.SQL(" ").join(sql.SQL(w) for w in words)


ROLES = (
    RoleSpec(OWNER, login=False),
    RoleSpec(MIGRATOR, login=True, member_of=(OWNER,)),
    RoleSpec(APP, login=True),
    RoleSpec(RECORDER, login=True),
)


class RoleError(RuntimeError):
    """The roles are missing and the connected user may not create them."""


def _is_superuser(conn: psycopg.Connection) -> bool:
    return conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]


def ensure_roles(conn: psycopg.Connection) -> list[str]:
    """Create or repair the roles when connected as a superuser; otherwise check they exist.

    Runs inside the caller's transaction. Returns the names of roles it created.
    """
    existing = {r[0] for r in conn.execute("SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)",
                                           ([r.name for r in ROLES],))}
    if not _is_superuser(conn):
        missing = [r.name for r in ROLES if r.name not in existing]
        if missing:
            raise RoleError(
                f"role(s) {', '.join(missing)} do not exist and {conn.info.user!r} is not a superuser: "
                "in the cluster CloudNativePG's managed roles create them; on a bare server run "
                "`dbaas migrate` once as a superuser"
            )
        return []
    created = []
    for role in ROLES:
        verb = "ALTER" if role.name in existing else "CREATE"
        conn.execute(sql.SQL("{} ROLE {} {}").format(sql.SQL(verb), sql.Identifier(role.name), role.attributes()))
        if verb == "CREATE":
            created.append(role.name)
        for parent in role.member_of:
            conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(parent), sql.Identifier(role.name)))
    # The owner creates the schema; in the cluster it owns the database (bootstrap owner).
    conn.execute(sql.SQL("GRANT CREATE ON DATABASE {} TO {}").format(
        sql.Identifier(conn.info.dbname), sql.Identifier(OWNER)))
    return created
