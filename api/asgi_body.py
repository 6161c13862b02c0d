"""Reading a request body once in ASGI middleware, and handing it on to the app unchanged.

Both body checks (size, strict JSON) must see the whole body before any route does; each
reads it with `read_body` and passes the app a `replay` that serves the bytes already read.
"""

from __future__ import annotations

from starlette.types import Message, Receive


class BodyTooLarge(Exception):
    """The body crossed the limit while it arrived."""


async def read_body(receive: Receive, max_bytes: int | None = None) -> bytes | None:
    """The whole body, or None if the client went away; BodyTooLarge as soon as it passes `max_bytes`."""
    body = bytearray()
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        body.extend(message.get("body", b""))
        more = message.get("more_body", False)
        if max_bytes is not None and len(body) > max_bytes:
            raise BodyTooLarge()
    return bytes(body)


def replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives `body` once, then whatever the connection sends next (disconnect)."""
    replayed = False

    async def replaying() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replaying
