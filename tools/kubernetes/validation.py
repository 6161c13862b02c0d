"""Validate emitted Kubernetes objects against real schemas.

Core kinds: the official OpenAPI-derived schemas in `kubernetes-validate`, strict (unknown
fields rejected), at the stack's pinned Kubernetes version. Operator kinds: the strict schemas
derived from the CRDs of the pinned releases, vendored in this repository (`vendor/schemas/`, from
the files and provenance of `vendor/provenance.json`), and then their CEL rules
(`x-kubernetes-validations`, evaluated by `tools.kubernetes.cel` as the API server does).
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs
import kubernetes_validate
from kubernetes_validate import utils as kubernetes_validate_utils
from referencing import Registry, Resource

from declarations.kubernetes_types import is_patch_type  # noqa: F401 (re-exported)
from declarations.vendored_artifacts import SCHEMA_DIR
from tools.kubernetes.cel import CelValidator, CelViolation, apply_defaults
from tools.offline.runtime import SECRET, Registration

PINNED_KUBERNETES_VERSION = "1.33.0"
"""The version every object is validated at; matches `kubernetesVersion` in the stack files."""

NOT_OBJECTS = {"kubernetes:helm.sh/v3:Release", "kubernetes:yaml/v2:ConfigGroup", "kubernetes:yaml/v2:ConfigFile"}
"""Pulumi Kubernetes types that are not API objects themselves."""


class SchemaUnavailable(RuntimeError):
    """No schema to validate a kind against: a failure, never a silent pass."""


def crd_schema_dir() -> Path:
    """The strict schemas of the vendored CRDs (vendor/schemas/, written by tools/vendoring/refresh.py)."""
    return SCHEMA_DIR


def is_core_api(api_version: str) -> bool:
    group = api_version.split("/")[0] if "/" in api_version else ""
    return group == "" or "." not in group or group.endswith(".k8s.io")


def _crd_schema_name(api_version: str, kind: str) -> str:
    group, _, version = api_version.partition("/")
    return f"{group}/{kind.lower()}_{version}"


@functools.lru_cache(maxsize=None)
def _crd_schema(api_version: str, kind: str) -> dict[str, Any]:
    path = crd_schema_dir() / f"{_crd_schema_name(api_version, kind)}.json"
    if not path.is_file():
        group = api_version.partition("/")[0]
        raise SchemaUnavailable(f"no CRD schema for {api_version} {kind} (looked for {path.name} in vendor/schemas/{group}/: "
                                "vendor the CRD of the pinned release, vendor/provenance.json)")
    return with_implicit_object_fields(json.loads(path.read_text()))


@functools.lru_cache(maxsize=None)
def _crd_validator(api_version: str, kind: str) -> jsonschema.protocols.Validator:
    schema = _crd_schema(api_version, kind)
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
    return cls(schema)


@functools.lru_cache(maxsize=None)
def cel_validator(api_version: str, kind: str) -> CelValidator:
    """The kind's x-kubernetes-validations rules, compiled once per schema."""
    return CelValidator(_crd_schema_name(api_version, kind), _crd_schema(api_version, kind))


IMPLICIT_ROOT_FIELDS = {
    "apiVersion": {"type": "string"},
    "kind": {"type": "string"},
    "metadata": {"type": "object"},
}


def with_implicit_object_fields(schema: dict[str, Any]) -> dict[str, Any]:
    """The API server accepts apiVersion, kind and metadata on every custom resource whatever
    the CRD's openAPIV3Schema says; some published schemas (YugabyteDB's) omit them at the
    root while forbidding additional properties. Add them, and only them, as the server does."""
    props = schema.get("properties")
    if props is None:
        return schema
    missing = {k: v for k, v in IMPLICIT_ROOT_FIELDS.items() if k not in props}
    return {**schema, "properties": {**props, **missing}} if missing else schema


@functools.lru_cache(maxsize=None)
def _core_schema_dir(kubernetes_version: str) -> str:
    """kubernetes-validate's strict schemas for a version: the newest it ships that is not newer (its
    kubernetes_validate/utils.py validate makes the same choice)."""
    utils = kubernetes_validate_utils
    wanted = utils.major_minor(kubernetes_version.lstrip("v"))
    version = [v for v in utils.all_versions() if utils.major_minor(v) <= wanted][-1]
    return f"kubernetes-json-schema/v{version}-local-strict"


@functools.lru_cache(maxsize=None)
def _core_definitions(kubernetes_version: str) -> dict[str, Any]:
    """The definitions every core kind's schema refers to (1.4 MB of JSON, ~10 ms to parse): read once per
    version, not once per kind and again for its fast check. Nothing here modifies it."""
    return kubernetes_validate_utils.schema_contents(f"{_core_schema_dir(kubernetes_version)}/_definitions.json",
                                                     kubernetes_version)


@functools.lru_cache(maxsize=None)
def _core_validator(kubernetes_version: str, api_version: str, kind: str) -> jsonschema.protocols.Validator:
    """kubernetes-validate's strict schema for a core kind, compiled once: `kubernetes_validate.validate` reads
    and resolves the schema and its definitions file on every call (~50 ms an object), which would make
    validating a whole plan in every command cost seconds. Same files, same version choice, same validator
    class (kubernetes_validate/utils.py validate)."""
    utils = kubernetes_validate_utils
    wanted = utils.major_minor(kubernetes_version.lstrip("v"))
    schema_dir = _core_schema_dir(kubernetes_version)
    file_api_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    try:
        schema = utils.schema_contents(f"{schema_dir}/{kind.lower()}-{file_api_version}.json", kubernetes_version)
    except FileNotFoundError:
        raise kubernetes_validate.SchemaNotFoundError(version=wanted, kind=kind, api_version=api_version) from None
    definitions = _core_definitions(kubernetes_version)
    registry = Resource.from_contents(definitions) @ (Resource.from_contents(schema) @ Registry())
    return jsonschema.validators.Draft202012Validator(schema, registry=registry)


