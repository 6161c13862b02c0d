"""How `dbaas plan` scales with the number of tenants in a region.

Generates N synthetic lagos tenants (a realistic mix of plans and engines), runs
`dbaas plan lagos --json` in a fresh process for each N, and prints wall seconds, peak memory
of the whole process tree (the CLI plus its plan workers, sampled from /proc every 100 ms) and
resource count. Usage: python benchmarks/plan_scale.py [N ...]
"""

from __future__ import annotations

import json
import os
import threading
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENGINES = [("yugabyte", "2024.2"), ("vitess", "24.0"), ("scylla", "6.2"), ("dragonfly", "1.25"), ("aerospike", "7.2"), ("mongodb", "7.0")]


def synthetic_tenant(i: int) -> str:
    plan = ("starter", "standard", "enterprise")[i % 3]
    engine, version = ENGINES[i % len(ENGINES)]
    clustered = plan != "starter"
    return "\n".join([
        "# yaml-language-server: $schema=../schema.json",
        f"id: bench-{i:05d}",
        f"name: Benchmark tenant {i}",
        f"org: bench-org-{i % 50}",
        f"plan: {plan}",
        "data_region: lagos",
        f"owners: [bench-{i:05d}-admins]",
        "data_classes: [operational]",
        "services:",
        "  - name: main",
        f"    engine: {engine}",
        f'    version: "{version}"',
        f"    topology: {'clustered' if clustered else 'single'}",
        f"    replicas: {3 if clustered else 1}",
        "    storage_gb: 20",
        '    backups: {schedule: "0 2 * * *", retention_days: 7}',
        f"    cdc: {'true' if i % 2 else 'false'}",
        "",
    ])


def tree_rss_bytes(root: int) -> int:
    """Resident memory of `root` and all its descendants, from /proc."""
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    stack.extend(int(c) for c in f.read().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


class PeakTreeMemory(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.1):
            self.peak = max(self.peak, tree_rss_bytes(self.pid))


def run(n: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        tenants = Path(tmp) / "tenants"
        (tenants / "lagos").mkdir(parents=True)
        (tenants / "frankfurt").mkdir()
        for i in range(n):
            (tenants / "lagos" / f"bench-{i:05d}.yaml").write_text(synthetic_tenant(i))
        out = Path(tmp) / "plan.json"
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "dbaas.cli", "plan", "lagos", "--tenants-dir", str(tenants), "--json", str(out)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        sampler = PeakTreeMemory(proc.pid)
        sampler.start()
        stdout, stderr = proc.communicate()
        wall = time.perf_counter() - start
        sampler.done.set()
        sampler.join()
        if proc.returncode != 0:
            raise SystemExit(f"plan failed for N={n}:\n{stdout}\n{stderr}")
        resources = json.loads(out.read_text())["changeSummary"]["create"]
    return {"tenants": n, "resources": resources, "wall_s": round(wall, 2),
            "peak_rss_mib": round(sampler.peak / 2**20), "ms_per_resource": round(1000 * wall / resources, 2)}


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [10, 100, 1000]
    print(f"{'tenants':>8} {'resources':>10} {'wall s':>8} {'peak MiB':>9} {'ms/resource':>12}")
    for n in sizes:
        r = run(n)
        print(f"{r['tenants']:>8} {r['resources']:>10} {r['wall_s']:>8} {r['peak_rss_mib']:>9} {r['ms_per_resource']:>12}", flush=True)


if __name__ == "__main__":
    main()
