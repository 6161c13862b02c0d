"""Provisioning API throughput and latency: reads and creates against a real server and repository.

Run: `python benchmarks/api_bench.py [--reads 400] [--creates 12] [--clients 4] [--seed-tenants N]`.
`--seed-tenants N` adds N synthetic lagos tenants to the repository first, to show that a create's
cost (it plans the tenant's own stack) does not grow with the region.
Starts the server on a loopback port over a fresh temporary repository seeded with the
project's tenants, then prints requests per second and p50/p99 latency per scenario.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.settings import ApiSettings  # noqa: E402
from benchmarks.plan_scale import synthetic_tenant  # noqa: E402
from tests.api.conftest import NEW_TENANT, git, make_repo, start_server, token  # noqa: E402


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _run(name: str, calls: list, clients: int) -> None:
    latencies: list[float] = []

    def timed(call) -> int:
        started = time.perf_counter()
        status = call()
        latencies.append(time.perf_counter() - started)
        return status

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        statuses = list(pool.map(timed, calls))
    elapsed = time.perf_counter() - started
    bad = [s for s in statuses if s not in (200, 202)]
    print(f"{name:<34} n={len(calls):<5} clients={clients}  {len(calls) / elapsed:8.1f} req/s  "
          f"p50 {statistics.median(latencies) * 1000:8.1f} ms  p99 {_percentile(latencies, 0.99) * 1000:8.1f} ms"
          + (f"  UNEXPECTED {sorted(set(bad))}" if bad else ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=400)
    parser.add_argument("--creates", type=int, default=12)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seed-tenants", type=int, default=0, metavar="N")
    args = parser.parse_args()

    secret = secrets.token_urlsafe(48)
    with tempfile.TemporaryDirectory() as tmp:
        repo = make_repo(Path(tmp) / "repo")
        if args.seed_tenants:
            for i in range(args.seed_tenants):
                (repo / "tenants" / "lagos" / f"bench-{i:05d}.yaml").write_text(synthetic_tenant(i), encoding="utf-8")
            git(repo, "add", "tenants")
            git(repo, "commit", "-q", "-m", f"seed {args.seed_tenants} tenants")
        print(f"repository: {len(list((repo / 'tenants').rglob('*.yaml')))} tenant files")
        running, server, thread = start_server(ApiSettings(repo=repo, jwt_secret=secret,
                                                           rate_limit_per_minute=1e9, rate_limit_burst=1_000_000))
        headers = {"Authorization": f"Bearer {token(sub='bench', org='platform', roles=('platform-admin',), secret=secret)}"}
        try:
            with httpx.Client(base_url=running.url, timeout=120, headers=headers) as client:
                client.get("/v1/tenants/acme")  # warm-up: imports, caches
                client.post("/v1/tenants", json={**NEW_TENANT, "id": "warm-up"})
                _run("GET /v1/tenants/{id}", [lambda: client.get("/v1/tenants/acme").status_code] * args.reads, 1)
                _run("GET /v1/tenants/{id}", [lambda: client.get("/v1/tenants/acme").status_code] * args.reads,
                     args.clients)
                _run("GET /v1/tenants (list)", [lambda: client.get("/v1/tenants").status_code] * (args.reads // 4),
                     args.clients)
                creates = [lambda i=i: client.post("/v1/tenants", json={**NEW_TENANT, "id": f"bench-{i}"}).status_code
                           for i in range(args.creates)]
                _run("POST /v1/tenants (create + plan)", creates[: args.creates // 2], 1)
                _run("POST /v1/tenants (create + plan)", creates[args.creates // 2:], args.clients)
        finally:
            server.should_exit = True
            thread.join(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
