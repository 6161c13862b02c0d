"""`dbaas drill controlplane-pitr`: a point-in-time recovery of the control-plane PostgreSQL, for real.

A throwaway PostgreSQL archives its WAL and takes a base backup with the real barman-cloud tools
into moto's S3 on loopback, with the command lines CloudNativePG 1.29 builds from the plan's
`barmanObjectStore` (tools/drills/barman_cloud_args.py); rows are written before and after a target
time; the backup is restored into a fresh data directory and replayed to that time the way
CloudNativePG bootstraps a recovery; the drill passes when exactly the rows before the target are
there. The runbook in components/controlplane_db/README.md is these steps.

What a real cluster adds that this cannot show: components/controlplane_db/README.md, "Restore drill".
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from tools.cli_io import EXIT_OK, check_stack, find_project_dir
from tools.drills import barman_cloud_args as barman
from tools.drills.controlplane_backup_plan import (
    ControlPlaneBackupPlan, controlplane_backup_plan, resources_from_preview_json, resources_of_region,
)
from tools.drills.loopback_s3 import LoopbackS3, loopback_s3
from tools.drills.throwaway_postgres import PgServer, ServerUnavailable, make_root, new_server

EXIT_FAILED = 1
TOOLS = (barman.WAL_ARCHIVE, barman.CHECK_WAL_ARCHIVE, barman.BACKUP, barman.BACKUP_LIST, barman.RESTORE,
         barman.WAL_RESTORE)
TABLE = "dbaas_drill_rows"
ROWS_BEFORE_BACKUP = 300
ROWS_AFTER_BACKUP = 200
ROWS_AFTER_TARGET = 100
WAIT_SECONDS = 60
TOOL_SECONDS = int(os.environ.get("DBAAS_DRILL_TOOL_SECONDS", "180"))


class DrillFailed(RuntimeError):
    """A step failed; the message names the step and carries the tool's own last lines (never credentials)."""


@dataclass(frozen=True)
class DrillResult:
    ok: bool
    target_time: str | None
    rows_expected: int
    rows_found: int
    seconds: float
    rows_after_target_found: int = 0

    def json_line(self) -> str:
        fields = asdict(self)
        fields.pop("rows_after_target_found")
        return json.dumps(fields, sort_keys=False)


def tools_dir() -> Path:
    """The barman-cloud executables of this installation: the environment's own bin (a venv's `.venv/bin`),
    never whatever a global PATH has."""
    return Path(sys.prefix) / "bin"


def find_tools(bindir: Path) -> dict[str, str]:
    missing = [name for name in TOOLS if not os.access(bindir / name, os.X_OK)]
    if missing:
        raise DrillFailed(f"{', '.join(missing)} not in {bindir}: run `make install` (barman[cloud] is a dependency)")
    return {name: str(bindir / name) for name in TOOLS}


def with_executable(argv: list[str], tools: dict[str, str]) -> list[str]:
    return [tools[argv[0]], *argv[1:]]


def conf_line(name: str, value: str) -> str:
    """postgresql.conf syntax: a quoted string with single quotes doubled."""
    return f"{name} = '{value.replace(chr(39), chr(39) * 2)}'\n"


