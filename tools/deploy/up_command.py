"""`dbaas up REGION [--tenant ID ...] [--affected-since REV] [--parallel N] [--dry-run]`: deploy a
region: its platform stack first (tenant stacks read its outputs), then its tenant stacks, up to N
at a time, through the Pulumi CLI (tools/deploy/pulumi_cli.py says why the CLI and not the Automation
API). Which stacks: tools/deploy/up_selection.py; running them: tools/deploy/stack_runner.py.

`--database-url URL` (or $DBAAS_DATABASE_URL) records each stack's outcome in the control plane as
`dbaas record-apply` does, right after the stack (tools/deploy/apply_recording.py).

`--dry-run` prints the commands in order instead. Which tenant stacks exist is read from
`pulumi stack ls --json`; a dry run, which needs no CLI, reads them from `--existing FILE` (one
stack name a line), or takes every tenant stack to be missing.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from tools.cli_io import UsageError, positive_int
from declarations.errors import InputError, Problem
from tools.controlplane.app_connection import ControlPlaneUnavailable
from tools.deploy.apply_recording import ApplyRecorder, NotRecorded, open_recorder
from tools.deploy.pulumi_cli import find_pulumi, region_secrets_provider, stack_ls, stack_names
from declarations.regions import KNOWN_REGIONS
from tools.deploy.stack_runner import RetryPolicy, StackRunner, all_ok, retained_lines, summary
from tools.deploy.up_selection import Selection, select

DATABASE_URL_ENV = "DBAAS_DATABASE_URL"


def cmd_up(args: argparse.Namespace) -> int:
    from tools.cli_io import EXIT_INVALID, EXIT_OK, find_project_dir

    project_dir = find_project_dir()
    if args.region not in KNOWN_REGIONS:
        raise InputError([Problem("REGION", 1, 1, "region", f"{args.region!r} is not a region ({', '.join(KNOWN_REGIONS)})")])
    if args.existing and not args.dry_run:
        raise UsageError("--existing is for --dry-run only; a real run reads `pulumi stack ls --json`")
    secrets_provider = region_secrets_provider(project_dir, args.region)
    if args.dry_run:
        existing = _read_existing(args.existing) if args.existing else set()
        selection = select(project_dir, args.region, secrets_provider, existing, args.tenant, args.affected_since)
        sys.stdout.write(dry_run_text(selection, args.parallel, args.affected_since))
        return EXIT_OK
    runner = StackRunner(find_pulumi(args.pulumi), project_dir, sys.stdout,
                         RetryPolicy(attempts=args.retries, first_delay=args.retry_delay))
    listed = runner.capture(stack_ls(), separate_stderr=True)
    try:
        if listed.returncode != 0:
            raise ValueError(_last_line(listed.stderr) or f"exit {listed.returncode}")
        existing = stack_names(listed.stdout)
    except ValueError as exc:
        print(f"dbaas up: cannot list the tenant stacks (`pulumi stack ls --json` in tenant_project): {exc}", file=sys.stderr)
        return EXIT_INVALID
    selection = select(project_dir, args.region, secrets_provider, existing, args.tenant, args.affected_since)
    recorder: ApplyRecorder | None = None
    dsn = args.database_url or os.environ.get(DATABASE_URL_ENV, "")
    if dsn:
        try:
            recorder = open_recorder(dsn, project_dir, lambda c: runner.capture(c, separate_stderr=True), runner.say)
        except (ControlPlaneUnavailable, NotRecorded) as exc:
            print(f"dbaas up: nothing run: the control plane cannot record the applies: {exc}", file=sys.stderr)
            return EXIT_INVALID
        runner.after_job = recorder
    try:
        if selection.platform is None:
            runner.say(f"skipped   {args.region}: platform stack {selection.why_no_platform}")
        outcomes = runner.run(selection, args.parallel)
    finally:
        if recorder is not None:
            recorder.conn.close()
    sys.stdout.write(summary(outcomes, selection.kept, runner.clock() - runner.started))
    if recorder is not None and recorder.unrecorded:
        sys.stdout.write(f"not recorded in the control plane: {len(recorder.unrecorded)} stack(s)\n"
                         + "".join(f"  {line}\n" for line in recorder.unrecorded))
    recorded_all = recorder is None or not recorder.unrecorded
    return EXIT_OK if all_ok(outcomes) and recorded_all else EXIT_INVALID


def _last_line(text: str | None) -> str:
    lines = (text or "").strip().splitlines()
    return lines[-1] if lines else ""


def dry_run_text(selection: Selection, parallel: int, affected_since: str | None) -> str:
    region = selection.region
    ups = [job for job in selection.tenants if not job.destroy]
    destroys = [job for job in selection.tenants if job.destroy]
    out = [f"# 1. platform stack {region} (tenant stacks read its outputs)"]
    if selection.platform is None:
        out[0] = f"# 1. platform stack {region}: {selection.why_no_platform}, not run"
    else:
        out.extend(str(c) for c in selection.platform.commands)
    out.append(f"# 2. {len(ups)} tenant stack(s), up to {parallel} at a time; one failing stops no other")
    out.extend(str(c) for job in ups for c in job.commands)
    if destroys:
        out.append(f"# 3. {len(destroys)} decommissioned tenant stack(s), destroyed and removed "
                   "(in the same pool as step 2; a protected resource stops the destroy and keeps the stack)")
        for job in destroys:
            out.extend(str(c) for c in job.commands)
            out.extend("#" + line for line in retained_lines(job.retained))
    out.extend(f"# kept {v.stack}: {v.reason}" for v in selection.kept)
    return "\n".join(out) + "\n"


def _read_existing(path: str) -> set[str]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--existing {path}: cannot be read ({exc.__class__.__name__})") from None
    return {line.strip() for line in text.splitlines() if line.strip()}


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be at least 0, not {text}")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("up", help="deploy a region: its platform stack, then its tenant stacks (--dry-run prints the commands)")
    p.add_argument("region", metavar="REGION")
    p.add_argument("--tenant", action="append", metavar="ID", help="only these tenant stacks (repeatable; default: all)")
    p.add_argument("--affected-since", metavar="REV",
                   help="only the stacks `dbaas stacks --affected REV HEAD` names for the region (the platform stack "
                        "only if it is one), and the stacks of tenant files removed since REV; REV is also the base "
                        "revision whose `decommission:` marker allows a destroy")
    p.add_argument("--parallel", type=positive_int, default=4, metavar="N", help="tenant stacks at a time (default 4)")
    p.add_argument("--pulumi", metavar="PATH", help="the Pulumi CLI (default: $PULUMI, else `pulumi` on PATH)")
    p.add_argument("--retries", type=positive_int, default=RetryPolicy.attempts, metavar="N",
                   help=f"tries of a command that hits a concurrent-update conflict (default {RetryPolicy.attempts})")
    p.add_argument("--retry-delay", type=_non_negative_float, default=RetryPolicy.first_delay, metavar="S",
                   help=f"seconds before the second try, doubled after each (default {RetryPolicy.first_delay:g})")
    p.add_argument("--existing", metavar="FILE", help="with --dry-run: tenant stacks that exist already, one per line (default: none)")
    p.add_argument("--database-url", metavar="URL",
                   help=f"record each stack's outcome in the control plane as `dbaas record-apply` does (DSN of the "
                        f"dbaas_app role; default: ${DATABASE_URL_ENV}, else nothing is recorded); prefer PGPASSWORD")
    p.add_argument("--dry-run", action="store_true", help="print the commands in order instead of running them")
    p.set_defaults(func=cmd_up)
