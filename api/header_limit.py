"""Refuse oversized request headers with 431 (RFC 6585, section 5) instead of a reset connection.

h11, uvicorn's HTTP parser, gives up on a request head above its buffer size by dropping the
connection, so a client sending a 200 KB bearer token learns nothing. The server runs h11 with
a larger buffer (`SERVER_HEADER_BUFFER`, see api/server.py) and this middleware answers every
head above MAX_HEADER_BYTES with 431, naming the largest header but never its value.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

MAX_HEADER_BYTES = 16 * 1024
"""Room for several bearer tokens (a signed JWT is 1-2 KB); nginx's default is 8 KB per line."""
SERVER_HEADER_BUFFER = 1024 * 1024
"""What the HTTP parser buffers; heads between MAX_HEADER_BYTES and this get a 431 answer."""


class HeaderSizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int = MAX_HEADER_BYTES):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            sizes = [(len(name) + len(value), name) for name, value in scope["headers"]]
            total = sum(size for size, _ in sizes) + len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"")
            if total > self.max_bytes:
                largest_size, largest = max(sizes)
                await _refuse(send, f"request headers are larger than {self.max_bytes} bytes "
                                    f"({largest.decode('latin-1')}: {largest_size} bytes)")
                return
        await self.app(scope, receive, send)


async def _refuse(send: Send, message: str) -> None:
    payload = json.dumps({"detail": message}).encode()
    await send({"type": "http.response.start", "status": 431,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": payload})
