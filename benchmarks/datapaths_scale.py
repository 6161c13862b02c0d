"""`dbaas datapaths lagos --plan F` on a region of N synthetic tenants (benchmarks/plan_scale.py's mix).

Plans the region once (`dbaas plan lagos --tenants-dir T --json F`, not timed), then times the data-path
evaluation itself in a fresh process (`dbaas datapaths lagos --plan F --json`), `--runs` times, printing wall and
CPU seconds, the number of paths and the load average (the machine is shared).

Usage: python benchmarks/datapaths_scale.py [--runs 3] [N ...]   (default N: 1000)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from benchmarks.tenant_plan_scale import make_tree  # noqa: E402

DBAAS = [sys.executable, "-m", "dbaas.cli"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("sizes", nargs="*", type=int, default=[1000])
    args = parser.parse_args()
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            tenants = make_tree(root, n)
            plan = root / "lagos.json"
            started = time.perf_counter()
            subprocess.run([*DBAAS, "plan", "lagos", "--tenants-dir", str(tenants), "--json", str(plan)], cwd=PROJECT,
                           check=True, stdout=subprocess.DEVNULL)
            planned = time.perf_counter() - started
            for run in range(args.runs):
                out = root / "paths.json"
                start = time.perf_counter()
                with out.open("w") as sink:
                    proc = subprocess.Popen([*DBAAS, "datapaths", "lagos", "--plan", str(plan), "--json"], cwd=PROJECT,
                                            stdout=sink, stderr=subprocess.PIPE, text=True)
                    _pid, status, usage = os.wait4(proc.pid, 0)
                wall = time.perf_counter() - start
                code = os.waitstatus_to_exitcode(status)
                if code not in (0, 1):
                    raise SystemExit(f"datapaths failed ({code}): {proc.stderr.read()[-2000:]}")
                result = json.loads(out.read_text())
                print(f"N={n} run={run + 1}: {wall:.2f} s wall, {usage.ru_utime + usage.ru_stime:.2f} s CPU, "
                      f"{len(result['paths'])} paths ({result['broken']} broken, {result['leaks']} leaks); "
                      f"plan {planned:.0f} s; load {os.getloadavg()[0]:.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
