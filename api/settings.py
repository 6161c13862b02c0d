"""Server settings. The environment variable names are a contract with tools outside the project."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

JWT_SECRET_ENV = "DBAAS_API_JWT_SECRET"
JWKS_ENV = "DBAAS_API_JWKS"
AUDIENCE_ENV = "DBAAS_API_AUDIENCE"
ISSUER_ENV = "DBAAS_API_ISSUER"
DATABASE_URL_ENV = "DBAAS_API_DATABASE_URL"

DEFAULT_AUDIENCE = "dbaas-api"
DEFAULT_ISSUER = "dbaas"
MIN_SECRET_BYTES = 32
"""RFC 7518 asks for an HMAC key at least as long as the hash output (256 bits for HS256)."""


class SettingsError(ValueError):
    """The server cannot start with these settings; the message says which one to fix."""


class ApiSettings(BaseModel):
    """Everything the server needs to know; built once at start-up."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    repo: Path
    base_branch: str = "main"
    jwt_secret: SecretStr | None = None
    jwks: str | None = Field(default=None, description="Path or http(s) URL of a JWKS document with RS256 keys.")
    audience: str = DEFAULT_AUDIENCE
    issuer: str = DEFAULT_ISSUER
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    rate_limit_per_minute: float = Field(default=120.0, gt=0, description="Sustained requests per minute per org.")
    rate_limit_burst: int = Field(default=30, ge=1, description="Requests an org may send at once before throttling.")
    max_token_lifetime_seconds: int = Field(default=24 * 3600, ge=60,
                                            description="Longest accepted token lifetime (exp - iat, or exp - now).")
    committer_name: str = "dbaas provisioning API"
    committer_email: str = "dbaas-api@localhost"
    database_url: SecretStr | None = Field(
        default=None, description="Control-plane PostgreSQL of the dbaas_app role; without it statuses are `unknown`.")

    @model_validator(mode="after")
    def _needs_a_key(self) -> "ApiSettings":
        if self.jwt_secret is None and self.jwks is None:
            raise SettingsError(f"set {JWT_SECRET_ENV} (HS256, development) or {JWKS_ENV} (RS256, production)")
        if self.jwt_secret is not None and len(self.jwt_secret.get_secret_value().encode()) < MIN_SECRET_BYTES:
            raise SettingsError(f"{JWT_SECRET_ENV} must be at least {MIN_SECRET_BYTES} bytes long")
        return self

    @classmethod
    def from_env(cls, repo: Path, environ: Mapping[str, str] | None = None, **overrides: object) -> "ApiSettings":
        """Read the contract's environment variables; empty values count as unset."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {"repo": repo}
        if env.get(JWT_SECRET_ENV):
            values["jwt_secret"] = SecretStr(env[JWT_SECRET_ENV])
        if env.get(JWKS_ENV):
            values["jwks"] = env[JWKS_ENV]
        if env.get(AUDIENCE_ENV):
            values["audience"] = env[AUDIENCE_ENV]
        if env.get(ISSUER_ENV):
            values["issuer"] = env[ISSUER_ENV]
        if env.get(DATABASE_URL_ENV):
            values["database_url"] = SecretStr(env[DATABASE_URL_ENV])
        values.update(overrides)
        try:
            return cls(**values)
        except ValidationError as exc:
            reasons = [str(e["ctx"]["error"]) if e["type"] == "value_error" else f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
                       for e in exc.errors(include_url=False)]
            raise SettingsError("; ".join(reasons)) from None
