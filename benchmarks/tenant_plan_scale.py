"""`dbaas plan lagos.<id>` (one tenant stack) against the size of its region.

For each N, generates N synthetic lagos tenants (benchmarks/plan_scale.py's mix) in a temporary
tree, then times `python -m dbaas.cli plan lagos.bench-00000 --json F` in a fresh process, `--runs`
times: warm (the platform plan cached, as after any earlier plan of this code; the tenant's own plan never
remembered, `DBAAS_TENANT_PLAN_CACHE=off`, so the tenant program runs every time) and cold
(`DBAAS_PLATFORM_CACHE=off`: the platform planned too). It prints wall and CPU seconds (user +
system of the child, which a loaded machine inflates much less than wall) and the load average,
because the machine is shared.

`--before REV` exports REV to a temporary directory and times the same plan there, through
`build_plan` (before this change the CLI refused tenant stack names).

`--one-process ROUNDS` instead plans the shipped lagos tenant stacks one after the other in one fresh
process, ROUNDS times over (platform plan cached): the first (imports included) and each further one, what
a long-lived caller (the API, `dbaas diff`) pays per tenant stack; and whether that process imported any
of the platform's component tree.

Usage: python benchmarks/tenant_plan_scale.py [--runs 3] [--before REV] [N ...]
       python benchmarks/tenant_plan_scale.py --one-process 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from benchmarks.plan_scale import synthetic_tenant  # noqa: E402
from benchmarks.policy_protocol_bench import export  # noqa: E402

TENANT = "bench-00000"
DRIVER = ("import sys; from pathlib import Path; from tools.offline.plan import build_plan; "
          "build_plan(sys.argv[1], Path('.'), Path(sys.argv[2])).write_json(Path(sys.argv[3]))")


ONE_PROCESS = """
import json, sys, time
started = time.perf_counter()
from pathlib import Path
from tools.offline.plan import build_plan
imports = time.perf_counter() - started
tenants = sorted(p.stem for p in Path("tenants/lagos").glob("*.yaml"))
times = []
for _ in range(int(sys.argv[1])):
    for tenant in tenants:
        start = time.perf_counter()
        build_plan(f"lagos.{tenant}", Path("."))
        times.append((tenant, time.perf_counter() - start))
platform = sorted(m for m in sys.modules if m.partition(".")[0] == "psycopg"
                  or any(m == p or m.startswith(p + ".") for p in ("stacks.platform", "components.pop.cluster")))
print(json.dumps({"imports": imports, "times": times, "platform_modules": platform}))
"""
"""Plans the shipped lagos tenant stacks ROUNDS times in one process; prints JSON timings."""


def one_process(rounds: int, env: dict[str, str], out: Path) -> None:
    timed([sys.executable, "-m", "dbaas.cli", "plan", "lagos.acme", "--json", str(out)], PROJECT, env)  # fills the cache
    proc = subprocess.run([sys.executable, "-c", ONE_PROCESS, str(rounds)], cwd=PROJECT, env=env, capture_output=True,
                          text=True, check=True)
    result = json.loads(proc.stdout)
    (first, first_time), further = result["times"][0], [t for _, t in result["times"][1:]]
    print(f"one process, the shipped lagos tenant stacks x{rounds}, platform plan cached; load average "
          f"{os.getloadavg()[0]:.1f}")
    print(f"  import of tools.offline.plan: {result['imports']:.2f} s; first plan (lagos.{first}): {first_time:.2f} s")
    print(f"  each further one: median {statistics.median(further):.3f} s, max {max(further):.3f} s "
          f"({', '.join(f'{t:.2f}' for t in further)})")
    print(f"  platform modules imported: {', '.join(result['platform_modules']) or 'none'}")


def make_tree(root: Path, n: int) -> Path:
    tenants = root / "tenants"
    (tenants / "lagos").mkdir(parents=True)
    (tenants / "frankfurt").mkdir()
    for i in range(n):
        (tenants / "lagos" / f"bench-{i:05d}.yaml").write_text(synthetic_tenant(i))
    return tenants


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one fresh process."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    out, err = proc.stdout.read(), proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{out[-2000:]}{err[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime


def series(label: str, command: list[str], cwd: Path, env: dict[str, str], runs: int) -> None:
    samples = [timed(command, cwd, env) for _ in range(runs)]
    walls, cpus = [w for w, _ in samples], [c for _, c in samples]
    print(f"  {label:<44} wall median {statistics.median(walls):5.2f} s  CPU median {statistics.median(cpus):5.2f} s"
          f"  (wall runs: {', '.join(f'{w:.2f}' for w in walls)}; load {os.getloadavg()[0]:.1f})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--before", metavar="REV")
    parser.add_argument("--one-process", type=int, metavar="ROUNDS")
    parser.add_argument("sizes", nargs="*", type=int)
    args = parser.parse_args()
    if args.one_process:
        with tempfile.TemporaryDirectory() as tmp:
            one_process(args.one_process, {**os.environ, "DBAAS_CACHE_DIR": str(Path(tmp) / "cache"),
                                           "DBAAS_TENANT_PLAN_CACHE": "off"}, Path(tmp) / "p.json")
        return
    sizes = args.sizes or [10, 1000]
    stack = f"lagos.{TENANT}"
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache"
        # The tenant program always runs (DBAAS_TENANT_PLAN_CACHE=off): a remembered tenant plan would time a file read.
        warm = {**os.environ, "DBAAS_CACHE_DIR": str(cache), "DBAAS_TENANT_PLAN_CACHE": "off"}
        cold = {**warm, "DBAAS_PLATFORM_CACHE": "off"}
        before = export(args.before, Path(tmp) / "before") if args.before else None
        for n in sizes:
            tenants = make_tree(Path(tmp) / f"n{n}", n)
            out = Path(tmp) / "plan.json"
            print(f"{n} tenants in lagos; load average {os.getloadavg()[0]:.1f}", flush=True)
            cli = [sys.executable, "-m", "dbaas.cli", "plan", stack, "--tenants-dir", str(tenants), "--json", str(out)]
            timed(cli, PROJECT, warm)  # fills the cache (the first plan of this code)
            series("dbaas plan (platform plan cached)", cli, PROJECT, warm, args.runs)
            series("dbaas plan (DBAAS_PLATFORM_CACHE=off)", cli, PROJECT, cold, args.runs)
            if before:
                driver = [sys.executable, "-c", DRIVER, stack, str(tenants), str(out)]
                series(f"build_plan at {args.before}", driver, before, {**cold, "PYTHONPATH": str(before)}, args.runs)


if __name__ == "__main__":
    main()
