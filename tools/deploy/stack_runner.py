"""Run a region's stacks through the Pulumi CLI: the platform stack, then its tenant stacks.

The platform stack goes first and alone: tenant stacks read its outputs, so if it fails no tenant
stack starts. Tenant stacks then run up to N at a time in threads (each a CLI subprocess), and one
failing stops no other. A concurrent-update conflict (another `up` holds the stack) is retried
with a doubling delay, up to a bound; any other failure is final. Each stack's start and finish is
one progress line; the CLI's own output is kept and only the tail of a failure is shown.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, TextIO

from tools.deploy.decommissioned_stacks import Verdict
from tools.deploy.pulumi_cli import CLI_ENVIRONMENT, Command, created_meanwhile, is_conflict
from tools.deploy.up_selection import Selection, StackJob

SUCCEEDED, DESTROYED, FAILED, NOT_RUN, KEPT = "succeeded", "destroyed", "failed", "not run", "kept"
OK_STATUSES = (SUCCEEDED, DESTROYED, KEPT)
"""A kept stack (no tenant file, not decommissioned) is the rule working, not a failure."""
TAIL_LINES = 20
PROTECTED_MARKER = "because it is protected"
"""The engine's refusal to delete a protected resource (deleteProtectedError, pkg/resource/deploy/step.go)."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    """Tries of one command in all, when each earlier one hit a concurrent-update conflict."""
    first_delay: float = 15.0
    """Seconds before the second try; doubled before each further one."""


@dataclass(frozen=True)
class Outcome:
    stack: str
    status: str
    detail: str
    seconds: float = 0.0
    retained: tuple[str, ...] | None = ()
    error: str = ""
    """A failure's CLI output (stdout and stderr as the terminal shows them): the reason is at its end."""


