"""How `dbaas plan` scales with the number of tenants in a region.

Generates N synthetic lagos tenants (a realistic mix of plans and engines), runs
`dbaas plan lagos --json` in a fresh process for each N, and prints wall seconds, peak memory
(max RSS of the child) and resource count. Usage: python benchmarks/plan_scale.py [N ...]
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENGINES = [("yugabyte", "2024.2"), ("vitess", "20.0"), ("scylla", "6.2"), ("dragonfly", "1.25"), ("aerospike", "7.2"), ("mongodb", "7.0")]


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


def run(n: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        tenants = Path(tmp) / "tenants"
        (tenants / "lagos").mkdir(parents=True)
        (tenants / "frankfurt").mkdir()
        for i in range(n):
            (tenants / "lagos" / f"bench-{i:05d}.yaml").write_text(synthetic_tenant(i))
        out = Path(tmp) / "plan.json"
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "dbaas.cli", "plan", "lagos", "--tenants-dir", str(tenants), "--json", str(out)],
            cwd=ROOT, capture_output=True, text=True,
        )
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(f"plan failed for N={n}:\n{proc.stdout}\n{proc.stderr}")
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        resources = json.loads(out.read_text())["changeSummary"]["create"]
    return {"tenants": n, "resources": resources, "wall_s": round(wall, 2),
            "peak_rss_mib": round(max(peak_kib, before) / 1024), "ms_per_resource": round(1000 * wall / resources, 2)}


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [10, 100, 1000]
    print(f"{'tenants':>8} {'resources':>10} {'wall s':>8} {'peak MiB':>9} {'ms/resource':>12}")
    for n in sizes:
        r = run(n)
        print(f"{r['tenants']:>8} {r['resources']:>10} {r['wall_s']:>8} {r['peak_rss_mib']:>9} {r['ms_per_resource']:>12}", flush=True)


if __name__ == "__main__":
    main()
