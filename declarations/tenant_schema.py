"""The tenant file's JSON Schema, exported to tenants/schema.json for editors and outside tools.

Editors pick it up through the modeline each tenant file starts with:
`# yaml-language-server: $schema=../schema.json`.
"""

from __future__ import annotations

import json
from pathlib import Path

from declarations.tenant_model import Tenant

SCHEMA_ID = "https://dbaas.example.net/schemas/tenant.json"


def tenant_json_schema() -> dict:
    schema = Tenant.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def render() -> str:
    return json.dumps(tenant_json_schema(), indent=2, sort_keys=True) + "\n"


def write(path: Path) -> None:
    path.write_text(render(), encoding="utf-8")
