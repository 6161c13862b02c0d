"""Tenant-scoped lookup latency under RLS (as dbaas_app) against the same query as the owner without RLS.

1,000 tenants x 1,000 services = 1,000,000 rows in dbaas.services, on a throwaway server started
from the installed PostgreSQL binaries. Each figure is the client-measured latency of one prepared
statement over a local unix socket, for random (tenant, service name) pairs.

    python benchmarks/rls_lookup.py [--lookups 20000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.controlplane.migrate import migrate  # noqa: E402
from declarations.controlplane_schema.migration_files import load_migrations  # noqa: E402
from declarations.controlplane_schema.roles import APP, OWNER  # noqa: E402
from tools.controlplane.tenant_scope import tenant_transaction  # noqa: E402
from tools.drills.throwaway_postgres import start_server, stop_server  # noqa: E402

TENANTS = 1_000
SERVICES_PER_TENANT = 1_000
SAME_QUERY = "SELECT id, status FROM dbaas.services WHERE tenant_id = %s AND name = %s"
RLS_ONLY_QUERY = "SELECT id, status FROM dbaas.services WHERE name = %s"


def tenant_uuid(n: int) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"bench-tenant-{n}")


def load(conn: psycopg.Connection) -> float:
    started = time.perf_counter()
    with conn.cursor() as cur:
        with cur.copy("COPY dbaas.tenants (id, slug, display_name, plan_id, data_region) FROM STDIN") as copy:
            for n in range(TENANTS):
                copy.write_row((tenant_uuid(n), f"bench-{n}", f"Bench {n}", "standard", "lagos"))
    conn.execute("CREATE TEMP TABLE bench_tenants AS SELECT id FROM dbaas.tenants")
    conn.execute(f"""INSERT INTO dbaas.services (tenant_id, name, engine, version, status)
                     SELECT t.id, 's' || m, 'scylla', '6.2', 'ready'
                       FROM bench_tenants t, generate_series(1, {SERVICES_PER_TENANT}) m""")
    conn.commit()
    conn.autocommit = True
    conn.execute("VACUUM ANALYZE dbaas.services")
    conn.autocommit = False
    return time.perf_counter() - started


def summarize(label: str, samples: list[float]) -> str:
    us = sorted(s * 1e6 for s in samples)
    p = lambda q: us[min(len(us) - 1, int(q * len(us)))]  # noqa: E731
    return f"{label:<48} mean {statistics.fmean(us):7.1f} us  p50 {p(0.50):7.1f}  p95 {p(0.95):7.1f}  p99 {p(0.99):7.1f}"


def time_query(conn: psycopg.Connection, query: str, params: list[tuple]) -> list[float]:
    samples = []
    for args in params:
        started = time.perf_counter()
        row = conn.execute(query, args, prepare=True).fetchone()
        samples.append(time.perf_counter() - started)
        assert row is not None
    return samples


def bench_owner(conn: psycopg.Connection, pairs: list[tuple]) -> list[float]:
    """As the owner with RLS really off: NO FORCE plus row_security=off (which errors if RLS would apply).
    The ALTER is rolled back at the end, so the schema is unchanged."""
    conn.execute("ALTER TABLE dbaas.services NO FORCE ROW LEVEL SECURITY")
    conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(OWNER)))
    conn.execute("SET LOCAL row_security = off")
    time_query(conn, SAME_QUERY, pairs[:1000])  # warm-up
    samples = time_query(conn, SAME_QUERY, pairs)
    conn.rollback()
    return samples


def bench_app(conn: psycopg.Connection, pairs: list[tuple], query: str, with_tenant: bool) -> list[float]:
    """Query latency only: each lookup runs inside its own tenant_transaction; the scope is set outside the timer."""
    samples = []
    for tenant, name in pairs:
        with tenant_transaction(conn, tenant):
            args = (tenant, name) if with_tenant else (name,)
            samples.extend(time_query(conn, query, [args]))
    return samples


def bench_app_roundtrip(conn: psycopg.Connection, pairs: list[tuple]) -> list[float]:
    """What the application pays per lookup: BEGIN, set_config, the query, COMMIT."""
    samples = []
    for tenant, name in pairs:
        started = time.perf_counter()
        with tenant_transaction(conn, tenant):
            conn.execute(RLS_ONLY_QUERY, (name,), prepare=True).fetchone()
        samples.append(time.perf_counter() - started)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lookups", type=int, default=20_000)
    args = parser.parse_args()
    rng = random.Random(42)
    pairs = [(tenant_uuid(rng.randrange(TENANTS)), f"s{rng.randrange(1, SERVICES_PER_TENANT + 1)}")
             for _ in range(args.lookups)]
    server = start_server()
    try:
        dsn = server.dsn(dbname="postgres")
        with psycopg.connect(dsn) as admin:
            migrate(admin, load_migrations())
            seconds = load(admin)
            rows = admin.execute("SELECT count(*) FROM dbaas.services").fetchone()[0]
            version = admin.execute("SHOW server_version").fetchone()[0]
        print(f"PostgreSQL {version}; loaded {rows:,} rows over {TENANTS:,} tenants in {seconds:.1f} s; "
              f"{args.lookups:,} random lookups per figure")
        with psycopg.connect(dsn) as admin:
            owner = bench_owner(admin, pairs)
        with psycopg.connect(server.dsn(user=APP, dbname="postgres")) as app:
            bench_app(app, pairs[:1000], SAME_QUERY, True)  # warm-up
            same = bench_app(app, pairs, SAME_QUERY, True)
            rls_only = bench_app(app, pairs, RLS_ONLY_QUERY, False)
            roundtrip = bench_app_roundtrip(app, pairs)
        print(summarize("owner, RLS off (tenant_id AND name)", owner))
        print(summarize("dbaas_app, RLS on (tenant_id AND name)", same))
        print(summarize("dbaas_app, RLS on (name only; RLS adds tenant)", rls_only))
        print(summarize("dbaas_app, whole tenant_transaction", roundtrip))
        ratio = statistics.median(same) / statistics.median(owner)
        print(f"median RLS / owner (same query): {ratio:.2f}x")
    finally:
        stop_server(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
