"""`dbaas serve`: run the provisioning API on a repository with uvicorn."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("serve", help="run the provisioning API on a git repository (see api/README.md)")
    p.add_argument("--repo", required=True, metavar="PATH", help="git repository whose tenants the API changes")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=port_number, default=8080, help="port to listen on; 0 picks a free one (default: 8080)")
    p.add_argument("--base-branch", default="main", help="branch changes are based on (default: main)")
    p.add_argument("--rate-limit", type=float, default=120.0, metavar="PER_MINUTE",
                   help="sustained requests per minute per org (default: 120)")
    p.add_argument("--database-url", metavar="URL",
                   help="control-plane PostgreSQL of the dbaas_app role, for statuses and the audit trail "
                        "(default: $DBAAS_API_DATABASE_URL; without one statuses are `unknown`)")
    p.set_defaults(func=cmd_serve)


def port_number(text: str) -> int:
    """argparse type: a TCP port, 0 (any free port) to 65535."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0-65535)") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (0-65535)")
    return port


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app
    from api.server import listening_socket, server_config
    from api.errors import ApiError
    from api.git_store import GitError
    from pydantic import SecretStr

    from api.settings import ApiSettings, SettingsError

    overrides: dict[str, object] = {"base_branch": args.base_branch, "rate_limit_per_minute": args.rate_limit}
    if args.database_url:
        overrides["database_url"] = SecretStr(args.database_url)
    from api.auth import JwksFileError

    try:
        settings = ApiSettings.from_env(Path(args.repo), **overrides)
        app = create_app(settings)
        app.state.service.store.base_commit()
        if settings.database_url:
            app.state.service.control_plane.check()
    except JwksFileError as exc:  # a path that cannot be read or is not a JWKS: a usage error, like a bad port
        print(f"dbaas serve: {exc}", file=sys.stderr)
        return 2
    except (SettingsError, GitError, ApiError, OSError) as exc:
        print(f"dbaas serve: {exc}", file=sys.stderr)
        return 1
    try:
        sock = listening_socket(args.host, args.port)
    except OSError as exc:  # in use, not ours to bind, or an unknown host: the environment, not a bug
        print(f"dbaas serve: cannot listen on {args.host}:{args.port}: {os.strerror(exc.errno) if exc.errno else exc}", file=sys.stderr)
        return 2
    host, port = sock.getsockname()[:2]
    print(f"dbaas serve: listening on http://{host}:{port} for {settings.repo}", flush=True)
    print("dbaas serve: statuses from the control-plane database" if settings.database_url
          else "dbaas serve: no control-plane database configured: statuses are `unknown`", flush=True)
    uvicorn.Server(server_config(app)).run(sockets=[sock])
    return 0
