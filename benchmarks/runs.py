"""What every benchmark here shares: a revision exported to run side by side, fresh-process timing, the load.

A figure on this shared 2-core machine means little without the load average beside it and more than one run,
so each measurement is a whole process (the CLI as CI runs it), timed for wall and CPU (user + system of the
process and the children it waited for), with the peak resident memory of its process tree sampled from /proc.
"""

from __future__ import annotations

import io
import os
import statistics
import subprocess
import tarfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def export(revision: str, target: Path) -> Path:
    """`git archive REVISION` of this repository unpacked into `target` (the code as committed, nothing else)."""
    archive = subprocess.run(["git", "-C", str(PROJECT), "archive", revision], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target


def short(revision: str) -> str:
    return subprocess.run(["git", "-C", str(PROJECT), "rev-parse", "--short", revision], capture_output=True,
                          check=True, text=True).stdout.strip()


def load() -> float:
    return os.getloadavg()[0]


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


@dataclass
class Run:
    wall: float
    cpu: float
    peak_mib: int
    load_before: float
    load_after: float
    stdout: str


def run_process(command: list[str], cwd: Path, env: dict[str, str] | None = None, ok: tuple[int, ...] = (0,)) -> Run:
    """One fresh process, timed; raises with its output when it exits with a code not in `ok`."""
    before = load()
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = PeakTreeMemory(proc.pid)
    sampler.start()
    out: list[str] = []
    err: list[str] = []
    readers = [threading.Thread(target=lambda: out.append(proc.stdout.read())),
               threading.Thread(target=lambda: err.append(proc.stderr.read()))]
    for t in readers:
        t.start()
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    sampler.done.set()
    for t in (*readers, sampler):
        t.join()
    proc.stdout.close()
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in ok:
        raise SystemExit(f"{' '.join(command)} (in {cwd}) exited {proc.returncode}:\n{out[0][-2000:]}{err[0][-2000:]}")
    return Run(wall, usage.ru_utime + usage.ru_stime, round(sampler.peak / 2**20), before, load(), out[0])


def summary(label: str, runs: list[Run]) -> str:
    """One line: medians of wall, CPU and peak memory, each run's wall and the load (1 min) before -> after it."""
    med = statistics.median
    each = ", ".join(f"{r.wall:.2f} s @ {r.load_before:.1f}->{r.load_after:.1f}" for r in runs)
    return (f"  {label:<46} wall median {med([r.wall for r in runs]):7.2f} s  CPU median {med([r.cpu for r in runs]):7.2f} s"
            f"  peak {max(r.peak_mib for r in runs):5d} MiB  (runs: {each})")
