"""Strict JSON Schemas from CustomResourceDefinitions, as the API server applies them.

The API server prunes (or, with strict field validation, refuses) every field a structural
schema does not declare, unless the node says `x-kubernetes-preserve-unknown-fields: true`
(apiextensions-apiserver pkg/apiserver/schema/pruning). A JSON Schema validator accepts unknown
fields unless told otherwise, so every object node that declares `properties` and neither
`additionalProperties` nor `x-kubernetes-preserve-unknown-fields` gets `additionalProperties:
false`. Everything else, the CEL rules (`x-kubernetes-validations`) included, is kept as the CRD
wrote it; `tools/kubernetes/cel.py` reads those rules from the same schema. One rewrite:
`x-kubernetes-int-or-string: true` (the generators add `anyOf: [integer, string]` beside it) becomes
`oneOf: [string, integer]`, what the flag means to the API server (an int-or-string node takes
either, apiextensions-apiserver pkg/apiserver/schema/validation.go), without the vendor keyword.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

PRESERVE = "x-kubernetes-preserve-unknown-fields"
INT_OR_STRING = "x-kubernetes-int-or-string"
SCHEMA_CHILDREN = ("items", "additionalProperties")
"""Nodes that declare fields. `allOf`, `anyOf`, `oneOf` and `not` only constrain the fields their node declares
(structural schemas, KEP-2887), so they are kept as written: a `oneOf: [{required: [certificate]}, ...]` must
not refuse the node's other fields."""


def strict(node: Any) -> Any:
    """A copy of an openAPIV3Schema node where undeclared fields are refused."""
    if not isinstance(node, dict):
        return node
    out = dict(node)
    if out.pop(INT_OR_STRING, False):
        out.pop("anyOf", None)
        out["oneOf"] = [{"type": "string"}, {"type": "integer"}]
    if isinstance(node.get("properties"), dict):
        out["properties"] = {name: strict(child) for name, child in node["properties"].items()}
        if "additionalProperties" not in node and not node.get(PRESERVE):
            out["additionalProperties"] = False
    for key in SCHEMA_CHILDREN:
        if isinstance(out.get(key), dict):
            out[key] = strict(out[key])
    return out


def schema_file_name(group: str, kind: str, version: str) -> str:
    """`<group>/<kind in lower case>_<version>.json`, the layout validation looks schemas up by."""
    return f"{group}/{kind.lower()}_{version}.json"


def crd_schemas(crd: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(file name, strict schema) for every served version of one CustomResourceDefinition."""
    spec = crd["spec"]
    group, kind = spec["group"], spec["names"]["kind"]
    for version in spec["versions"]:
        if not version.get("served", True):
            continue
        schema = (version.get("schema") or spec.get("validation") or {}).get("openAPIV3Schema")
        if schema is None:
            continue
        yield schema_file_name(group, kind, version["name"]), strict(schema)
