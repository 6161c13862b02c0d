"""Evaluate a CRD schema's `x-kubernetes-validations` (CEL) rules the way the API server does.

JSON Schema validation (`k8s_validation`) cannot see these rules, so an object the API server
refuses would pass offline. The semantics below follow the apiextensions-apiserver at the pinned
Kubernetes version (1.33, tag v0.33.0 of k8s.io/apiextensions-apiserver):

- `pkg/apiserver/schema/cel/validation.go`: a rule is attached to a schema node and runs with
  `self` bound to the value at that node, for every occurrence (properties, array items,
  additionalProperties); a null or absent value is not validated; a rule that refers to
  `oldSelf` (a transition rule) runs only on update and only where the old object has a value
  at a correlatable path (maps with mapType granular/atomic by key, lists only when
  `x-kubernetes-list-type: map`, by their keys), unless `optionalOldSelf` is set, when it runs
  with `oldSelf` an optional; the error is `field.Invalid(path, schemaType, message)` where
  the message is `messageExpression`'s result (trimmed, one line), else `message`, else
  "failed rule: RULE"; `fieldPath` is appended to the node's path and `reason` picks the error
  type; an evaluation error becomes "ERR evaluating rule: MESSAGE".
- `pkg/apiserver/schema/cel/compilation.go`: a rule "uses oldSelf" when the type-checked
  expression references the variable; a rule must type-check to bool.
- `pkg/apiserver/schema/defaulting/algorithm.go` and `prunenulls.go`: defaults are applied and
  nulls of non-nullable fields dropped (on decode) before validation, so rules see the stored
  shape.
- k8s.io/apiserver `pkg/cel/environment/base.go`: the library set at 1.33 (standard CEL,
  optional types, strings extension version 2, plus Kubernetes libraries).

The CEL library is cel-expr-python (Google's binding of cel-cpp). It was chosen over
cel-python (celpy), which cannot compare an object with `null` (OpenTelemetryCollector's
sidecar rules fail), and common-expression-language (cel-rust), which parses no `.?` optional
field selection and has no strings extension (`lowerAscii`, `split`). `self` and `oldSelf` are
declared `dyn`: the published CRDs type-check on a real API server, so typing adds no
compile-time check that matters here, and a misspelt field still fails at evaluation time as
"no such key".

What this evaluator does not model, and therefore reports as unevaluable instead of skipping:
Kubernetes library functions that cel-cpp lacks (sets, quantity, url, ip, cidr, format, semver,
lists, regex find; none are used by the shipped schemas: a use fails to compile and is
reported), escaped property names (`__dash__` and friends), and transition rules over a node
that holds a `set`/`map` list (Kubernetes compares those ignoring order, see k8s.io/apiserver
`pkg/cel/common/valuesunstructured.go`). The runtime cost budget is not modelled.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any, Iterator

from cel_expr_python import cel
from cel_expr_python.ext import ext_optional, ext_strings

MAX_MESSAGE_EXPRESSION_BYTES = 5 * 1024
"""k8s.io/apiserver pkg/apis/cel/config.go MaxEvaluatedMessageExpressionSizeBytes."""

STRINGS_EXTENSION_VERSION = 2
"""k8s.io/apiserver pkg/cel/environment/base.go: ext.Strings(ext.StringsVersion(2)) from 1.29 on."""

_OLD_VALUE, _HAS_OLD = "dbaasOldSelfValue", "dbaasHasOldSelf"
_ESCAPED_NAME = re.compile(r"__(?:dash|dot|slash|underscores|[a-z]+)__")


def _environment(variables: dict[str, Any]) -> Any:
    return cel.NewEnv(variables=variables, extensions=[ext_optional.ExtOptional(),
                                                       ext_strings.ExtStrings(STRINGS_EXTENSION_VERSION)])


_SELF_ENV = _environment({"self": cel.Type.DYN})
_ENV = _environment({"self": cel.Type.DYN, "oldSelf": cel.Type.DYN})
_OPTIONAL_ENV = _environment({"self": cel.Type.DYN, _OLD_VALUE: cel.Type.DYN, _HAS_OLD: cel.Type.BOOL})


@dataclass(frozen=True)
class CelRule:
    """One compiled rule of one CRD, at one schema node."""

    crd: str
    """Which schema, e.g. operator.yugabyte.io/ybuniverse_v1alpha1."""
    schema_path: str
    """Where in the schema: `spec.replicationFactor`; `[*]` stands for array items and map values."""
    rule: str
    message: str = ""
    message_expression: str = ""
    reason: str = ""
    field_path: str = ""
    optional_old_self: bool = False
    transition: bool = False
    unevaluable: str = ""
    """Why the rule cannot be evaluated here (compile error or unmodelled semantics); empty when it can."""
    program: Any = field(default=None, compare=False, repr=False)
    message_program: Any = field(default=None, compare=False, repr=False)
    normalized_field_path: str = ""

    def error_string(self) -> str:
        """validation.go ruleErrorString: the message when there is one, else the rule."""
        return self.message.strip() or self.rule.strip()


@dataclass(frozen=True)
class CelViolation:
    """One rule that refuses one value, as the API server words it (`field.Error.Error()`)."""

    path: str
    body: str
    rule: CelRule

    def __str__(self) -> str:
        return f"{self.path or '(root)'}: {self.body}"


@dataclass
class _Node:
    """Parallels validation.go's Validator: only nodes with rules at or below them."""

    type: str
    schema: dict[str, Any]
    rules: list[CelRule]
    properties: dict[str, "_Node"]
    items: "_Node | None"
    additional: "_Node | None"
    all_of: list["_Node"]


