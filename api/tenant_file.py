"""The tenant file the API writes: deterministic bytes that `dbaas validate` accepts.

The layout follows the shipped tenants: the schema modeline, top-level keys in model order,
short lists and backups in flow style, services as a block list. Optional fields appear only
when they differ from their default; `deletion_protection` is always written because a
reviewer should never have to remember the default of a safety switch.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from declarations.safe_yaml import load_bytes
from declarations.tenant_loader import parse_tenant
from declarations.tenant_model import Service, Tenant

MODELINE = "# yaml-language-server: $schema=../schema.json"
_PLAIN_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._/@()+-]*$")


def tenant_path(tenant: Tenant) -> str:
    """Repository path of a tenant's file: `tenants/<region>/<id>.yaml`."""
    return f"tenants/{tenant.data_region}/{tenant.id}.yaml"


def render_tenant(tenant: Tenant) -> bytes:
    data = tenant.model_dump(mode="json")
    lines = [MODELINE]
    for key in ("id", "name", "org", "plan", "data_region"):
        lines.append(f"{key}: {_scalar(data[key])}")
    lines.append(f"owners: {_flow_list(data['owners'])}")
    lines.append(f"deletion_protection: {_scalar(data['deletion_protection'])}")
    lines.append(f"data_classes: {_flow_list(data['data_classes'])}")
    if not data["services"]:
        lines.append("services: []")
    else:
        lines.append("services:")
        for service in data["services"]:
            lines.extend(_service_lines(service))
    if data["decommission"] is not None:
        lines.append(f"decommission: {_flow_map(data['decommission'])}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _service_lines(service: dict[str, Any]) -> list[str]:
    defaults = {name: f.get_default(call_default_factory=True) for name, f in Service.model_fields.items()
                if not f.is_required()}
    out = []
    for key in Service.model_fields:
        value = service[key]
        if key in defaults and value == defaults[key]:
            continue
        rendered = _flow(value)
        out.append(f"{'  - ' if not out else '    '}{key}: {rendered}")
    return out


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        return _flow_map(value)
    if isinstance(value, list):
        return _flow_list(value)
    return _scalar(value)


def _flow_list(values: list[Any]) -> str:
    return "[" + ", ".join(_flow(v) for v in values) + "]"


def _flow_map(mapping: dict[str, Any]) -> str:
    """Unset optional fields (None) are left out, as a person would write it."""
    return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in mapping.items() if v is not None) + "}"


def _scalar(value: Any) -> str:
    """Plain when the text is unambiguous in block and flow context, double-quoted otherwise."""
    if isinstance(value, bool) or isinstance(value, int):
        return json.dumps(value)
    if not isinstance(value, str):
        raise TypeError(f"tenant files hold strings, integers and booleans, not {type(value).__name__}")
    if _PLAIN_SAFE.match(value) and value == value.strip() and yaml.safe_load(f"[{value}]") == [value]:
        return value
    quoted = yaml.safe_dump(value, default_style='"', allow_unicode=True, width=2**31 - 1)
    return quoted.removesuffix("\n").removesuffix("\n...")


def parse_tenant_bytes(raw: bytes, path: str) -> Tenant:
    """Parse stored tenant bytes with the same strict loader `dbaas validate` uses."""
    return parse_tenant(load_bytes(raw, path))
