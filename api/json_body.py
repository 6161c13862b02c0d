"""Strict JSON request bodies, checked before FastAPI parses them.

Python's `json` module (which FastAPI uses) lets the last of two equal keys win, so
`{"id": "a", "id": "b"}` would create `b`; it recurses without a limit, so a deeply nested body
ends in RecursionError, which FastAPI reports as "not valid JSON". Bodies are held to what the
YAML loader demands of tenant files: no duplicate keys, a nesting cap, and only JSON in (415 for
another media type, RFC 9110 15.5.16). Errors have the API's 422 shape, located like FastAPI's.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from api.asgi_body import read_body, replay
from api.errors import FieldError
from declarations.safe_yaml import MAX_DEPTH, format_loc

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
JSON_MEDIA_TYPES = ("application/json",)


class BodyError(ValueError):
    """One problem with the body as a whole or at a path inside it."""

    def __init__(self, status: int, message: str, loc: tuple[str | int, ...] = (), type_: str = "json_invalid"):
        super().__init__(message)
        self.status, self.loc, self.type = status, loc, type_


def _media_type(content_type: str | None) -> str | None:
    if content_type is None:
        return None
    return content_type.split(";", 1)[0].strip().lower()


def check_content_type(content_type: str | None) -> None:
    """JSON (`application/json` or `application/<x>+json`), in UTF-8 when a charset is named."""
    media = _media_type(content_type)
    if media is None or not (media in JSON_MEDIA_TYPES or (media.startswith("application/") and media.endswith("+json"))):
        shown = f"not {media!r}" if media else "and none was sent"
        raise BodyError(415, f"Content-Type must be application/json, {shown}")
    for param in (content_type or "").split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            raise BodyError(415, f"JSON bodies are UTF-8, not charset {value.strip()!r}")


def _nesting_depth_exceeded(text: str, limit: int) -> int | None:
    """Position (1-based) of the first bracket nested deeper than `limit`, outside strings; None if within it."""
    depth, in_string, escaped = 0, False, False
    for offset, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return offset + 1
        elif char in "]}":
            depth -= 1
    return None


MAX_INTEGER_DIGITS = 32
"""No field of the API holds a number near this long; Python's `int()` refuses above 4,300 digits with a
ValueError the JSON parser does not turn into a decode error (CPython Lib/json/scanner.py calls `parse_int`,
`int` by default), so a long integer was a 500, and below that limit it costs quadratic time."""


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise BodyError(422, f"request body has an integer of {len(text.lstrip('-'))} digits; at most "
                             f"{MAX_INTEGER_DIGITS} are accepted", type_="json_number_too_long")
    return int(text)


def _no_constant(name: str) -> float:
    """JSON (RFC 8259 section 6) has no NaN or Infinity, which Python's parser accepts by default."""
    raise BodyError(422, f"request body is not valid JSON: {name} is not a JSON number")


class _Pairs(list):
    """A JSON object as parsed, before duplicates are checked with their paths."""


def _strict(value: Any, loc: tuple[str | int, ...]) -> Any:
    if isinstance(value, _Pairs):
        result: dict[str, Any] = {}
        for key, item in value:
            if key in result:
                raise BodyError(422, f"duplicate key {key!r}: a JSON object must not repeat a key", (*loc, key),
                                "json_duplicate_key")
            result[key] = _strict(item, (*loc, key))
        return result
    if isinstance(value, list):
        return [_strict(item, (*loc, i)) for i, item in enumerate(value)]
    return value


def parse_strict_json(body: bytes) -> Any:
    """The body as JSON, or BodyError: not UTF-8, nested too deeply, not JSON, or a repeated key."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyError(422, f"request body is not valid UTF-8 (byte {exc.start})") from None
    deep = _nesting_depth_exceeded(text, MAX_DEPTH)
    if deep is not None:
        raise BodyError(422, f"request body is nested deeper than {MAX_DEPTH} levels (at character {deep})",
                        type_="json_too_deep")
    try:
        parsed = json.loads(text, object_pairs_hook=_Pairs, parse_int=_bounded_int, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise BodyError(422, f"request body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    return _strict(parsed, ())


class StrictJsonBody:
    """ASGI middleware: a request body must be strict JSON before any route sees it."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        if body is None:
            return
        if body:
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
            try:
                check_content_type(headers.get("content-type"))
                parse_strict_json(body)
            except BodyError as exc:
                await _refuse(send, exc)
                return
        await self.app(scope, replay(body, receive), send)


async def _refuse(send: Send, exc: BodyError) -> None:
    if exc.status == 422:
        loc = ["body", *exc.loc]
        error = FieldError(loc=loc, field=format_loc(exc.loc) if exc.loc else "body", msg=str(exc), type=exc.type)
        detail: Any = [error.model_dump()]
    else:
        detail = str(exc)
    payload = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": exc.status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})