def _schema_type(schema: dict[str, Any]) -> str:
    t = schema.get("type", "")
    return t if isinstance(t, str) else ""


def _holds_unordered_list(schema: Any) -> bool:
    if isinstance(schema, dict):
        if schema.get("x-kubernetes-list-type") in ("set", "map"):
            return True
        return any(_holds_unordered_list(v) for v in schema.values())
    if isinstance(schema, list):
        return any(_holds_unordered_list(v) for v in schema)
    return False


def _compile(source: str, env: Any) -> tuple[Any, str]:
    try:
        return env.compile(source), ""
    except RuntimeError as exc:
        first = str(exc).splitlines()[0] if str(exc) else ""
        return None, f"compilation failed: {re.sub(r'^[A-Z_]+: ERROR: ', '', first)}"


def _normalized_field_path(field_path: str, schema: dict[str, Any]) -> tuple[str, str]:
    """validation.go ValidFieldPath: `.a.b` or `['a']` steps through properties or map keys."""
    out, node = "", schema
    for m in re.finditer(r"\.([^.\[\]]+)|\['((?:[^'\\]|\\.)*)'\]|(.)", field_path):
        if m.group(3) is not None:
            return "", f"fieldPath {field_path!r}: expected [ or . but got {m.group(3)}"
        name = m.group(1) if m.group(1) is not None else re.sub(r"\\(.)", r"\1", m.group(2))
        if "properties" in node:
            if name not in node["properties"]:
                return "", f"fieldPath {field_path!r}: does not refer to a valid field"
            out, node = (f"{out}.{name}" if out else name), node["properties"][name]
        elif isinstance(node.get("additionalProperties"), dict):
            out, node = f"{out}[{name}]", node["additionalProperties"]
        else:
            return "", f"fieldPath {field_path!r}: does not refer to a valid field"
    return out, ""


def compile_rule(crd: str, schema_path: str, schema: dict[str, Any], spec: dict[str, Any]) -> CelRule:
    """Compile one `x-kubernetes-validations` entry as compilation.go compileRule does."""
    source = spec.get("rule", "")
    base = dict(crd=crd, schema_path=schema_path, rule=source, message=spec.get("message", ""),
                message_expression=spec.get("messageExpression", ""), reason=spec.get("reason", ""),
                field_path=spec.get("fieldPath", ""), optional_old_self=bool(spec.get("optionalOldSelf", False)))
    program, error = _compile(source, _SELF_ENV)
    transition = False
    if error and re.search(r"undeclared reference to 'oldSelf[.']", error):
        transition = True
        if base["optional_old_self"]:
            # oldSelf is an optional here (validation.go validationActivationWithOldSelf): bind it with
            # a one-element comprehension, since the binding cannot declare an optional variable.
            wrapped = f"[{_HAS_OLD} ? optional.of({_OLD_VALUE}) : optional.none()].all(oldSelf, ({source}\n))"
            program, error = _compile(wrapped, _OPTIONAL_ENV)
        else:
            program, error = _compile(source, _ENV)
    elif not error:
        program, error = _compile(source, _ENV)  # one activation per node serves every rule there
    if not error and program.return_type() not in (cel.Type.BOOL, cel.Type.DYN):
        error = "cel expression must evaluate to a bool"
    if not error and _ESCAPED_NAME.search(source):
        error = "refers to an escaped property name, which this evaluator does not model"
    if not error and transition and _holds_unordered_list(schema):
        error = "transition rule over a set/map list, whose order-insensitive equality this evaluator does not model"
    message_program = None
    if not error and base["message_expression"]:
        message_program, error = _compile(base["message_expression"], _ENV)
        if not error and message_program.return_type() not in (cel.Type.STRING, cel.Type.DYN):
            error = "messageExpression must evaluate to a string"
    normalized = ""
    if not error and base["field_path"]:
        normalized, error = _normalized_field_path(base["field_path"], schema)
    return CelRule(**base, transition=transition, unevaluable=error, program=None if error else program,
                   message_program=message_program, normalized_field_path=normalized)


