"""The platform stack's offline plan, remembered by a hash of everything it is made from.

A tenant stack is planned against its region's platform plan (the StackReference's outputs,
the CRDs the platform installs, the physical names it owns). Planning the platform again for
every one-tenant plan, diff or API request cost more than the tenant itself. The platform
program reads no tenant file, so its plan is a function of: the code of the repository, the
stack's merged config, and the installed SDKs. That is the key; the value is written once,
atomically, as JSON (not pickle: a cache file is data, never code).

The value also holds the pinned charts the platform's Helm releases install (declarations/chart_pins.py):
the areas' chart tables declare them on import, and the engine rules and the CRD groups a tenant stack
may rely on read them. A hit declares them again from the entry, so a tenant stack planned on a hit
imports neither the platform's component tree nor what it needs (psycopg).

`DBAAS_PLATFORM_CACHE=off` (or `DBAAS_CACHE=off`) plans the platform every time. Where the files go, and how
they are written: tools/offline/cache_store.py.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from tools.offline import cache_store
from tools.offline.cache_store import code_digest
from tools.offline.mocks import StackOutputs
from tools.offline.runtime import Registration, registration_from_json, registration_to_json
from declarations.chart_pins import HELM_RELEASE_TYPE, PinnedChart, chart_pin
from declarations.stack_config import StackFile

FORMAT = 3
"""Bump when what is stored, or how it is read back, changes."""
FOLDER = "platform-plans"
SWITCH = "DBAAS_PLATFORM_CACHE"


def key_for(stack_file: StackFile) -> str:
    """The platform plan's inputs: the code, the stack's name and merged config (secrets are
    offline placeholders there), which keys are secret, and the default account."""
    inputs = {
        "format": FORMAT,
        "code": code_digest(),
        "stack": stack_file.stack,
        "config": stack_file.pulumi_config,
        "secret_keys": sorted(stack_file.secret_keys),
        "account": stack_file.config.aws_account_id,
        "default_providers_disabled": stack_file.default_providers_disabled,
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()


def load(key: str) -> tuple[list[Registration], StackOutputs] | None:
    data = cache_store.lookup(SWITCH, FOLDER, key, FORMAT)
    if data is None:
        return None
    try:
        registrations = [registration_from_json(r) for r in data["registrations"]]
        outputs = StackOutputs(values=data["outputs"], secret_names=frozenset(data["secret_outputs"]))
        pins = [_pin_fields(p) for p in data["pins"]]
    except (ValueError, KeyError, TypeError):
        return None
    for fields in pins:  # as the chart table that defines the pin would on import (same code: same pin)
        if chart_pin(fields["chart"], fields["version"]) is None:
            PinnedChart(**fields)
    return registrations, outputs


def release_pins(registrations: list[Registration]) -> list[PinnedChart]:
    """The pinned charts the Helm releases among `registrations` install, once each, in plan order."""
    pins: dict[tuple[str, str], PinnedChart] = {}
    for reg in registrations:
        pin = chart_pin(reg.inputs.get("chart"), reg.inputs.get("version")) if reg.type == HELM_RELEASE_TYPE else None
        if pin is not None:
            pins.setdefault((pin.chart, pin.version), pin)
    return list(pins.values())


def _pin_json(pin: PinnedChart) -> dict[str, Any]:
    return {"chart": pin.chart, "version": pin.version, "repository": pin.repository,
            "crd_groups": list(pin.crd_groups), "why_source": pin.why_source}


def _pin_fields(data: dict[str, Any]) -> dict[str, Any]:
    """A stored pin's fields, checked (a wrong type makes the entry absent, not a wrong pin)."""
    chart, version, repository, crd_groups, why = (data[k] for k in ("chart", "version", "repository", "crd_groups",
                                                                      "why_source"))
    if not (isinstance(crd_groups, list) and all(isinstance(s, str) for s in (chart, version, why, *crd_groups))
            and (repository is None or isinstance(repository, str))):
        raise TypeError("not a pinned chart")
    return {"chart": chart, "version": version, "repository": repository, "crd_groups": tuple(crd_groups),
            "why_source": why}


def store(key: str, registrations: list[Registration], outputs: StackOutputs) -> None:
    """A plan that does not survive the JSON round trip unchanged is not stored."""
    if not cache_store.enabled(SWITCH):
        return
    value = {
        "registrations": [registration_to_json(r) for r in registrations],
        "outputs": outputs.values,
        "secret_outputs": sorted(outputs.secret_names),
        "pins": [_pin_json(pin) for pin in release_pins(registrations)],
    }
    cache_store.write(FOLDER, key, FORMAT, value, lambda back: back["outputs"] == outputs.values and  # key order kept
                      [registration_from_json(r) for r in back["registrations"]] == registrations)
