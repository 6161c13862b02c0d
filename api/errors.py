"""Errors the API answers with: each carries its HTTP status and a message safe to show."""

from __future__ import annotations

from pydantic import BaseModel


class FieldError(BaseModel):
    """One invalid request field: `loc` as FastAPI reports it, `field` as a readable path."""

    loc: list[str | int]
    field: str
    msg: str
    type: str


class ApiError(Exception):
    status = 500

    def __init__(self, detail: str, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}


class Unauthorized(ApiError):
    status = 401


class Forbidden(ApiError):
    status = 403


class NotFound(ApiError):
    status = 404


class Conflict(ApiError):
    status = 409


class PreconditionFailed(ApiError):
    status = 412


class PreconditionRequired(ApiError):
    status = 428


class TooManyRequests(ApiError):
    status = 429


class Unprocessable(ApiError):
    """422 with field paths, the same shape as FastAPI's own request validation errors."""

    status = 422

    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(f"{e.field}: {e.msg}" for e in errors))
        self.errors = errors


class RepositoryUnavailable(ApiError):
    """The repository cannot be written right now (a stale lock after a crash, a full disk)."""

    status = 503


class ControlPlaneUnavailable(ApiError):
    """The control-plane database is not configured or cannot be reached."""

    status = 503