def _build(crd: str, schema: dict[str, Any], path: str, rules: list[CelRule]) -> _Node | None:
    own = [compile_rule(crd, path, schema, spec) for spec in schema.get("x-kubernetes-validations", [])]
    rules.extend(own)
    props = {}
    for name, sub in (schema.get("properties") or {}).items():
        node = _build(crd, sub, f"{path}.{name}" if path else name, rules)
        if node:
            props[name] = node
    items = _build(crd, schema["items"], f"{path}[*]", rules) if isinstance(schema.get("items"), dict) else None
    extra = schema.get("additionalProperties")
    additional = _build(crd, extra, f"{path}[*]", rules) if isinstance(extra, dict) else None
    all_of = [n for n in (_build(crd, {"type": schema.get("type"), **s}, path, rules) for s in schema.get("allOf", [])) if n]
    if own or props or items or additional or all_of:
        return _Node(_schema_type(schema), schema, own, props, items, additional, all_of)
    return None


def apply_defaults(value: Any, schema: dict[str, Any]) -> Any:
    """A copy of `value` as the API server stores it: the schema's defaults filled in
    (defaulting/algorithm.go Default) and nulls of non-nullable fields without a default dropped
    (defaulting/prunenulls.go PruneNonNullableNullsWithoutDefaults)."""
    value = copy.deepcopy(value)
    _default(value, schema)
    return value


def _non_nullable_null(value: Any, schema: dict[str, Any] | None) -> bool:
    return value is None and schema is not None and not schema.get("nullable", False)


def _default(value: Any, schema: dict[str, Any] | None) -> None:
    if not schema:
        return
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        for name, sub in props.items():
            if "default" in sub and (name not in value or _non_nullable_null(value[name], sub)):
                value[name] = copy.deepcopy(sub["default"])
        extra = schema.get("additionalProperties")
        for name in [k for k, v in value.items() if v is None]:
            sub = props.get(name, extra if isinstance(extra, dict) else None)
            if sub is not None and not sub.get("nullable", False) and "default" not in sub:
                del value[name]
        for name in value:
            if name in props:
                _default(value[name], props[name])
            elif isinstance(extra, dict):
                if _non_nullable_null(value[name], extra) and "default" in extra:
                    value[name] = copy.deepcopy(extra["default"])
                _default(value[name], extra)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            if _non_nullable_null(item, schema["items"]) and "default" in schema["items"]:
                value[i] = copy.deepcopy(schema["items"]["default"])
            _default(value[i], schema["items"])


def _error_text(raw: str) -> str:
    """cel-cpp's status text in cel-go's words, where validation.go matches on them."""
    text = re.sub(r"^[A-Z_]+: ", "", raw)
    if m := re.match(r'Key not found in map : "(.*)"$', text):
        return f"no such key: {m.group(1)}"
    if text.startswith("No matching overloads found"):
        return "no such overload: " + text.removeprefix("No matching overloads found : ")
    if text == "divide by zero":
        return "division by zero"
    return text


def _field_error(type_: str, detail: str, reason: str) -> str:
    """field.Invalid / Forbidden / Required / Duplicate bodies (apimachinery field/errors.go)."""
    value = f'"{type_}"'
    if reason == "FieldValueForbidden":
        return f"Forbidden: {detail}"
    if reason == "FieldValueRequired":
        return f"Required value: {detail}"
    if reason == "FieldValueDuplicate":
        return f"Duplicate value: {value}"
    return f"Invalid value: {value}: {detail}"


def _child(path: str, step: str) -> str:
    return f"{path}.{step}" if path else step


def _result(value: Any) -> tuple[Any, str]:
    if value.type() == cel.Type.ERROR:
        return None, _error_text(str(value.value()))
    return value.value(), ""