class StackRunner:
    """Runs StackJobs with `binary` in place of `pulumi`, from the project root `root`."""

    def __init__(self, binary: str, root: Path, out: TextIO, retry: RetryPolicy = RetryPolicy(),
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                 after_job: Callable[[StackJob, Outcome], None] | None = None):
        self.binary, self.root, self.out, self.retry = binary, root, out, retry
        self.sleep, self.clock = sleep, clock
        self.after_job = after_job
        """Called in the job's thread once a stack is done (`dbaas up --database-url` records it there)."""
        self.started = clock()
        self._lock = threading.Lock()

    def say(self, line: str) -> None:
        with self._lock:
            self.out.write(f"[{self.clock() - self.started:6.1f}s] {line}\n")
            self.out.flush()

    def capture(self, command: Command, *, separate_stderr: bool = False) -> subprocess.CompletedProcess[str]:
        """One CLI invocation, output kept: stdout and stderr interleaved, as a terminal shows them, or
        apart (`separate_stderr`) for a command whose stdout is data (`stack ls --json`, `stack output
        --json`): the CLI writes warnings and errors to stderr, and they must not be parsed as JSON. A
        binary that cannot be started fails like an exit 127, not the whole run."""
        argv = [self.binary, *command.argv[1:]]
        try:
            return subprocess.run(argv, cwd=self.root / command.cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE if separate_stderr else subprocess.STDOUT, text=True,
                                  errors="replace", check=False, env={**os.environ, **CLI_ENVIRONMENT})
        except OSError as exc:
            message = f"cannot run {self.binary}: {exc.strerror or exc}\n"
            return subprocess.CompletedProcess(argv, 127, "" if separate_stderr else message,
                                               message if separate_stderr else None)

    def run_with_retries(self, stack: str, command: Command) -> subprocess.CompletedProcess[str]:
        """Run `command`; again after a doubling delay while it fails on a concurrent-update conflict."""
        delay, attempt = self.retry.first_delay, 1
        result = self.capture(command)
        while result.returncode != 0 and is_conflict(result.stdout) and attempt < self.retry.attempts:
            self.say(f"retry     {stack}: {command.verb}: another update of the stack is in progress "
                     f"(try {attempt} of {self.retry.attempts}); next try in {delay:g}s")
            self.sleep(delay)
            delay, attempt = delay * 2, attempt + 1
            result = self.capture(command)
        return result

    def run_job(self, job: StackJob) -> Outcome:
        outcome = self._run_commands(job)
        if self.after_job is not None:
            self.after_job(job, outcome)
        return outcome

    def _run_commands(self, job: StackJob) -> Outcome:
        verbs = ", ".join(c.verb for c in job.commands)
        self.say(f"start     {job.stack}: {verbs}")
        begun = self.clock()
        for command in job.commands:
            result = self.run_with_retries(job.stack, command)
            if result.returncode != 0 and created_meanwhile(command, result.stdout):
                self.say(f"exists    {job.stack}: created by another run since the listing; going on")
            elif result.returncode != 0:
                return self._failed(job, command, result, self.clock() - begun)
        seconds = self.clock() - begun
        status = DESTROYED if job.destroy else SUCCEEDED
        self.say(f"{status:<9} {job.stack}: {verbs} ({seconds:.1f}s)")
        return Outcome(job.stack, status, verbs, seconds, job.retained)

    def _failed(self, job: StackJob, command: Command, result: subprocess.CompletedProcess[str],
                seconds: float) -> Outcome:
        output = result.stdout
        if job.destroy and PROTECTED_MARKER in output:
            detail = "destroy refused by protected resources; the stack is kept"
        elif is_conflict(output):
            detail = f"{command.verb}: another update still in progress after {self.retry.attempts} tries"
        else:
            detail = f"{command.verb} exited {result.returncode}"
        tail = output.rstrip("\n").splitlines()[-TAIL_LINES:]
        self.say(f"{FAILED:<9} {job.stack}: {detail} ({seconds:.1f}s)" + "".join(f"\n    | {line}" for line in tail))
        return Outcome(job.stack, FAILED, detail, seconds, error=output)

    def run(self, selection: Selection, parallel: int) -> list[Outcome]:
        """The platform stack, then (if it succeeded) the tenant stacks, `parallel` at a time."""
        outcomes: list[Outcome] = []
        if selection.platform is not None:
            platform = self.run_job(selection.platform)
            outcomes.append(platform)
            if platform.status != SUCCEEDED:
                return outcomes + [Outcome(job.stack, NOT_RUN, f"platform stack {selection.region} failed")
                                   for job in selection.tenants]
        with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="stack") as pool:
            outcomes.extend(pool.map(self.run_job, selection.tenants))
        return outcomes


def summary(outcomes: list[Outcome], kept: list[Verdict], seconds: float) -> str:
    """The closing report: a count per status, then one line per stack, and what destroys left behind."""
    rows = [*outcomes, *(Outcome(v.stack, KEPT, v.reason) for v in kept)]
    counts = ", ".join(f"{sum(o.status == s for o in rows)} {s}" for s in (SUCCEEDED, DESTROYED, FAILED, NOT_RUN, KEPT))
    lines = [f"summary: {len(rows)} stack(s) in {seconds:.1f}s: {counts}"]
    width = max((len(o.stack) for o in rows), default=0)
    for outcome in rows:
        lines.append(f"  {outcome.status:<9} {outcome.stack:<{width}}  {outcome.detail}")
        if outcome.status == DESTROYED:
            lines.extend(retained_lines(outcome.retained))
    return "\n".join(lines) + "\n"


def retained_lines(retained: tuple[str, ...] | None) -> list[str]:
    if retained is None:
        return ["      stays in AWS/Kubernetes: unknown (the offline plan of the decommissioned tenant failed)"]
    if not retained:
        return ["      stays in AWS/Kubernetes: nothing (no resource is retained on delete)"]
    return ["      stays in AWS/Kubernetes (retainOnDelete):", *(f"        {name}" for name in retained)]


def all_ok(outcomes: list[Outcome]) -> bool:
    return all(o.status in OK_STATUSES for o in outcomes)
