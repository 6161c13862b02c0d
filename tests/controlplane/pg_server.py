"""A throwaway PostgreSQL server from the installed binaries, for tests and benchmarks.

initdb into a fresh temp dir, listen on a free localhost port and on a unix socket inside
that dir, stop and delete everything afterwards. initdb refuses to run as root, so as root
the server runs as `nobody` (via setpriv) and the dir belongs to that user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "postgres"
UNPRIVILEGED_USER = "nobody"


class ServerUnavailable(RuntimeError):
    """The server binaries are missing, or initdb / pg_ctl failed (the message has their stderr)."""


def find_bindir() -> Path:
    """The newest /usr/lib/postgresql/<major>/bin that has initdb ($DBAAS_PG_BINDIR wins)."""
    override = os.environ.get("DBAAS_PG_BINDIR")
    if override:
        return Path(override)
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if not candidates:
        raise ServerUnavailable("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin")
    return candidates[-1].parent


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PgServer:
    bindir: Path
    root: Path
    port: int
    run_as: str | None

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root

    def dsn(self, user: str = SUPERUSER, dbname: str = "postgres") -> str:
        """A unix-socket DSN: socket connections are trusted; TCP ones need a password."""
        return f"host={self.socket_dir} port={self.port} user={user} dbname={dbname}"

    def _cmd(self, *args: str) -> list[str]:
        if self.run_as is None:
            return list(args)
        entry = pwd.getpwnam(self.run_as)
        return ["setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--clear-groups", *args]

    def _run(self, *args: str) -> None:
        proc = subprocess.run(self._cmd(*args), capture_output=True, text=True, cwd=self.root)
        if proc.returncode != 0:
            raise ServerUnavailable(f"{Path(args[0]).name} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")

    def start(self) -> None:
        self._run(str(self.bindir / "initdb"), "-D", str(self.datadir), "-U", SUPERUSER, "--auth-local=trust", "--auth-host=scram-sha-256",
                  "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")
        options = (f"-c port={self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.socket_dir} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60 "
                   "-c shared_buffers=128MB -c timezone=UTC")
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-l", str(self.root / "server.log"),
                  "-o", options, "-w", "-t", "30", "start")

    def stop(self) -> None:
        if (self.datadir / "postmaster.pid").exists():
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "-w", "stop")

    def log_tail(self, lines: int = 30) -> str:
        log = self.root / "server.log"
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""


def start_server(attempts: int = 3) -> PgServer:
    """Start a fresh server; retries with another port if one was taken in between."""
    bindir = find_bindir()
    run_as = UNPRIVILEGED_USER if os.geteuid() == 0 else None
    last: Exception | None = None
    for _ in range(attempts):
        root = Path(tempfile.mkdtemp(prefix="dbaas-pg-"))
        if run_as:
            entry = pwd.getpwnam(run_as)
            os.chown(root, entry.pw_uid, entry.pw_gid)
        server = PgServer(bindir=bindir, root=root, port=_free_port(), run_as=run_as)
        try:
            server.start()
            return server
        except ServerUnavailable as exc:
            last = ServerUnavailable(f"{exc}\n{server.log_tail()}")
            server.stop()
            shutil.rmtree(root, ignore_errors=True)
    raise last  # type: ignore[misc]


def stop_server(server: PgServer) -> None:
    try:
        server.stop()
    finally:
        shutil.rmtree(server.root, ignore_errors=True)
