"""One org's reads (and one write) while another org sends a burst of writes, against a real `dbaas serve`.

Run: `python benchmarks/api_isolation_bench.py [--runs 3] [--readers 4] [--writers 4] [--writes 12] [--serve-from DIR]`.

Each run starts `dbaas serve` in its own process on a loopback port, over a fresh temporary repository seeded
with the shipped tenants, and drives it from this process:
- `--readers` threads read acme (`GET /v1/tenants/acme`, an acme org-owner token) without pause, first alone
  (the quiet phase, `--quiet-seconds`), then while
- `--writers` threads of org kudi send `--writes` on-demand backups of kudi-pay (`POST .../backups`; each one is a
  commit, the branch's plan diff against main and the policy pack) as fast as they are answered;
- halfway through the burst acme's owner sends one write of its own (a backup of acme's `orders`).
It prints, per run, the reads' p50/p99/max in both phases, the burst's write latencies, acme's one write, and the
load average (1 minute) before and after; then the median over the runs of each figure.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.api.conftest import make_repo, token  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


@dataclass
class RunResult:
    quiet_reads: list[float] = field(default_factory=list)
    burst_reads: list[float] = field(default_factory=list)
    writes: list[float] = field(default_factory=list)
    other_org_write: float = 0.0
    statuses: set[int] = field(default_factory=set)
    load_before: float = 0.0
    load_after: float = 0.0


def start_serve(repo: Path, secret: str, project: Path) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "DBAAS_API_JWT_SECRET": secret, "PYTHONPATH": str(project)}
    proc = subprocess.Popen([sys.executable, "-m", "dbaas.cli", "serve", "--repo", str(repo), "--port", "0",
                             "--rate-limit", "1000000000"], cwd=project, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    match = re.match(r"dbaas serve: listening on (http://[\d.]+:\d+) ", line)
    if not match:
        proc.kill()
        raise RuntimeError(f"dbaas serve did not start: {line!r}")
    # uvicorn's access log goes to stdout: keep reading it, or the full pipe stops the server on its next line
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
    return proc, match.group(1)


def one_run(args: argparse.Namespace, run: int) -> RunResult:
    secret = secrets.token_urlsafe(48)
    reader = {"Authorization": f"Bearer {token(sub='ada', org='acme', roles=('org-owner',), secret=secret, lifetime=3600)}"}
    writer = {"Authorization": f"Bearer {token(sub='kemi', org='kudi', roles=('org-owner',), secret=secret, lifetime=3600)}"}
    result = RunResult(load_before=os.getloadavg()[0])
    with tempfile.TemporaryDirectory() as tmp:
        repo = make_repo(Path(tmp) / "repo")
        proc, url = start_serve(repo, secret, args.serve_from.resolve())
        try:
            with httpx.Client(base_url=url, timeout=300) as client:
                client.get("/v1/tenants/acme", headers=reader)  # warm-up: imports, caches, the platform plan
                client.post("/v1/tenants/kudi-pay/services/wallets/backups", json={"id": f"warm-{run}"}, headers=writer)
                phase = {"name": "quiet"}
                stop = threading.Event()

                def read_loop() -> None:
                    while not stop.is_set():
                        started = time.perf_counter()
                        status = client.get("/v1/tenants/acme", headers=reader).status_code
                        elapsed = time.perf_counter() - started
                        result.statuses.add(status)
                        (result.quiet_reads if phase["name"] == "quiet" else result.burst_reads).append(elapsed)

                def write(i: int) -> None:
                    started = time.perf_counter()
                    status = client.post("/v1/tenants/kudi-pay/services/wallets/backups", json={"id": f"b{run}-{i}"},
                                         headers=writer).status_code
                    result.writes.append(time.perf_counter() - started)
                    result.statuses.add(status)

                readers = [threading.Thread(target=read_loop) for _ in range(args.readers)]
                for thread in readers:
                    thread.start()
                time.sleep(args.quiet_seconds)
                phase["name"] = "burst"
                with ThreadPoolExecutor(max_workers=args.writers) as pool:
                    burst = [pool.submit(write, i) for i in range(args.writes)]
                    while sum(f.done() for f in burst) < args.writes // 2:
                        time.sleep(0.05)
                    started = time.perf_counter()
                    status = client.post("/v1/tenants/acme/services/orders/backups", json={"id": f"own-{run}"},
                                         headers=reader).status_code
                    result.other_org_write = time.perf_counter() - started
                    result.statuses.add(status)
                    for future in burst:
                        future.result()
                stop.set()
                for thread in readers:
                    thread.join()
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:  # a loaded machine: do not leave the server behind
                proc.kill()
                proc.wait(timeout=30)
    result.load_after = os.getloadavg()[0]
    return result


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--writes", type=int, default=12)
    parser.add_argument("--quiet-seconds", type=float, default=10.0)
    parser.add_argument("--serve-from", type=Path, default=ROOT, metavar="DIR",
                        help="project checkout whose `dbaas serve` runs (default: this one; another to compare)")
    args = parser.parse_args()
    print(f"server from {args.serve_from}; machine: {os.cpu_count()} cores; readers {args.readers} (acme), writers {args.writers} (kudi), "
          f"{args.writes} writes per burst, {args.quiet_seconds:.0f} s quiet phase")
    results = []
    for run in range(1, args.runs + 1):
        r = one_run(args, run)
        results.append(r)
        print(f"run {run}: load {r.load_before:.2f} -> {r.load_after:.2f}; "
              f"quiet reads n={len(r.quiet_reads)} p50 {ms(statistics.median(r.quiet_reads))} "
              f"p99 {ms(percentile(r.quiet_reads, 0.99))}; "
              f"burst reads n={len(r.burst_reads)} p50 {ms(statistics.median(r.burst_reads))} "
              f"p99 {ms(percentile(r.burst_reads, 0.99))} max {ms(max(r.burst_reads))}; "
              f"kudi writes p50 {ms(statistics.median(r.writes))} max {ms(max(r.writes))}; "
              f"acme's write during the burst {ms(r.other_org_write)}; statuses {sorted(r.statuses)}")
    median = statistics.median
    print(f"median of {len(results)} runs: quiet read p99 {ms(median([percentile(r.quiet_reads, 0.99) for r in results]))}; "
          f"burst read p50 {ms(median([statistics.median(r.burst_reads) for r in results]))} "
          f"p99 {ms(median([percentile(r.burst_reads, 0.99) for r in results]))}; "
          f"kudi write p50 {ms(median([statistics.median(r.writes) for r in results]))}; "
          f"acme write {ms(median([r.other_org_write for r in results]))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
