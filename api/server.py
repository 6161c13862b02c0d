"""The uvicorn configuration the API runs with, shared by `dbaas serve` and the tests."""

from __future__ import annotations

import os
import socket

import uvicorn
from fastapi import FastAPI

from api import access_log as access_log_filter
from api.header_limit import SERVER_HEADER_BUFFER


def server_config(app: FastAPI, log_level: str = "info", access_log: bool = True) -> uvicorn.Config:
    """h11 with a buffer large enough that oversized heads reach HeaderSizeLimit (431), not a reset; the access
    log without query values (api/access_log.py; installed after uvicorn.Config, which configures logging)."""
    config = uvicorn.Config(app, http="h11", h11_max_incomplete_event_size=SERVER_HEADER_BUFFER,
                            log_level=log_level, access_log=access_log)
    access_log_filter.install()
    return config


def listening_socket(host: str, port: int) -> socket.socket:
    """`socket.create_server((host, port))`, but with the protocol named (IPPROTO_TCP).

    asyncio turns Nagle's algorithm off on a connection only when the socket says it is TCP
    (CPython Lib/asyncio/base_events.py `_set_nodelay`: `sock.proto == socket.IPPROTO_TCP`), and
    a connection accepted from `create_server`'s socket says proto 0. uvicorn writes a response's
    head and body separately, so the body waited for the client's delayed ACK: about 40 ms on
    every response, most of a read's latency."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        if os.name not in ("nt", "cygwin"):  # as create_server does
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen()
    except BaseException:
        sock.close()
        raise
    return sock