class CelValidator:
    """Every rule of one CRD schema, compiled once; evaluates objects of that kind."""

    def __init__(self, crd: str, schema: dict[str, Any]):
        self.crd = crd
        self.schema = schema
        self.rules: list[CelRule] = []
        self._root = _build(crd, schema, "", self.rules)

    def problems(self, obj: dict[str, Any]) -> list[CelViolation]:
        """What the API server's CEL rules refuse when `obj` is created (no old object)."""
        if self._root is None:
            return []
        return list(self._walk(self._root, "", apply_defaults(obj, self.schema), None, transition=False))

    def transition_problems(self, old: dict[str, Any], new: dict[str, Any]) -> list[CelViolation]:
        """What the transition rules (those on `oldSelf`) refuse when `old` is updated to `new`."""
        if self._root is None:
            return []
        return list(self._walk(self._root, "", apply_defaults(new, self.schema), apply_defaults(old, self.schema),
                               transition=True))

    def _walk(self, node: _Node, path: str, obj: Any, old: Any, transition: bool) -> Iterator[CelViolation]:
        if obj is None:
            return
        yield from self._expressions(node, path, obj, old, transition)
        for sub in node.all_of:
            yield from self._walk(sub, path, obj, old, transition)
        if isinstance(obj, list) and node.items:
            old_items = _map_list(node.schema, old)
            for i, item in enumerate(obj):
                yield from self._walk(node.items, f"{path}[{i}]", item, old_items(item), transition)
        elif isinstance(obj, dict):
            correlatable = node.schema.get("x-kubernetes-map-type", "granular") in ("granular", "atomic")
            old_map = old if correlatable and isinstance(old, dict) else {}
            for key, value in obj.items():
                if node.additional:
                    yield from self._walk(node.additional, f"{path}[{key}]", value, old_map.get(key), transition)
                if key in node.properties:
                    yield from self._walk(node.properties[key], _child(path, key), value, old_map.get(key), transition)

    def _expressions(self, node: _Node, path: str, obj: Any, old: Any, transition: bool) -> Iterator[CelViolation]:
        type_ = "object" if path == "" else node.type
        activation = None
        for rule in node.rules:
            if rule.transition != transition and not (rule.optional_old_self and not transition):
                continue
            if rule.unevaluable:
                detail = f"rule compile error: {rule.unevaluable} (CRD {self.crd}, rule {rule.rule!r})"
                yield CelViolation(path, f'Invalid value: "{type_}": {detail}', rule)
                continue
            if rule.optional_old_self:
                result, error = _result(rule.program.eval(data={"self": obj, _OLD_VALUE: old, _HAS_OLD: old is not None}))
            elif rule.transition and old is None:
                continue  # transition rules run only where an old value correlates
            else:
                if activation is None:
                    activation = _ENV.Activation(data={"self": obj, "oldSelf": old} if old is not None else {"self": obj})
                result, error = _result(rule.program.eval(activation))
            if error:
                if error.startswith("no such overload"):
                    detail = (f"'{error}': call arguments did not match a supported operator, function or macro "
                              f"signature for rule: {rule.error_string()}")
                else:
                    detail = f"{error} evaluating rule: {rule.error_string()}"
                yield CelViolation(path, f'Invalid value: "{type_}": {detail}', rule)
                continue
            if result is True:
                continue
            at = _child(path, rule.normalized_field_path) if rule.normalized_field_path else path
            detail = self._message(rule, obj, old)
            yield CelViolation(at, _field_error(type_, detail, rule.reason), rule)

    @staticmethod
    def _message(rule: CelRule, obj: Any, old: Any) -> str:
        """evalMessageExpression: a one-line, non-empty string within 5 KiB, else the static message."""
        default = rule.message.strip() or f"failed rule: {rule.error_string()}"
        if rule.message_program is None:
            return default
        data = {"self": obj, "oldSelf": old} if old is not None else {"self": obj}
        text, error = _result(rule.message_program.eval(data=data))
        if error or not isinstance(text, str):
            return default
        text = text.strip()
        if not text or "\n" in text or len(text.encode()) > MAX_MESSAGE_EXPRESSION_BYTES:
            return default
        return text


def _map_list(schema: dict[str, Any], old: Any):
    """maplist.go: only `x-kubernetes-list-type: map` items correlate with old items, by their keys."""
    keys = schema.get("x-kubernetes-list-map-keys") or []
    if schema.get("x-kubernetes-list-type") != "map" or not keys or not isinstance(old, list):
        return lambda item: None
    index = {tuple(i.get(k) for k in keys): i for i in old if isinstance(i, dict)}
    return lambda item: index.get(tuple(item.get(k) for k in keys)) if isinstance(item, dict) else None
