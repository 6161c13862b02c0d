"""One throwaway PostgreSQL per test process (xdist worker), and a fresh database per test.

The migrated, seeded schema is built once into a template database; each test gets its own
copy (CREATE DATABASE ... TEMPLATE), so tests may write freely and still run in any order.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from typing import Iterator

import psycopg
import pytest
from psycopg import sql

from tools.controlplane.migrate import migrate
from declarations.controlplane_schema.migration_files import load_migrations
from declarations.controlplane_schema.roles import APP
from tools.drills.throwaway_postgres import PgServer, start_server, stop_server
from tests.controlplane.seed import seed

TEMPLATE_DB = "controlplane_template"
_counter = itertools.count()


@dataclass
class Database:
    server: PgServer
    name: str

    def dsn(self, user: str = "postgres") -> str:
        return self.server.dsn(user=user, dbname=self.name)

    def connect(self, user: str = "postgres", **kwargs) -> psycopg.Connection:
        return psycopg.connect(self.dsn(user), **kwargs)

    def app(self, **kwargs) -> psycopg.Connection:
        return self.connect(APP, **kwargs)


def create_database(server: PgServer, template: str = "template0") -> Database:
    name = f"t{os.getpid()}_{next(_counter)}"
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template)))
    return Database(server, name)


def drop_database(db: Database) -> None:
    with psycopg.connect(db.server.dsn(), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db.name)))


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    server = start_server()
    try:
        yield server
    finally:
        stop_server(server)


@pytest.fixture(scope="session")
def template_db(pg_server: PgServer) -> Database:
    """Migrated to the latest version as the superuser, then seeded with tenants A and B."""
    db = Database(pg_server, TEMPLATE_DB)
    with psycopg.connect(pg_server.dsn(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(TEMPLATE_DB)))
    with db.connect() as conn:
        migrate(conn, load_migrations())
        seed(conn)
        conn.commit()
    return db


@pytest.fixture
def db(template_db: Database) -> Iterator[Database]:
    """A private copy of the migrated, seeded database."""
    copy = create_database(template_db.server, template=template_db.name)
    try:
        yield copy
    finally:
        drop_database(copy)


@pytest.fixture
def bare_db(pg_server: PgServer) -> Iterator[Database]:
    """An empty database: no schema, no history (the roles are cluster-wide and may exist)."""
    fresh = create_database(pg_server)
    try:
        yield fresh
    finally:
        drop_database(fresh)

