"""Provisioning API latency against a real `dbaas serve` in its own process: reads, list and creates.

Run: `python benchmarks/api_bench.py [--runs 3] [--reads 400] [--creates 8] [--clients 4] [--seed-tenants N]
[--before REV]`.

Each run starts `dbaas serve` (benchmarks/api_isolation_bench.py's `start_serve`: its own process, a loopback port,
the CLI of the side measured) over a fresh temporary git repository holding that side's tenants and stack files
(plus `--seed-tenants` synthetic lagos tenants), and sends whole HTTP requests over loopback from this process:
`--reads` reads of one tenant with 1 client, then with `--clients` clients, `--reads // 4` lists, then `--creates`
creates (each commits and plans the tenant's own stack). Per run it prints n, p50, p99 and max per scenario and
the load average (1 minute) before and after the run; then the median over runs of each p50 and p99.
`--before REV` exports REV with `git archive` and runs the same scenarios against its `dbaas serve`, alternating
run by run with this checkout so both see the same load.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.api_isolation_bench import percentile, start_serve  # noqa: E402
from benchmarks.plan_scale import synthetic_tenant  # noqa: E402
from benchmarks.runs import export, load, short  # noqa: E402
from tests.api.conftest import NEW_TENANT, token  # noqa: E402

REPO_FILES = ("tenants", "Pulumi.yaml", "Pulumi.lagos.yaml", "Pulumi.frankfurt.yaml")
SCENARIOS = ("GET /v1/tenants/acme, 1 client", "GET /v1/tenants/acme, {c} clients", "GET /v1/tenants, {c} clients",
             "POST /v1/tenants (create + plan), {c} clients")


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=bench", "-c", "user.email=bench@example.net", *args],
                   check=True, capture_output=True)


def make_repo(project: Path, target: Path, seed: int) -> Path:
    """The side's tenants and stack files (and `seed` synthetic lagos tenants) committed on main."""
    target.mkdir(parents=True)
    for name in REPO_FILES:
        (shutil.copytree if (project / name).is_dir() else shutil.copy2)(project / name, target / name)
    for i in range(seed):
        (target / "tenants" / "lagos" / f"bench-{i:05d}.yaml").write_text(synthetic_tenant(i), encoding="utf-8")
    git(target, "init", "-q", "-b", "main")
    git(target, "add", "-A")
    git(target, "commit", "-q", "-m", "seed")
    return target


def measure(calls: list, clients: int) -> tuple[list[float], set[int]]:
    latencies: list[float] = []
    statuses: set[int] = set()

    def timed(call) -> None:
        started = time.perf_counter()
        statuses.add(call())
        latencies.append(time.perf_counter() - started)

    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(timed, calls))
    return latencies, statuses


def one_run(project: Path, args: argparse.Namespace, run: int, tmp: Path) -> dict[str, list[float]]:
    secret = secrets.token_urlsafe(48)
    headers = {"Authorization": f"Bearer {token(sub='bench', org='platform', roles=('platform-admin',), secret=secret, lifetime=3600)}"}
    repo = make_repo(project, tmp / f"repo-{run}", args.seed_tenants)
    proc, url = start_serve(repo, secret, project)
    result: dict[str, list[float]] = {}
    try:
        with httpx.Client(base_url=url, timeout=300, headers=headers) as client:
            client.get("/v1/tenants/acme")  # warm-up: imports, caches, the platform plan
            client.post("/v1/tenants", json={**NEW_TENANT, "id": f"warm-up-{run}"})
            read = lambda: client.get("/v1/tenants/acme").status_code  # noqa: E731
            lists = lambda: client.get("/v1/tenants").status_code  # noqa: E731
            creates = [lambda i=i: client.post("/v1/tenants", json={**NEW_TENANT, "id": f"bench-new-{run}-{i}"}).status_code
                       for i in range(args.creates)]
            plan = [([read] * args.reads, 1), ([read] * args.reads, args.clients), ([lists] * (args.reads // 4), args.clients),
                    (creates, args.clients)]
            for scenario, (calls, clients) in zip(SCENARIOS, plan):
                latencies, statuses = measure(calls, clients)
                if statuses - {200, 201, 202}:
                    raise SystemExit(f"{scenario}: unexpected statuses {sorted(statuses)}")
                result[scenario.format(c=args.clients)] = latencies
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)
    return result


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reads", type=int, default=400)
    parser.add_argument("--creates", type=int, default=8)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seed-tenants", type=int, default=0, metavar="N")
    parser.add_argument("--before", metavar="REV")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores; load average {load():.2f}; {args.runs} runs; {args.reads} reads per read "
          f"scenario, {args.creates} creates; {args.seed_tenants} seeded tenants")
    with tempfile.TemporaryDirectory() as tmp:
        sides = {f"after ({short('HEAD')}+worktree)": ROOT}
        if args.before:
            sides[f"before ({short(args.before)})"] = export(args.before, Path(tmp) / "before")
        results: dict[str, list[dict[str, list[float]]]] = {label: [] for label in sides}
        for run in range(1, args.runs + 1):
            for i, (label, project) in enumerate(sides.items()):
                before = load()
                r = one_run(project, args, run, Path(tmp) / f"side{i}")
                results[label].append(r)
                print(f"run {run} {label}: load {before:.2f} -> {load():.2f}; " + "; ".join(
                    f"{name} n={len(lat)} p50 {ms(statistics.median(lat))} p99 {ms(percentile(lat, 0.99))} max {ms(max(lat))}"
                    for name, lat in r.items()), flush=True)
        for label, runs in results.items():
            print(f"median of {len(runs)} runs, {label}:")
            for name in runs[0]:
                print(f"  {name:<44} p50 {ms(statistics.median([statistics.median(r[name]) for r in runs])):>10}"
                      f"  p99 {ms(statistics.median([percentile(r[name], 0.99) for r in runs])):>10}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