def tool_env(s3: LoopbackS3, scratch: Path) -> dict[str, str]:
    """What the barman-cloud processes (and the servers that start them) see: the throwaway credentials and
    nothing of the caller's AWS configuration."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "TMPDIR": str(scratch),
            "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true", **s3.env}


class Drill:
    """One run: the source server, the S3 endpoint, the restored server, and the log of what ran."""

    def __init__(self, plan: ControlPlaneBackupPlan, s3: LoopbackS3, tools: dict[str, str], say: Callable[[str], None]):
        self.plan, self.s3, self.tools, self.say = plan, s3, tools, say
        self.store = plan.store.with_endpoint(s3.endpoint_url)
        self.recovery_store = plan.recovery_store.with_endpoint(s3.endpoint_url)
        self.servers: list[PgServer] = []
        self.scratch = make_root(None, "dbaas-drill-tmp-")
        """barman's TMPDIR (cloudnative-pg sets one for barman-cloud-backup: barman-cloud pkg/backup/backup.go:168)."""

    def run_tool(self, step: str, argv: list[str], server: PgServer, extra_env: dict[str, str] | None = None) -> str:
        """Run one barman-cloud command as the server's OS user (as the instance manager does in the pod)."""
        env = {**(server.env or {}), **(extra_env or {})}
        self.say(f"{step}: {shlex.join(argv)}")
        try:
            proc = subprocess.run(server.as_server_user(with_executable(argv, self.tools)), capture_output=True,
                                  text=True, env=env, timeout=TOOL_SECONDS)
        except subprocess.TimeoutExpired as exc:
            raise DrillFailed(f"{step}: {argv[0]} still running after {exc.timeout}s: {(exc.stderr or b'')[-1500:]!r}; "
                              f"server log:\n{server.log_tail()}") from None
        if proc.returncode != 0:
            raise DrillFailed(f"{step}: {argv[0]} exited {proc.returncode}: {proc.stderr.strip()[-1500:]}")
        return proc.stdout

    def new_server(self, env: dict[str, str]) -> PgServer:
        server = new_server(env=env, prefix="dbaas-drill-pg-", runs_our_tools=True)
        self.servers.append(server)
        return server

    def create_bucket(self) -> None:
        """The bucket as the plan declares it (Object Lock with its default retention); barman-cloud 3.16+
        expects the bucket to exist (cloudnative-pg docs/src/appendixes/backup_barmanobjectstore.md)."""
        client = self.s3.client()
        options: dict = {"Bucket": self.store.bucket}
        if self.s3.region != "us-east-1":
            options["CreateBucketConfiguration"] = {"LocationConstraint": self.s3.region}
        if self.plan.object_lock_days:
            options["ObjectLockEnabledForBucket"] = True
        client.create_bucket(**options)
        if self.plan.object_lock_days:
            client.put_object_lock_configuration(Bucket=self.store.bucket, ObjectLockConfiguration={
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": self.plan.object_lock_days}}})

    def start_source(self, env: dict[str, str]) -> PgServer:
        """initdb with checksums (the Cluster's `initdb.dataChecksums`), archive_command = barman-cloud-wal-archive
        (what the instance manager's `wal-archive` runs for each %p), after the empty-archive check."""
        source = self.new_server(env)
        source.initdb("--data-checksums")
        self.run_tool("check the archive is empty", barman.check_wal_archive_argv(self.store, self.plan.cluster_name),
                      source)
        archive = with_executable(barman.wal_archive_argv(self.store, self.plan.cluster_name, "%p"), self.tools)
        with (source.datadir / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(conf_line("archive_mode", "on") + conf_line("archive_command", shlex.join(archive)))
        source.start()
        return source

    def write_rows(self, source: PgServer) -> tuple[str, list[int], list[int]]:
        """Rows, a base backup, more rows, the target time, rows after it; every WAL segment archived."""
        import psycopg

        expected: list[int] = []
        with psycopg.connect(source.dsn(), autocommit=True) as conn:
            conn.execute(f"CREATE TABLE {TABLE} (id int PRIMARY KEY, phase text NOT NULL, "
                         "written_at timestamptz NOT NULL DEFAULT clock_timestamp())")
            expected += self._insert(conn, 1, ROWS_BEFORE_BACKUP, "before the base backup")
            conn.execute("CHECKPOINT")  # barman-cloud-backup's own checkpoint then has nothing to spread
            started = datetime.now(timezone.utc)
            self.run_tool("base backup", barman.backup_argv(self.store, barman.backup_name(started), self.plan.cluster_name),
                          source, {"PGHOST": str(source.socket_dir), "PGPORT": str(source.port)})
            expected += self._insert(conn, len(expected) + 1, ROWS_AFTER_BACKUP, "after the base backup")
            target = conn.execute("SELECT clock_timestamp()").fetchone()[0]
            time.sleep(0.05)
            after = self._insert(conn, len(expected) + 1, ROWS_AFTER_TARGET, "after the target time")
            last = conn.execute("SELECT pg_walfile_name(pg_switch_wal())").fetchone()[0]
            self._wait_archived(conn, last)
        target_time = target.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")
        return target_time, expected, after

    @staticmethod
    def _insert(conn, first: int, count: int, phase: str) -> list[int]:
        ids = list(range(first, first + count))
        with conn.transaction():
            with conn.cursor() as cur:
                cur.executemany(f"INSERT INTO {TABLE} (id, phase) VALUES (%s, %s)", [(i, phase) for i in ids])
        return ids

    def _wait_archived(self, conn, wal: str) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            archived, failed, last_failed = conn.execute(
                "SELECT last_archived_wal, failed_count, last_failed_wal FROM pg_stat_archiver").fetchone()
            if archived is not None and archived >= wal:
                return
            time.sleep(0.1)
        raise DrillFailed(f"archive: {wal} not archived in {WAIT_SECONDS}s (failed {failed} times, last {last_failed}); "
                          f"server log:\n{self.servers[0].log_tail()}")

    def choose_backup(self, server: PgServer, target_time: str) -> dict:
        """The newest completed backup that ended at or before the target (barman-cloud v0.5.1
        pkg/catalog/catalog.go:193-214, findClosestBackupFromTargetTime), from barman-cloud-backup-list."""
        listing = json.loads(self.run_tool("list the backups", barman.backup_list_argv(
            self.recovery_store, barman.server_name(self.recovery_store, self.plan.cluster_name)), server))
        target = datetime.fromisoformat(target_time.replace("Z", "+00:00"))
        done = [b for b in listing.get("backups_list", []) if b.get("status") == "DONE" and b.get("end_time_iso")]
        eligible = [b for b in done if datetime.fromisoformat(b["end_time_iso"]) <= target]
        if not eligible:
            raise DrillFailed(f"list the backups: no completed backup ended before {target_time} ({len(done)} listed)")
        return max(eligible, key=lambda b: datetime.fromisoformat(b["end_time_iso"]))

    def restore(self, env: dict[str, str], target_time: str) -> PgServer:
        """CloudNativePG's recovery bootstrap (cloudnative-pg v1.29.2 pkg/management/postgres/restore.go:314-349):
        pick the backup, check its first WAL is in the archive, barman-cloud-restore into an empty PGDATA, append
        the recovery settings, recovery.signal, start; PostgreSQL replays WAL through restore_command and promotes."""
        restored = self.new_server(env)
        server = barman.server_name(self.recovery_store, self.plan.cluster_name)
        backup = self.choose_backup(restored, target_time)
        first_wal = restored.root / "first.wal"
        self.run_tool("check the first WAL", barman.check_first_wal_argv(
            self.recovery_store, server, backup["begin_wal"], str(first_wal)), restored)
        first_wal.unlink()
        self.run_tool("restore the base backup", barman.restore_argv(
            self.recovery_store, server, backup["backup_id"], str(restored.datadir)), restored)
        settings = barman.recovery_settings(self.recovery_store, server, target_time, self.tools[barman.WAL_RESTORE])
        with (restored.datadir / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.writelines(conf_line(name, value) for name, value in settings.items())
        (restored.datadir / "recovery.signal").write_text("")
        if restored.run_as:
            shutil.chown(restored.datadir / "recovery.signal", restored.run_as)
        os.chmod(restored.datadir, 0o700)
        self.say("start the restored server: replay to the target time, then promote")
        restored.start(wait_seconds=WAIT_SECONDS)
        self._wait_promoted(restored)
        return restored

    def _wait_promoted(self, server: PgServer) -> None:
        import psycopg

        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            with contextlib.suppress(psycopg.OperationalError):  # still starting up: ask again
                with psycopg.connect(server.dsn(), autocommit=True, connect_timeout=5) as conn:
                    if not conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                        return
            time.sleep(0.1)
        raise DrillFailed(f"recovery: still in recovery after {WAIT_SECONDS}s; server log:\n{server.log_tail()}")

    def cleanup(self) -> None:
        for server in self.servers:
            with contextlib.suppress(ServerUnavailable):  # already gone: nothing to stop
                server.stop()
            shutil.rmtree(server.root, ignore_errors=True)
        shutil.rmtree(self.scratch, ignore_errors=True)


def run_drill(plan: ControlPlaneBackupPlan, say: Callable[[str], None] = lambda _m: None) -> DrillResult:
    """The whole drill; raises DrillFailed with the failing step."""
    import psycopg

    started = time.monotonic()
    tools = find_tools(tools_dir())
    with loopback_s3(plan.aws_region) as s3:
        drill = Drill(plan, s3, tools, say)
        try:
            env = tool_env(s3, drill.scratch)
            drill.create_bucket()
            source = drill.start_source(env)
            target_time, expected, after = drill.write_rows(source)
            source.stop()  # the original is gone; only the bucket remains
            restored = drill.restore(env, target_time)
            with psycopg.connect(restored.dsn(), autocommit=True) as conn:
                found = [row[0] for row in conn.execute(f"SELECT id FROM {TABLE} ORDER BY id")]
        finally:
            drill.cleanup()
    late = len(set(found) & set(after))
    return DrillResult(ok=found == expected, target_time=target_time, rows_expected=len(expected),
                       rows_found=len(found), seconds=round(time.monotonic() - started, 2), rows_after_target_found=late)


def load_plan(args: argparse.Namespace) -> ControlPlaneBackupPlan:
    if args.plan:
        resources, config = resources_from_preview_json(Path(args.plan))
        return controlplane_backup_plan(resources, config, args.plan)
    project_dir = find_project_dir()
    check_stack(project_dir, args.region)
    resources, config = resources_of_region(project_dir, args.region)
    return controlplane_backup_plan(resources, config, f"offline plan of {args.region}")


def cmd_controlplane_pitr(args: argparse.Namespace) -> int:
    plan = load_plan(args)  # UsageError -> exit 2 (dbaas/cli.py)
    say = (lambda message: print(f"drill: {message}", file=sys.stderr)) if args.verbose else (lambda _m: None)
    started = time.monotonic()
    try:
        result = run_drill(plan, say)
    except (DrillFailed, ServerUnavailable) as exc:
        print(f"dbaas drill controlplane-pitr: {exc}", file=sys.stderr)
        result = DrillResult(ok=False, target_time=None, rows_expected=0, rows_found=0,
                             seconds=round(time.monotonic() - started, 2))
    if args.json:
        print(result.json_line())
    else:
        verdict = "passed" if result.ok else "FAILED"
        print(f"control-plane PITR drill {verdict}: {result.rows_found} of {result.rows_expected} rows before "
              f"{result.target_time} restored, {result.rows_after_target_found} after it, in {result.seconds}s "
              f"(cluster {plan.cluster_name}, {plan.store.destination_path}/{plan.server_name})")
    return EXIT_OK if result.ok else EXIT_FAILED


def register(sub: argparse._SubParsersAction) -> None:
    drill = sub.add_parser("drill", help="restore drills that run the real tools locally")
    kinds = drill.add_subparsers(dest="drill", required=True, metavar="DRILL")
    p = kinds.add_parser("controlplane-pitr", help="WAL archive, base backup and point-in-time restore of the "
                                                  "control-plane PostgreSQL with barman-cloud against S3 on loopback")
    p.add_argument("--region", default="lagos", help="platform stack whose plan gives the backup settings (default: lagos)")
    p.add_argument("--plan", metavar="FILE", help="read the plan from a `dbaas plan --json` file instead of planning")
    p.add_argument("--json", action="store_true", help="print one JSON line: ok, target_time, rows_expected, "
                                                       "rows_found, seconds")
    p.add_argument("-v", "--verbose", action="store_true", help="print each command line on stderr as it runs")
    p.set_defaults(func=cmd_controlplane_pitr)

