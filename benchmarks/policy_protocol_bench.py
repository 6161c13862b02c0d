"""Time `dbaas policy <stack>` end to end, at this tree and at another revision, and the pack's two
transports (in-process servicer, the pack's own process over loopback gRPC) on the same plan.

Usage: python benchmarks/policy_protocol_bench.py [--stack lagos] [--runs 3] [--before REV]
`--before` exports REV (e.g. the commit before the analyzer protocol) to a temporary directory and
times its `dbaas policy` with the same interpreter, for a before/after figure.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))


def cli_wall(project: Path, stack: str, runs: int) -> list[float]:
    """Wall time of `python -m dbaas.cli policy STACK` in a fresh process, per run."""
    env = {**os.environ, "PYTHONPATH": str(project)}
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "dbaas.cli", "policy", stack], cwd=project, env=env,
                              capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"dbaas policy failed in {project}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return times


def export(revision: str, target: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(PROJECT), "archive", revision], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target


def transports(stack: str, runs: int) -> dict[str, list[float]]:
    from tools.offline.plan import build_plan
    from tools.policy.analyzer import InProcessAnalyzer, LoopbackAnalyzer, run_analysis
    from policies.tenant_facts import load_tenant_facts

    plan = build_plan(stack, PROJECT, PROJECT / "tenants")
    facts = load_tenant_facts(PROJECT / "tenants")
    print(f"  {stack}: {len(plan.registrations)} resources")
    result: dict[str, list[float]] = {"in-process servicer": [], "loopback gRPC (incl. pack start)": [],
                                      "loopback gRPC (pack already running)": []}
    for _ in range(runs):
        start = time.perf_counter()
        run_analysis(InProcessAnalyzer(facts), stack, "dbaas-platform", plan.registrations, {})
        result["in-process servicer"].append(time.perf_counter() - start)
        start = time.perf_counter()
        with LoopbackAnalyzer(PROJECT, PROJECT / "tenants") as pack:
            started = time.perf_counter()
            run_analysis(pack, stack, "dbaas-platform", plan.registrations, {})
            done = time.perf_counter()
        result["loopback gRPC (incl. pack start)"].append(done - start)
        result["loopback gRPC (pack already running)"].append(done - started)
    return result


def show(label: str, times: list[float]) -> None:
    print(f"  {label:<42} median {statistics.median(times):6.2f} s  (runs: {', '.join(f'{t:.2f}' for t in times)})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stack", default="lagos")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--before", metavar="REV")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    if args.before:
        with tempfile.TemporaryDirectory() as tmp:
            show(f"dbaas policy {args.stack} at {args.before}", cli_wall(export(args.before, Path(tmp)), args.stack, args.runs))
    show(f"dbaas policy {args.stack} (this tree)", cli_wall(PROJECT, args.stack, args.runs))
    for label, times in transports(args.stack, args.runs).items():
        show(label, times)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
