"""Connections of the two roles that work under row-level security: the application (the API,
`dbaas_app`) and the recorder (`dbaas record-apply`, `dbaas up`, `dbaas_recorder`).

Each refuses any other login (an owner, a superuser, a role that bypasses RLS, or the other of
the two), so a misconfigured DSN cannot quietly write around row-level security or with another
role's grants. Messages never carry the password of the DSN.
"""

from __future__ import annotations

import psycopg
from psycopg.conninfo import conninfo_to_dict

from tools.controlplane.cli import redact
from declarations.controlplane_schema.roles import APP, RECORDER


class ControlPlaneUnavailable(RuntimeError):
    """The control-plane database cannot be reached, or not as the application role."""


ROLE_PURPOSE = {APP: "the application role that row-level security applies to",
                RECORDER: "the role that records applies, under row-level security"}


def connect_as_app(dsn: str, application_name: str, connect_timeout: int = 10) -> psycopg.Connection:
    """A connection as dbaas_app (the API): reads applies, writes the API's own audit events."""
    return connect_as(APP, dsn, application_name, connect_timeout)


def connect_as_recorder(dsn: str, application_name: str, connect_timeout: int = 10) -> psycopg.Connection:
    """A connection as dbaas_recorder: what `record_tenant_apply` and `record_platform_apply` need."""
    return connect_as(RECORDER, dsn, application_name, connect_timeout)


def connect_as(role: str, dsn: str, application_name: str, connect_timeout: int = 10) -> psycopg.Connection:
    try:
        conninfo_to_dict(dsn)
    except psycopg.ProgrammingError as exc:
        raise ControlPlaneUnavailable(f"invalid database URL: {redact(str(exc).strip(), dsn)}") from None
    try:
        conn = psycopg.connect(dsn, connect_timeout=connect_timeout, application_name=application_name)
    except psycopg.Error as exc:
        raise ControlPlaneUnavailable(f"cannot connect: {redact(' '.join(str(exc).split()), dsn)}") from None
    user, superuser, bypass = conn.execute(
        "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user").fetchone()
    conn.rollback()
    if user != role or superuser or bypass:
        conn.close()
        raise ControlPlaneUnavailable(f"connected as {user!r}: connect as {role!r}, {ROLE_PURPOSE[role]}")
    return conn
