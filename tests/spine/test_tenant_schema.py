"""tenants/schema.json stays in sync with the model, and shipped tenants carry the modeline."""

import json

import jsonschema

from declarations import tenant_schema
from declarations.safe_yaml import load_file
from tests.conftest import TENANTS_DIR

MODELINE = "# yaml-language-server: $schema=../schema.json\n"


def test_exported_schema_is_in_sync_with_the_model():
    committed = (TENANTS_DIR / "schema.json").read_text()
    assert committed == tenant_schema.render(), "run `dbaas schema` and commit tenants/schema.json"


def test_every_tenant_file_has_the_modeline_and_passes_the_json_schema():
    schema = json.loads((TENANTS_DIR / "schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    files = sorted(TENANTS_DIR.glob("*/*.yaml"))
    assert len(files) == 6
    for path in files:
        assert path.read_text().startswith(MODELINE), path
        assert list(validator.iter_errors(load_file(path).data)) == [], path


def test_schema_rejects_unknown_fields_like_the_model():
    schema = json.loads((TENANTS_DIR / "schema.json").read_text())
    doc = load_file(TENANTS_DIR / "lagos" / "acme.yaml").data
    doc["colour"] = "blue"
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(doc))
    assert [e.message for e in errors] == ["Additional properties are not allowed ('colour' was unexpected)"]
