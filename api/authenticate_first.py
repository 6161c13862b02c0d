"""Authenticate every /v1 request before anything reads or parses its body.

FastAPI parses a route's JSON body before it runs the route's dependencies, so with the token checked in a
dependency an anonymous client had its body parsed: a 5,000-digit integer reached Python's integer parser before
any token was looked at (issue 22, 6). This middleware sits outside the body guards (api/body_limit.py,
api/json_body.py): a request without a valid bearer token is answered 401 before one byte of its body is read.
The verified caller travels to the routes in the ASGI scope's `state`.

Tokens are accepted only in the `Authorization` header. RFC 6750 section 2.3 allows `?access_token=` but says it
"SHOULD NOT be used" because URLs are logged; this API never accepted it, so a query string that carries one (or
any value shaped like a JWT) is refused with 400, and the access log never shows query values (api/access_log.py).
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from api.auth import AuthError, TokenVerifier

PROTECTED_PREFIX = "/v1/"
CALLER_STATE = "dbaas_caller"
TOKEN_PARAMETERS = frozenset({"access_token", "token", "id_token", "jwt", "bearer", "authorization"})
_JWT_SHAPE = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.")
"""A JWS compact serialisation: a base64url JSON header (`{"` encodes as `eyJ`), a payload, a signature."""


def query_token_parameter(query_string: bytes) -> str | None:
    """The name of a query parameter that carries a token, or None."""
    for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if name.lower() in TOKEN_PARAMETERS or _JWT_SHAPE.search(value) or _JWT_SHAPE.search(name):
            return name if not _JWT_SHAPE.search(name) else "(a parameter name)"
    return None


def bearer_token(scope: Scope) -> str | None:
    """The token of `Authorization: Bearer <token>` (scheme case-insensitive, RFC 7235), or None."""
    for name, value in scope["headers"]:
        if name.lower() == b"authorization":
            scheme, _, credentials = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and credentials.strip():
                return credentials.strip()
    return None


class AuthenticateFirst:
    def __init__(self, app: ASGIApp, verifier: TokenVerifier):
        self.app = app
        self.verifier = verifier

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        carried = query_token_parameter(scope.get("query_string") or b"")
        if carried is not None:
            await _answer(send, 400, f"query parameter {carried!r} looks like a token: send tokens only in the "
                                     "'Authorization: Bearer <token>' header (URLs are logged); this request was "
                                     "not processed")
            return
        if not scope["path"].startswith(PROTECTED_PREFIX):
            await self.app(scope, receive, send)
            return
        token = bearer_token(scope)
        if token is None:
            await _answer(send, 401, "missing 'Authorization: Bearer <token>' header")
            return
        try:
            caller = await run_in_threadpool(self.verifier.verify, token)  # a JWKS URL may be fetched
        except AuthError as exc:
            await _answer(send, 401, str(exc))
            return
        scope.setdefault("state", {})[CALLER_STATE] = caller
        await self.app(scope, receive, send)


async def _answer(send: Send, status: int, message: str) -> None:
    payload = json.dumps({"detail": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    if status == 401:
        headers.append((b"www-authenticate", b'Bearer error="invalid_token"'))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
