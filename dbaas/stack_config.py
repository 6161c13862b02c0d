"""The regional stack's configuration (`Pulumi.<stack>.yaml`), read into a typed model.

The same model is filled two ways: from `pulumi.Config` inside a real `pulumi up`, and from the
stack file itself for the offline plan, where errors point at the file, line and field.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic.alias_generators import to_camel

from dbaas.errors import InputError, Problem
from dbaas.regions import KNOWN_REGIONS
from dbaas.safe_yaml import load_file

PROJECT = "dbaas-platform"
SECRET_KEYS = ("kubeconfig", "aerospikeFeatureKey")
"""Config keys that must be set with `pulumi config set --secret`."""

OFFLINE_SECRET_PLACEHOLDER = "offline-placeholder-secret"
"""Stands in for encrypted config values in the offline plan; it is marked secret like the real one."""


class StackConfig(BaseModel):
    """One region's facts, sizing and retention knobs. Keys are camelCase in the stack file."""

    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True)

    region: str = Field(description="Platform region name; tenants/<region>/ feeds this stack.")
    pop_name: str = Field(pattern=r"^[a-z0-9-]{2,20}$", description="Name of the point of presence.")
    aws_region: str = Field(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
    aws_account_id: str = Field(pattern=r"^\d{12}$")
    kubernetes_version: str = Field(pattern=r"^1\.\d{2}$", description="Minor version of the PoP cluster, e.g. 1.33.")
    oidc_issuer: str = Field(
        pattern=r"^[a-z0-9.-]+(/[A-Za-z0-9._-]+)*$",
        description="Cluster service-account issuer host/path, without https://; IRSA trusts it.",
    )
    storage_class: str = Field(default="dbaas-retained", pattern=r"^[a-z0-9.-]{1,63}$")
    ingress_namespace: str = Field(default="ingress-nginx")
    monitoring_namespace: str = Field(default="monitoring")
    kafka_namespace: str = Field(default="kafka")
    kafka_cluster_name: str = Field(default="events")
    kafka_bootstrap_port: int = Field(default=9093, ge=1, le=65535)
    kms_deletion_window_days: int = Field(default=30, ge=7, le=30)
    backup_noncurrent_version_days: int = Field(default=30, ge=1)

    @field_validator("region")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in KNOWN_REGIONS:
            raise ValueError(f"unknown region {value!r}; known regions: {', '.join(KNOWN_REGIONS)}")
        return value


def _config_keys() -> dict[str, str]:
    """camelCase config key -> model field name."""
    return {f.alias or name: name for name, f in StackConfig.model_fields.items()}


def from_pulumi_config() -> StackConfig:
    """Read the stack config inside a Pulumi program (real or mocked); errors name the config key."""
    import pulumi

    cfg = pulumi.Config(PROJECT)
    raw: dict[str, Any] = {}
    for key in _config_keys():
        value = cfg.get(key)
        if value is not None:
            raw[key] = value
    try:
        return StackConfig.model_validate(raw)
    except ValidationError as exc:
        lines = [f"{PROJECT}:{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_url=False)]
        raise pulumi.RunError("invalid stack config:\n  " + "\n  ".join(lines)) from None


class StackFile(BaseModel):
    """What the offline runner needs from `Pulumi.<stack>.yaml`."""

    model_config = ConfigDict(frozen=True)
    stack: str
    config: StackConfig
    pulumi_config: dict[str, str]
    """Every `<namespace>:<key>` value as the Pulumi engine would pass it (strings, JSON for objects)."""
    secret_keys: list[str]


def load_stack_file(project_dir: Path, stack: str) -> StackFile:
    """Parse and validate `Pulumi.<stack>.yaml`; every problem is located in the file."""
    path = project_dir / f"Pulumi.{stack}.yaml"
    shown = path.name
    if not path.is_file():
        raise InputError([Problem(shown, 1, 1, "(file)", f"no stack file for stack {stack!r}")])
    doc = load_file(path, shown)
    config = doc.data.get("config")
    if not isinstance(config, dict):
        raise InputError([doc.problem(("config",), "expected a 'config:' mapping")])
    raw: dict[str, Any] = {}
    pulumi_config: dict[str, str] = {}
    secret_keys: list[str] = []
    problems: list[Problem] = []
    known = _config_keys()
    for full_key, value in config.items():
        namespace, _, key = str(full_key).partition(":")
        if not key:
            problems.append(doc.problem(("config", full_key), "config keys are '<namespace>:<key>'", prefer_key=True))
            continue
        is_secure = isinstance(value, dict) and set(value) == {"secure"}
        if is_secure:
            value = OFFLINE_SECRET_PLACEHOLDER
            secret_keys.append(full_key)
        if namespace == PROJECT:
            if key in SECRET_KEYS and not is_secure:
                problems.append(doc.problem(("config", full_key), "must be set as a secret (pulumi config set --secret)"))
            elif key not in known and key not in SECRET_KEYS:
                problems.append(doc.problem(("config", full_key), f"unknown config key {key!r}", prefer_key=True))
            elif key in known:
                raw[key] = value
        pulumi_config[str(full_key)] = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    for key in SECRET_KEYS:
        if f"{PROJECT}:{key}" not in pulumi_config:
            problems.append(doc.problem(("config",), f"missing secret config '{PROJECT}:{key}'"))
    try:
        model = StackConfig.model_validate(raw)
    except ValidationError as exc:
        for e in exc.errors(include_url=False):
            loc = ("config", f"{PROJECT}:{e['loc'][0]}") if e["loc"] else ("config",)
            msg = "required config key is missing" if e["type"] == "missing" else e["msg"]
            problems.append(doc.problem(loc, msg))
        model = None
    if model is not None and model.region != stack:
        problems.append(doc.problem(("config", f"{PROJECT}:region"), f"region {model.region!r} must equal the stack name {stack!r}"))
    if problems:
        raise InputError(problems)
    return StackFile(stack=stack, config=model, pulumi_config=pulumi_config, secret_keys=sorted(secret_keys))