@functools.lru_cache(maxsize=None)
def _core_fast_check(kubernetes_version: str, api_version: str, kind: str) -> Any:
    """The same core schema compiled by jsonschema-rs, for the common case (the object is valid) in well under a
    millisecond; an object it refuses is validated again by `_core_validator` for the message."""
    validator = _core_validator(kubernetes_version, api_version, kind)
    defs = _core_definitions(kubernetes_version)
    return _fast(jsonschema_rs.Draft202012Validator, validator.schema, retriever=lambda _uri: defs,
                 base_uri="file:///api/object.json")


def _fast(cls: Any, schema: dict[str, Any], **options: Any) -> Any:
    """A jsonschema-rs validator with python-jsonschema's semantics here (formats are annotations), or None when
    it cannot compile the schema (then the python validator alone decides). tests/spine/test_fast_validation.py
    checks both agree on every object of both plans."""
    try:
        return cls(schema, validate_formats=False, **options)
    except (ValueError, jsonschema_rs.ReferencingError):
        return None


@functools.lru_cache(maxsize=None)
def _crd_fast_check(api_version: str, kind: str) -> Any:
    return _fast(jsonschema_rs.Draft7Validator, _crd_schema(api_version, kind))


def _unredacted_shape(obj: dict[str, Any]) -> dict[str, Any]:
    """The plan shows a Secret's whole `data`/`stringData` as "[secret]"; validate it as a map."""
    if obj.get("kind") == "Secret" and obj.get("apiVersion") == "v1":
        return {k: ({} if k in ("data", "stringData") and v == SECRET else v) for k, v in obj.items()}
    return obj


def validate_object(obj: dict[str, Any], kubernetes_version: str = PINNED_KUBERNETES_VERSION,
                    cel: bool = True, fast: bool = True) -> list[str]:
    """Every schema violation of one object, as readable strings (empty when valid): JSON Schema
    first, then (operator kinds) the CRD's CEL rules on `self`, as on create. `fast=False` skips the
    jsonschema-rs pre-check (the tests compare both ways)."""
    obj = _unredacted_shape(obj)
    api_version, kind = obj.get("apiVersion", ""), obj.get("kind", "")
    if is_core_api(api_version):
        try:
            validator = _core_validator(kubernetes_version, api_version, kind)
        except kubernetes_validate.SchemaNotFoundError as exc:
            return [f"no Kubernetes schema for {api_version} {kind}: {exc}"]
        checker = _core_fast_check(kubernetes_version, api_version, kind) if fast else None
        if checker is not None and checker.is_valid(obj):
            return []
        error = jsonschema.exceptions.best_match(validator.iter_errors(obj))
        return [] if error is None else [f"{'.'.join(map(str, error.path)) or '(root)'}: {error.message}"]
    validator = _crd_validator(api_version, kind)
    # The API server defaults a custom resource from its schema when it decodes it, before it validates
    # (apiextensions-apiserver pkg/apiserver/schema/defaulting): a required field with a default may be omitted.
    stored = apply_defaults(obj, _crd_schema(api_version, kind))
    checker = _crd_fast_check(api_version, kind) if fast else None
    errors = [] if checker is not None and checker.is_valid(stored) else [
        f"{'.'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
        for e in sorted(validator.iter_errors(stored), key=lambda e: list(map(str, e.absolute_path)))
    ]
    if errors or not cel:
        # apiextensions-apiserver pkg/registry/customresource/strategy.go runs the CEL rules only
        # when no schema error is blocking (type, required, enum, too long); jsonschema does not
        # classify its errors, so any schema error stops here.
        return errors
    return [str(v) for v in cel_validator(api_version, kind).problems(obj)]


def transition_problems(old_obj: dict[str, Any], new_obj: dict[str, Any]) -> list[CelViolation]:
    """What the API server's transition rules (`oldSelf`) refuse when `old_obj` is updated to
    `new_obj` (the same custom resource); empty for core kinds, which have no CEL rules here."""
    api_version, kind = new_obj.get("apiVersion", ""), new_obj.get("kind", "")
    if is_core_api(api_version) or (old_obj.get("apiVersion"), old_obj.get("kind")) != (api_version, kind):
        return []
    return cel_validator(api_version, kind).transition_problems(old_obj, new_obj)


def kubernetes_objects(registrations: list[Registration]) -> list[tuple[str, dict[str, Any]]]:
    """(urn, object) for every Kubernetes API object in a plan."""
    out = []
    for reg in registrations:
        if reg.custom and reg.type.startswith("kubernetes:") and reg.type not in NOT_OBJECTS and not is_patch_type(reg.type):
            out.append((reg.urn, reg.inputs))
    return out


def schema_problems(registrations: list[Registration], kubernetes_version: str = PINNED_KUBERNETES_VERSION) -> list[str]:
    """`<urn>: <field path>: <message>` for every schema or CEL violation of every Kubernetes object in a plan, in
    plan order: what `dbaas plan`, `policy`, `diff` and the API refuse (tools/offline/plan.py build_plan)."""
    return [f"{urn}: {violation}" for urn, obj in kubernetes_objects(registrations)
            for violation in validate_object(obj, kubernetes_version)]
