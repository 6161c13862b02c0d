"""How `dbaas plan lagos` scales with the number of tenants in a region, before and after a change.

Generates N synthetic lagos tenants (a realistic mix of plans and engines), runs the whole CLI,
`dbaas plan lagos --json F`, in a fresh process `--runs` times per N, and prints the median wall and
CPU seconds, the peak memory of the whole process tree (the CLI plus its plan workers, sampled from
/proc every 100 ms), the resource count and each run's wall with the load average (1 minute) before
and after it. `--before REV` exports REV with `git archive` to a temporary directory and runs the
same command there on the same tenants (an engine version that side does not support replaced by the newest
it does: `side_versions`), interleaved run by run with this checkout so that both
sides see the same load. Usage: python benchmarks/plan_scale.py [--runs 3] [--before REV] [N ...]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.runs import Run, export, load, run_process, short, summary  # noqa: E402

ENGINES = [("yugabyte", "2024.2"), ("vitess", "24.0"), ("scylla", "6.2"), ("dragonfly", "1.25"), ("aerospike", "7.2"), ("mongodb", "7.0")]


def side_versions(project: Path) -> dict[str, str]:
    """The version each engine of the mix gets in `project`'s code: ENGINES' own where it is supported there, else the
    newest that code supports (an older revision may not know a version this one ships, e.g. Vitess 24 at ea157c7)."""
    code = ("import json; from declarations.engine_catalog import SUPPORTED_VERSIONS as S; "
            "print(json.dumps({e.value: list(v) for e, v in S.items()}))")
    supported = json.loads(subprocess.run([sys.executable, "-c", code], cwd=project, env={**os.environ, "PYTHONPATH": str(project)},
                                          capture_output=True, text=True, check=True).stdout)
    return {engine: version if version in supported[engine] else supported[engine][-1] for engine, version in ENGINES}


def synthetic_tenant(i: int, versions: dict[str, str] | None = None) -> str:
    plan = ("starter", "standard", "enterprise")[i % 3]
    engine, version = ENGINES[i % len(ENGINES)]
    version = (versions or {}).get(engine, version)
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


def make_tenants(root: Path, n: int, versions: dict[str, str] | None = None) -> Path:
    tenants = root / "tenants"
    (tenants / "lagos").mkdir(parents=True)
    (tenants / "frankfurt").mkdir()
    for i in range(n):
        (tenants / "lagos" / f"bench-{i:05d}.yaml").write_text(synthetic_tenant(i, versions))
    return tenants


def plan_once(project: Path, tenants: Path, out: Path, env: dict[str, str]) -> tuple[Run, int]:
    """One whole `dbaas plan lagos` in a fresh process of `project`; (the run, resources planned)."""
    run = run_process([sys.executable, "-m", "dbaas.cli", "plan", "lagos", "--tenants-dir", str(tenants), "--json", str(out)],
                      project, {**env, "PYTHONPATH": str(project)})
    return run, json.loads(out.read_text())["changeSummary"]["create"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--before", metavar="REV", help="also run REV (exported with git archive), side by side")
    parser.add_argument("sizes", nargs="*", type=int)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores; load average {load():.2f}; {args.runs} runs per size and side")
    with tempfile.TemporaryDirectory() as tmp:
        sides = {f"this checkout ({short('HEAD')}+worktree)": ROOT}
        if args.before:
            sides[f"before ({short(args.before)})"] = export(args.before, Path(tmp) / "before")
        # each side its own cache: a platform plan cached by one side must not serve the other
        envs = {label: {**os.environ, "DBAAS_CACHE_DIR": str(Path(tmp) / f"cache-{i}")} for i, label in enumerate(sides)}
        for n in args.sizes or [10, 100, 1000]:
            # the same tenants on both sides, but for a version the other side's code does not support (side_versions)
            trees = {label: make_tenants(Path(tmp) / f"n{n}-{i}", n, side_versions(project))
                     for i, (label, project) in enumerate(sides.items())}
            results: dict[str, list[Run]] = {label: [] for label in sides}
            resources: dict[str, int] = {}
            for _ in range(args.runs):
                for label, project in sides.items():
                    run, resources[label] = plan_once(project, trees[label], Path(tmp) / "plan.json", envs[label])
                    results[label].append(run)
            print(f"{n} tenants in lagos", flush=True)
            for label, runs in results.items():
                print(summary(f"dbaas plan lagos, {label}", runs)
                      + f"  {resources[label]} resources, {1000 * runs[0].wall / resources[label]:.2f} ms/resource (run 1)",
                      flush=True)


if __name__ == "__main__":
    main()
