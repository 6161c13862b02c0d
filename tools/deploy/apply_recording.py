"""`dbaas up --database-url URL`: record each stack's outcome in the control plane, as `record-apply` does.

After each stack's `up` the stack's outputs are read with `pulumi stack output --json --stack STACK`
(stdout only: the CLI's warnings go to stderr) and the apply is recorded as succeeded with them; a
failed `up` is recorded as failed with the end of the CLI's output. The writing itself is the
recorder's (tools/controlplane/apply_records.py: `StackName`, `ApplyRecord`, `truncate_error`,
`record_tenant_apply`, `record_platform_apply`), over one connection as the recorder role
(`connect_as_recorder`: the API's role may not write applies), so whatever the recorder keeps or refuses holds for this path too. Secret outputs
are dropped by the same reader `record-apply --outputs` uses (`load_plain_outputs`).

Only what was applied is recorded: a stack that did not run (its platform stack failed) has no
outcome, and a destroyed stack has no tenant file left to scope its record (nor an apply). A stack
whose outcome cannot be recorded is reported and fails the run; it stops no other stack.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import psycopg

from declarations.errors import InputError
from declarations.outputs_contract import TENANT_OUTPUTS_EXPORT
from declarations.tenant_loader import load_tenant_file
from declarations.tenant_model import Tenant
from tools.controlplane.app_connection import connect_as_recorder
from tools.controlplane.apply_records import (
    ApplyRecord, ApplyResult, StackName, TenantKeyConflict, record_platform_apply, record_tenant_apply, truncate_error,
)
from tools.controlplane.cli import redact
from tools.controlplane.recorded_outputs import OutputsRefused, tenant_record
from tools.controlplane.stack_outputs import PlainOutputs, load_plain_outputs
from tools.deploy.pulumi_cli import Command, stack_output
from tools.deploy.stack_runner import FAILED, SUCCEEDED, Outcome
from tools.deploy.up_selection import StackJob

APPLICATION_NAME = "dbaas-up"
Capture = Callable[[Command], "subprocess.CompletedProcess[str]"]


class NotRecorded(Exception):
    """The stack ran, but its outcome cannot be recorded (the line says why)."""


@dataclass
class ApplyRecorder:
    """Records the outcome of each stack `dbaas up` ran; one connection, used by one thread at a time."""

    conn: psycopg.Connection
    dsn: str
    project_dir: Path
    commit: str
    actor: str
    capture: Capture
    """Runs a CLI command with stdout apart from stderr (StackRunner.capture(..., separate_stderr=True))."""
    say: Callable[[str], None]
    unrecorded: list[str] = field(default_factory=list)
    """`STACK: why` of every stack whose outcome could not be recorded."""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, job: StackJob, outcome: Outcome) -> None:
        if job.destroy or outcome.status not in (SUCCEEDED, FAILED):
            return
        try:
            line = self.record(job.stack, outcome)
        except NotRecorded as exc:
            with self._lock:
                self.unrecorded.append(f"{job.stack}: {exc}")
            self.say(f"unrecorded {job.stack}: {exc}")
            return
        self.say(line)

    def record(self, stack_text: str, outcome: Outcome) -> str:
        stack = StackName.parse(stack_text)
        tenant = self._tenant(stack) if stack.tenant_id else None
        if outcome.status == SUCCEEDED:
            outputs = self._outputs(stack, tenant)
            result, error, values = ApplyResult.succeeded, None, outputs.values
        else:
            outputs, result, error, values = None, ApplyResult.failed, truncate_error(outcome.error), {}
        record = ApplyRecord(stack=stack, commit=self.commit, result=result, error=error, outputs=values,
                             applied_at=datetime.now(timezone.utc), recorded_by=self.actor[:200])
        try:
            with self._lock:
                stored = (record_tenant_apply(self.conn, tenant, record) if tenant is not None
                          else record_platform_apply(self.conn, record)).stored
        except TenantKeyConflict as exc:
            raise NotRecorded(str(exc)) from None
        except psycopg.Error as exc:
            raise NotRecorded(redact(" ".join(str(exc).split()), self.dsn)) from None
        dropped = f"; dropped secret output(s) {', '.join(outputs.stripped)}" if outputs and outputs.stripped else ""
        return f"recorded  {stack}: {stored.result.value} at {stored.commit[:12]}{dropped}"

    def _tenant(self, stack: StackName) -> Tenant:
        root = self.project_dir / "tenants"
        try:
            return load_tenant_file(root / stack.region / f"{stack.tenant_id}.yaml", root)
        except InputError as exc:
            raise NotRecorded(f"its tenant file: {exc.problems[0]}") from None

    def _outputs(self, stack: StackName, tenant: Tenant | None) -> PlainOutputs:
        """`pulumi stack output --json` of the stack, secrets dropped; for a tenant stack, the outputs contract."""
        listed = self.capture(stack_output(str(stack)))
        if listed.returncode != 0:
            last = (listed.stderr or "").strip().splitlines()[-1:] or [f"exit {listed.returncode}"]
            raise NotRecorded(f"`pulumi stack output --json --stack {stack}` failed: {last[0]}")
        with tempfile.TemporaryDirectory(prefix="dbaas-up-") as scratch:
            path = Path(scratch) / f"{stack}.outputs.json"
            path.write_text(listed.stdout, encoding="utf-8")
            try:
                outputs = load_plain_outputs(path)
            except InputError as exc:
                raise NotRecorded(f"its outputs: {str(exc.problems[0]).replace(str(path), f'{stack}.outputs.json')}") from None
        if tenant is not None:
            try:  # the recorder's own check (recorded_outputs.tenant_record), before anything is written
                tenant_record(outputs.values, tenant)
            except OutputsRefused as exc:
                loc, message = exc.problems[0]
                if loc[:2] == (TENANT_OUTPUTS_EXPORT, tenant.id):  # the tenant stack's export: name the contract's field
                    loc = loc[2:]
                where = ".".join(str(part) for part in loc) or "(outputs)"
                raise NotRecorded(f"its outputs miss the tenant outputs contract: {where}: {message}") from None
        return outputs


def open_recorder(dsn: str, project_dir: Path, capture: Capture, say: Callable[[str], None]) -> ApplyRecorder:
    """Connect as the recorder role and name the commit being applied, before any stack runs:
    ControlPlaneUnavailable or NotRecorded here means nothing was run and nothing written."""
    conn = connect_as_recorder(dsn, APPLICATION_NAME)
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=project_dir, capture_output=True, text=True,
                                check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as exc:
        conn.close()
        raise NotRecorded(f"cannot name the commit being applied (`git rev-parse HEAD` in {project_dir}): "
                          f"{getattr(exc, 'stderr', '') or exc}".strip()) from None
    actor = os.environ.get("DBAAS_ACTOR") or os.environ.get("USER") or "dbaas up"
    return ApplyRecorder(conn=conn, dsn=dsn, project_dir=project_dir, commit=commit, actor=actor, capture=capture, say=say)
