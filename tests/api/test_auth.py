"""Token verification: HS256 and RS256 (JWKS file), exp/aud/iss, claims, and the env contract."""

from __future__ import annotations

import json
import time
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from api.auth import AuthError, Caller, Role, TokenVerifier
from api.settings import ApiSettings, SettingsError
from tests.api.conftest import JWT_SECRET, token


@pytest.fixture
def hs256() -> TokenVerifier:
    return TokenVerifier(ApiSettings(repo=Path("."), jwt_secret=JWT_SECRET))


def test_a_valid_token_gives_the_caller(hs256):
    caller = hs256.verify(token(sub="ada", org="acme", roles=("org-admin", "something-else"), email="ada@acme.example"))

    assert caller == Caller(sub="ada", org="acme", roles=frozenset({Role.org_admin}), email="ada@acme.example")
    assert caller.author == ("ada", "ada@acme.example")


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"lifetime": -10}, "token has expired"),
        ({"aud": "someone-else"}, "token audience must be 'dbaas-api'"),
        ({"iss": "elsewhere"}, "token issuer must be 'dbaas'"),
        ({"secret": "another-secret-that-is-long-enough-0123456789"}, "token signature or claims are invalid"),
        ({"org": "Not An Org"}, "token claim 'org': String should match pattern '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'"),
        ({"roles": "platform-admin"}, "token claim 'roles': Value error, must be a list of role names"),
        ({"sub": "eve <x@y>"}, "token claim 'sub': String should match pattern '^[^<>\\x00-\\x1f\\x7f]+$'"),
    ],
)
def test_bad_tokens_are_refused_with_a_reason(hs256, claims, message):
    with pytest.raises(AuthError) as exc:
        hs256.verify(token(**claims))

    assert str(exc.value) == message
    assert JWT_SECRET not in str(exc.value)


def test_tokens_without_exp_or_with_alg_none_are_refused(hs256):
    no_exp = jwt.encode({"sub": "a", "org": "acme", "roles": [], "aud": "dbaas-api", "iss": "dbaas"}, JWT_SECRET,
                        algorithm="HS256")
    unsigned = jwt.encode({"sub": "a", "org": "acme", "roles": [], "aud": "dbaas-api", "iss": "dbaas",
                           "exp": int(time.time()) + 60}, None, algorithm="none")

    with pytest.raises(AuthError, match="token has no 'exp' claim"):
        hs256.verify(no_exp)
    with pytest.raises(AuthError, match="token algorithm must be one of HS256"):
        hs256.verify(unsigned)


def test_rs256_against_a_jwks_file(tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    (tmp_path / "jwks.json").write_text(json.dumps({"keys": [{**public, "kid": "k1", "use": "sig"}]}))
    verifier = TokenVerifier(ApiSettings(repo=Path("."), jwks=str(tmp_path / "jwks.json")))
    claims = {"sub": "op", "org": "platform", "roles": ["platform-admin"], "aud": "dbaas-api", "iss": "dbaas",
              "exp": int(time.time()) + 60}

    assert verifier.verify(jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})).roles == {Role.platform_admin}
    with pytest.raises(AuthError, match="no JWKS key matches"):
        verifier.verify(jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k2"}))
    with pytest.raises(AuthError, match="token algorithm must be one of RS256"):
        verifier.verify(token())  # HS256 is not accepted when only a JWKS is configured


def test_environment_contract(tmp_path):
    settings = ApiSettings.from_env(tmp_path, {
        "DBAAS_API_JWT_SECRET": JWT_SECRET, "DBAAS_API_JWKS": "https://idp.example/jwks.json",
        "DBAAS_API_AUDIENCE": "aud-x", "DBAAS_API_ISSUER": "iss-y",
    })
    defaults = ApiSettings.from_env(tmp_path, {"DBAAS_API_JWT_SECRET": JWT_SECRET})

    assert (settings.audience, settings.issuer, settings.jwks) == ("aud-x", "iss-y", "https://idp.example/jwks.json")
    assert settings.jwt_secret.get_secret_value() == JWT_SECRET
    assert JWT_SECRET not in repr(settings)
    assert (defaults.audience, defaults.issuer) == ("dbaas-api", "dbaas")
    verifier = TokenVerifier(ApiSettings.from_env(tmp_path, {"DBAAS_API_JWT_SECRET": JWT_SECRET, "DBAAS_API_AUDIENCE": "aud-x"}))
    assert verifier.verify(token(aud="aud-x")).sub == "alice"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "set DBAAS_API_JWT_SECRET (HS256, development) or DBAAS_API_JWKS (RS256, production)"),
        ({"DBAAS_API_JWT_SECRET": "short"}, "DBAAS_API_JWT_SECRET must be at least 32 bytes long"),
    ],
)
def test_settings_errors_name_the_variable(tmp_path, env, message):
    with pytest.raises(SettingsError) as exc:
        ApiSettings.from_env(tmp_path, env)

    assert str(exc.value) == message
