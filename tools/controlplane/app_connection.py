"""Connections of the application role: the only role that reads or writes tenant data.

Tools and the API refuse any other login (an owner, a superuser, a role that bypasses RLS),
so a misconfigured DSN cannot quietly write around row-level security. Messages never carry
the password of the DSN.
"""

from __future__ import annotations

import psycopg
from psycopg.conninfo import conninfo_to_dict

from tools.controlplane.cli import redact
from declarations.controlplane_schema.roles import APP


class ControlPlaneUnavailable(RuntimeError):
    """The control-plane database cannot be reached, or not as the application role."""


def connect_as_app(dsn: str, application_name: str, connect_timeout: int = 10) -> psycopg.Connection:
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
    if user != APP or superuser or bypass:
        conn.close()
        raise ControlPlaneUnavailable(f"connected as {user!r}: connect as {APP!r}, the application role that "
                                      "row-level security applies to")
    return conn
