"""Where the time of a plan and a policy run goes, for issue 23: import time and cProfile of whole CLI runs.

Usage: python benchmarks/profile_issue23.py [--before REV] [--tenants N] [--top 15]

For this checkout (and REV, exported with `git archive`, if given), on N synthetic lagos tenants
(benchmarks/plan_scale.py's mix, `side_versions` of each side):
- `python -X importtime -m dbaas.cli plan lagos.bench-00000` with the platform plan cached: total import time
  and the top-level packages that cost the most (cumulative microseconds as `-X importtime` reports them);
- `python -m cProfile -m dbaas.cli plan lagos --workers 1` (one process, so the profile sees the tenant stacks):
  the top entries by cumulative time, and the project functions this session added to every plan (strict schema
  validation, field ownership, the vendored objects);
- the same for `dbaas policy lagos`.
cProfile roughly doubles the time of call-heavy code: read its shares, not its seconds. The load average is
printed beside each.
"""

from __future__ import annotations

import argparse
import os
import pstats
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.runs import export, load, run_process, short  # noqa: E402
from benchmarks.plan_scale import make_tenants, side_versions  # noqa: E402

def importtime(project: Path, env: dict[str, str], tenants: Path, out: Path, top: int) -> None:
    cli = [sys.executable, "-m", "dbaas.cli", "plan", "lagos.bench-00000", "--tenants-dir", str(tenants), "--json", str(out)]
    run_process(cli, project, env)  # the platform plan cached
    log = subprocess.run([sys.executable, "-X", "importtime", *cli[1:]], cwd=project, env=env, capture_output=True,
                         text=True, check=True).stderr
    per_top: dict[str, int] = defaultdict(int)
    per_package: dict[str, int] = defaultdict(int)
    total = 0
    for line in log.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if not m:
            continue
        self_us, cumulative, indent, name = int(m[1]), int(m[2]), len(m[3]), m[4]
        total += self_us
        per_package[name.split(".")[0]] += self_us
        if indent == 1:
            per_top[name.split(".")[0]] += cumulative
    wall = run_process(cli, project, env)
    print(f"  one-tenant plan (cached platform): wall {wall.wall:.2f} s, CPU {wall.cpu:.2f} s, imports {total / 1e6:.2f} s "
          f"(load {load():.1f}); top-level imports by cumulative time:")
    for name, us in sorted(per_top.items(), key=lambda kv: -kv[1])[:top // 2]:
        print(f"    {us / 1e6:6.3f} s  {name}")
    print("    import time by package (own time of its modules):")
    for name, us in sorted(per_package.items(), key=lambda kv: -kv[1])[:top]:
        print(f"    {us / 1e6:6.3f} s  {name}")


def profile(label: str, args: list[str], project: Path, env: dict[str, str], out: Path, top: int) -> None:
    run = run_process([sys.executable, "-m", "cProfile", "-o", str(out), "-m", "dbaas.cli", *args], project, env, ok=(0, 1))
    stats = pstats.Stats(str(out))
    total = stats.total_tt
    print(f"  {label}: profiled wall {run.wall:.1f} s, profiler total {total:.1f} s (perf_counter, so wall: load-sensitive; load {run.load_before:.1f}->{run.load_after:.1f})")
    rows = []
    for (path, line, func), (cc, nc, tt, ct, callers) in stats.stats.items():
        rows.append((ct, tt, nc, f"{Path(path).parent.name}/{Path(path).name}:{line}({func})", path))
    print("    top by cumulative time (share of the profiled total):")
    seen = 0
    for ct, tt, nc, name, path in sorted(rows, reverse=True):
        if name.startswith(("~", "/<")) or "<built-in" in name:
            continue
        print(f"      {100 * ct / total:5.1f}%  cum {ct:7.2f} s  self {tt:6.2f} s  calls {nc:>9}  {name}")
        seen += 1
        if seen >= top:
            break
    print("    top by own time:")
    for ct, tt, nc, name, path in sorted(rows, key=lambda r: -r[1])[:top // 2]:
        print(f"      {100 * tt / total:5.1f}%  self {tt:6.2f} s  calls {nc:>9}  {name}")
    print("    project functions this session added or widened (cumulative):")
    for ct, tt, nc, name, path in sorted(rows, reverse=True):
        if str(project) in path and any(w in name for w in ("schema_problems", "field_ownership_problems", "vendored",
                                                             "cel_problems", "_code_files", "code_fingerprint")) \
                and ct >= total / 1000:
            print(f"      {100 * ct / total:5.1f}%  cum {ct:7.2f} s  calls {nc:>7}  {name}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", metavar="REV")
    parser.add_argument("--tenants", type=int, default=100)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--only", nargs="+", choices=("imports", "plan", "policy"), default=["imports", "plan", "policy"])
    parser.add_argument("--before-only", action="store_true", help="profile only the --before side")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sides = {} if args.before_only else {f"after ({short('HEAD')}+worktree)": ROOT}
        if args.before:
            sides[f"before ({short(args.before)})"] = export(args.before, Path(tmp) / "before")
        for i, (label, project) in enumerate(sides.items()):
            tenants = make_tenants(Path(tmp) / f"tree{i}", args.tenants, side_versions(project))
            env = {**os.environ, "PYTHONPATH": str(project), "DBAAS_CACHE_DIR": str(Path(tmp) / f"cache{i}")}
            print(f"{label}: {args.tenants} tenants; load average {load():.2f}", flush=True)
            if "imports" in args.only:
                importtime(project, env, tenants, Path(tmp) / "one.json", args.top)
            if "plan" in args.only:
                profile(f"dbaas plan lagos --workers 1 ({args.tenants} tenants)",
                        ["plan", "lagos", "--workers", "1", "--tenants-dir", str(tenants), "--json", str(Path(tmp) / "p.json")],
                        project, env, Path(tmp) / "plan.prof", args.top)
            if "policy" in args.only:
                profile(f"dbaas policy lagos ({args.tenants} tenants)", ["policy", "lagos", "--tenants-dir", str(tenants)],
                        project, env, Path(tmp) / "policy.prof", args.top)
            sys.stdout.flush()


if __name__ == "__main__":
    main()
