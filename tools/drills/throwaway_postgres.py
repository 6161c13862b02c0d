"""A throwaway PostgreSQL server from the installed binaries, for drills, tests and benchmarks.

initdb into a fresh temp dir (or start a data directory something else filled, such as a restore),
listen on a free localhost port and on a unix socket inside that dir, stop and delete everything
afterwards. initdb and postgres refuse to run as root, so as root the server, and every command
that must act as its OS user (`as_server_user`: a backup reading the data directory), runs as
`nobody` (via setpriv) and the dir belongs to that user; or, for a server whose archive_command and
restore_command run this installation's Python tools (which may live where `nobody` cannot read, as
under /root), in a user namespace where root appears as `nobody`: postgres sees a non-root user that
initdb can look up, while the kernel still checks files as root's.
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
BASE_SETTINGS = ("-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                 "-c max_connections=60 -c shared_buffers=128MB -c timezone=UTC")


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


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_user() -> str | None:
    """The OS user the server runs as: None (the caller) unless the caller is root."""
    return UNPRIVILEGED_USER if os.geteuid() == 0 else None


def make_root(run_as: str | None, prefix: str = "dbaas-pg-") -> Path:
    """A fresh temp dir owned by the server's user."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    if run_as:
        entry = pwd.getpwnam(run_as)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    return root


def as_user(run_as: str | None, argv: list[str], namespace_uid: int | None = None) -> list[str]:
    """`argv` run as `run_as` (setpriv keeps the environment), as `namespace_uid` in a new user namespace
    (unshare), or unchanged."""
    if namespace_uid is not None:
        return ["unshare", "--user", f"--map-user={namespace_uid}", f"--map-group={namespace_uid}", *argv]
    if run_as is None:
        return list(argv)
    entry = pwd.getpwnam(run_as)
    return ["setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--clear-groups", *argv]


@dataclass
class PgServer:
    bindir: Path
    root: Path
    port: int
    run_as: str | None
    env: dict[str, str] | None = None
    """The server's environment (its archive_command and restore_command inherit it); None: ours."""
    namespace_uid: int | None = None
    """Run as this uid (inside) of a user namespace instead of as `run_as` (see the module docstring)."""

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root

    def dsn(self, user: str = SUPERUSER, dbname: str = "postgres") -> str:
        """A unix-socket DSN: socket connections are trusted; TCP ones need a password."""
        return f"host={self.socket_dir} port={self.port} user={user} dbname={dbname}"

    def as_server_user(self, argv: list[str]) -> list[str]:
        return as_user(self.run_as, argv, self.namespace_uid)

    def _run(self, *args: str) -> None:
        proc = subprocess.run(self.as_server_user(list(args)), capture_output=True, text=True, cwd=self.root, env=self.env)
        if proc.returncode != 0:
            raise ServerUnavailable(f"{Path(args[0]).name} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")

    def initdb(self, *extra: str) -> None:
        self._run(str(self.bindir / "initdb"), "-D", str(self.datadir), "-U", SUPERUSER, "--auth-local=trust",
                  "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync", *extra)

    def start(self, settings: str = "", wait_seconds: int = 30) -> None:
        """pg_ctl start on this port and socket; `settings` adds `-c name=value` options."""
        options = f"-c port={self.port} -c unix_socket_directories={self.socket_dir} {BASE_SETTINGS} {settings}".strip()
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-l", str(self.root / "server.log"),
                  "-o", options, "-w", "-t", str(wait_seconds), "start")

    def stop(self) -> None:
        if (self.datadir / "postmaster.pid").exists():
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "-w", "stop")

    def log_tail(self, lines: int = 30) -> str:
        log = self.root / "server.log"
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""


def new_server(env: dict[str, str] | None = None, prefix: str = "dbaas-pg-", runs_our_tools: bool = False) -> PgServer:
    """A server object with its own temp dir and a free port; nothing is started. `runs_our_tools`: as root,
    a user namespace rather than setpriv to `nobody`, so its archive and restore commands can run this
    installation's executables."""
    namespace_uid = pwd.getpwnam(UNPRIVILEGED_USER).pw_uid if runs_our_tools and os.geteuid() == 0 else None
    run_as = None if namespace_uid is not None else server_user()
    return PgServer(bindir=find_bindir(), root=make_root(run_as, prefix), port=free_port(), run_as=run_as, env=env,
                    namespace_uid=namespace_uid)


def start_server(attempts: int = 3) -> PgServer:
    """Start a fresh server; retries with another port if one was taken in between."""
    last: Exception | None = None
    for _ in range(attempts):
        server = new_server()
        try:
            server.initdb()
            server.start()
            return server
        except ServerUnavailable as exc:
            last = ServerUnavailable(f"{exc}\n{server.log_tail()}")
            server.stop()
            shutil.rmtree(server.root, ignore_errors=True)
    raise last  # type: ignore[misc]


def stop_server(server: PgServer) -> None:
    try:
        server.stop()
    finally:
        shutil.rmtree(server.root, ignore_errors=True)
