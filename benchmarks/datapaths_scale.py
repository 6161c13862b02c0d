"""`dbaas datapaths lagos --plan F` on a region of N synthetic tenants (benchmarks/plan_scale.py's mix).

Plans the region once (`dbaas plan lagos --tenants-dir T --json F`, not timed; or `--plan F`, a plan made
before), then, `--runs` times: the evaluation itself in this process, the plan already loaded (what the goal
is about: under 10 s at 1,000 tenants), and the whole command in a fresh process, loading the plan and printing
every path (`dbaas datapaths lagos --plan F --json` and without --json). It prints wall and CPU seconds, the
number of paths and the load average (the machine is shared).

Usage: python benchmarks/datapaths_scale.py [--runs 3] [--plan F] [N ...]   (default N: 1000)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from benchmarks.tenant_plan_scale import make_tree  # noqa: E402
from tools.datapaths.command import evaluate  # noqa: E402
from tools.datapaths.plan_view import load_plan_file  # noqa: E402

DBAAS = [sys.executable, "-m", "dbaas.cli"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--plan", help="a plan JSON made before (skips planning; N is then only a label)")
    parser.add_argument("sizes", nargs="*", type=int, default=[1000])
    args = parser.parse_args()
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            if args.plan:
                plan, planned = Path(args.plan), 0.0
            else:
                tenants = make_tree(root, n)
                plan = root / "lagos.json"
                started = time.perf_counter()
                subprocess.run([*DBAAS, "plan", "lagos", "--tenants-dir", str(tenants), "--json", str(plan)],
                               cwd=PROJECT, check=True, stdout=subprocess.DEVNULL)
                planned = time.perf_counter() - started
            view = load_plan_file(str(plan))
            for run in range(args.runs):
                wall, cpu = time.perf_counter(), time.process_time()
                paths = evaluate(view)
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                print(f"N={n} run={run + 1}: evaluation {wall:.2f} s wall, {cpu:.2f} s CPU, {len(paths)} paths "
                      f"({sum(p.broken for p in paths)} broken, {sum(p.leak for p in paths)} leaks); "
                      f"load {os.getloadavg()[0]:.2f}", flush=True)
                del paths
                for flags in (["--json"], []):
                    out = root / "out.txt"
                    start = time.perf_counter()
                    with out.open("w") as sink:
                        proc = subprocess.Popen([*DBAAS, "datapaths", "lagos", "--plan", str(plan), *flags], cwd=PROJECT,
                                                stdout=sink, stderr=subprocess.PIPE, text=True)
                        _pid, status, usage = os.wait4(proc.pid, 0)
                    command_wall = time.perf_counter() - start
                    code = os.waitstatus_to_exitcode(status)
                    if code not in (0, 1):
                        raise SystemExit(f"datapaths failed ({code}): {proc.stderr.read()[-2000:]}")
                    print(f"N={n} run={run + 1}: command {' '.join(['datapaths', *flags])}: {command_wall:.2f} s wall, "
                          f"{usage.ru_utime + usage.ru_stime:.2f} s CPU, output {out.stat().st_size / 1e6:.0f} MB "
                          f"(plan {plan.stat().st_size / 1e6:.0f} MB{f', planned in {planned:.0f} s' if planned else ''}); "
                          f"load {os.getloadavg()[0]:.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
