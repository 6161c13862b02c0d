"""Bearer JWTs to callers: HS256 with a shared secret (development) or RS256 against a JWKS.

`exp`, `aud` and `iss` are always checked, and a token may live at most
`max_token_lifetime_seconds` (a century-long token is a leaked credential waiting to happen).
Tokens and secrets are never put into messages.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import json
import time

import jwt
from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, ValidationError, field_validator

from api.settings import JWKS_ENV, ApiSettings, SettingsError
from declarations.tenant_model import OrgName, printable

GitIdentity = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^<>\x00-\x1f\x7f]+$"),
                        AfterValidator(printable)]
"""Claims that end up in a commit author line, the audit trail and logs: no angle brackets, control or
bidirectional control characters."""


class Role(str, Enum):
    """The architecture's roles; org-scoped ones act only within the token's `org`."""

    platform_admin = "platform-admin"
    org_owner = "org-owner"
    org_admin = "org-admin"
    org_member = "org-member"
    service_admin = "service-admin"
    service_viewer = "service-viewer"


class Caller(BaseModel):
    """The authenticated principal of one request."""

    model_config = ConfigDict(frozen=True)

    sub: GitIdentity
    org: OrgName
    roles: frozenset[Role]
    name: GitIdentity | None = None
    email: GitIdentity | None = None

    @field_validator("roles", mode="before")
    @classmethod
    def _known_roles(cls, value: object) -> frozenset[Role]:
        """Unknown roles are ignored (other systems share the token); a non-list is an error."""
        if not isinstance(value, (list, tuple, set, frozenset)) or not all(isinstance(r, str) for r in value):
            raise ValueError("must be a list of role names")
        known = {r.value for r in Role}
        return frozenset(Role(r) for r in value if r in known)

    def has(self, role: Role) -> bool:
        return role in self.roles

    @property
    def author(self) -> tuple[str, str]:
        """(name, email) for the commit author line."""
        return self.name or self.sub, self.email or self.sub


class JwksFileError(SettingsError):
    """The JWKS file named by the settings cannot be used; the server cannot start (exit 2)."""


class AuthError(Exception):
    """The request is not authenticated; the message is safe to show to the caller."""


TIME_CLAIMS = ("exp", "nbf", "iat")


def _check_numeric_dates(claims: dict) -> None:
    """RFC 7519 section 2: a NumericDate is a JSON number. PyJWT 2.x converts these claims with `int()`
    (jwt/api_jwt.py `_validate_exp`, `_validate_nbf`, `_validate_iat`), so `"exp": "9999999999"` passed, and it
    has no option to refuse a string; an issuer that writes one is misconfigured, and the token is refused."""
    for claim in TIME_CLAIMS:
        value = claims.get(claim)
        if claim in claims and (isinstance(value, bool) or not isinstance(value, (int, float)) or value != value
                                or value in (float("inf"), float("-inf"))):
            raise AuthError(f"token claim {claim!r} must be a NumericDate: a JSON number of seconds since the epoch, "
                            f"not {type(value).__name__ if not isinstance(value, float) else 'a non-finite number'}")


class TokenVerifier:
    """Verifies tokens with whichever keys the settings configure."""

    def __init__(self, settings: ApiSettings):
        self._audience = settings.audience
        self._issuer = settings.issuer
        self._max_lifetime = settings.max_token_lifetime_seconds
        self._secret = settings.jwt_secret.get_secret_value().encode() if settings.jwt_secret else None
        self._jwks_client: jwt.PyJWKClient | None = None
        self._jwks_set: jwt.PyJWKSet | None = None
        if settings.jwks and settings.jwks.startswith(("https://", "http://")):
            self._jwks_client = jwt.PyJWKClient(settings.jwks, cache_keys=True, lifespan=300)
        elif settings.jwks:
            self._jwks_set = _jwks_file(Path(settings.jwks))

    def verify(self, token: str) -> Caller:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise AuthError("malformed bearer token") from None
        algorithm = header.get("alg")
        key = self._key_for(algorithm, header.get("kid"), token)
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": ["exp", "aud", "iss", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise AuthError("token has expired") from None
        except jwt.ImmatureSignatureError as exc:
            claim = "iat" if "(iat)" in str(exc) else "nbf"
            raise AuthError(f"token is not valid yet: its {claim!r} is in the future "
                            "(check the clocks of the issuer and this server)") from None
        except jwt.InvalidIssuedAtError:
            raise AuthError("token claim 'iat' must be a number (seconds since the epoch)") from None
        except jwt.InvalidAudienceError:
            raise AuthError(f"token audience must be {self._audience!r}") from None
        except jwt.InvalidIssuerError:
            raise AuthError(f"token issuer must be {self._issuer!r}") from None
        except jwt.MissingRequiredClaimError as exc:
            raise AuthError(f"token has no {exc.claim!r} claim") from None
        except jwt.PyJWTError:
            raise AuthError("token signature or claims are invalid") from None
        _check_numeric_dates(claims)
        self._check_lifetime(claims)
        try:
            return Caller.model_validate({k: claims.get(k) for k in ("sub", "org", "roles", "name", "email")})
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            claim = ".".join(str(p) for p in first["loc"]) or "(claims)"
            raise AuthError(f"token claim {claim!r}: {first['msg']}") from None

    def _check_lifetime(self, claims: dict) -> None:
        """From `iat` (or now, without one) to `exp`: at most the configured lifetime."""
        now = time.time()
        issued = claims.get("iat")
        start = issued if isinstance(issued, (int, float)) and not isinstance(issued, bool) else now
        expires = int(claims["exp"])  # jwt.decode has checked that it converts
        lifetime = max(expires - start, expires - now)
        if lifetime > self._max_lifetime:
            raise AuthError(f"token lifetime exceeds the API's limit of {self._max_lifetime} seconds; "
                            "ask the issuer for a shorter-lived token")

    def _key_for(self, algorithm: object, kid: object, token: str) -> object:
        if algorithm == "HS256" and self._secret is not None:
            return self._secret
        if algorithm == "RS256" and self._jwks_client is not None:
            try:
                return self._jwks_client.get_signing_key_from_jwt(token).key
            except jwt.PyJWKClientError:
                raise AuthError("no JWKS key matches the token's 'kid'") from None
        if algorithm == "RS256" and self._jwks_set is not None:
            return self._key_from_set(kid)
        accepted = [a for a, on in (("HS256", self._secret), ("RS256", self._jwks_client or self._jwks_set)) if on]
        raise AuthError(f"token algorithm must be one of {', '.join(accepted)}")

    def _key_from_set(self, kid: object) -> object:
        keys = [k for k in (self._jwks_set.keys if self._jwks_set else []) if k.key_type == "RSA"]
        if kid is None and len(keys) == 1:
            return keys[0].key
        for k in keys:
            if k.key_id == kid:
                return k.key
        raise AuthError("no JWKS key matches the token's 'kid'")


def _jwks_file(path: Path) -> jwt.PyJWKSet:
    """The JWKS document at `path`, or JwksFileError saying in one line what is wrong with the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise JwksFileError(f"{JWKS_ENV}: cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise JwksFileError(f"{JWKS_ENV}: {path} is not UTF-8 text (byte {exc.start})") from None
    try:
        return jwt.PyJWKSet.from_json(text)
    except json.JSONDecodeError as exc:
        raise JwksFileError(f"{JWKS_ENV}: {path} is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except (jwt.PyJWTError, ValueError, TypeError, AttributeError, KeyError) as exc:
        raise JwksFileError(f"{JWKS_ENV}: {path} is not a usable JWKS document ({{\"keys\": [...]}} with RSA keys): "
                            f"{str(exc) or type(exc).__name__}") from None
