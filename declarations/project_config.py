"""The config schema that `Pulumi.yaml` declares, and the rules the Pulumi CLI applies with it.

Before a program runs, the CLI merges the project's declarations into the stack's config and
refuses the stack (pulumi/pulumi pkg/workspace/config.go, `mergeConfig` and
`validateStackConfigValue`):
- a key of the project's namespace declared without `default` (or `value`) and not set on the
  stack: "Stack 'lagos' is missing configuration value 'dbaas-platform:acmeEmail'";
- a key declared `secret: true` whose stack value is not `secure:`: "... must be encrypted as
  it's secret". The rule runs on the merged config, so a declared secret with a default fails
  on every stack that does not set it: a secret can only be declared as required;
- a value whose declared type does not match, judged on the string the stack file holds
  (`workspace.ValidateConfigValue`: an integer must parse with Go's Atoi, so `true` or `5.0`
  are not integers; a boolean is the text `true` or `false`).

The offline tools apply the same rules here, so `dbaas validate` and `dbaas plan` refuse what
`pulumi preview` would refuse, located in the stack file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from declarations.errors import InputError, Problem
from declarations.safe_yaml import load_file

_NO_DEFAULT = object()
_GO_ATOI = re.compile(r"^[+-]?\d+$")
SUPPORTED_TYPES = ("string", "integer", "boolean")


@dataclass(frozen=True)
class Declaration:
    """One `config:` entry of `Pulumi.yaml`."""

    key: str
    """The full key, `<namespace>:<name>`."""
    type: str
    default: Any
    secret: bool
    description: str
    value: Any = _NO_DEFAULT
    """`value:`, the fixed value of a key of another namespace (e.g. `pulumi:disable-default-providers`)."""

    @property
    def required(self) -> bool:
        return self.default is _NO_DEFAULT and self.value is _NO_DEFAULT

    @property
    def given(self) -> Any:
        """What the CLI merges into a stack that does not set the key (its value, else its default)."""
        return self.value if self.value is not _NO_DEFAULT else self.default


@dataclass(frozen=True)
class ProjectConfig:
    name: str
    declarations: dict[str, Declaration]

    def declared(self, key: str) -> Declaration | None:
        return self.declarations.get(key)

    def required_keys(self) -> list[str]:
        return sorted(k for k, d in self.declarations.items() if d.required and k.startswith(f"{self.name}:"))


def load_project_config(project_dir: Path, shown: str = "Pulumi.yaml") -> ProjectConfig:
    """Read `Pulumi.yaml`'s name and config declarations; mistakes are located problems."""
    path = project_dir / "Pulumi.yaml"
    doc = load_file(path, shown)
    name = doc.data.get("name")
    if not isinstance(name, str) or not name:
        raise InputError([doc.problem(("name",), "the project file needs a 'name'")])
    problems: list[Problem] = []
    declarations: dict[str, Declaration] = {}
    for key, spec in (doc.data.get("config") or {}).items():
        key = str(key)
        loc = ("config", key)
        if not isinstance(spec, dict):
            problems.append(doc.problem(loc, "declare a key as a mapping with type, default and description"))
            continue
        value = spec.get("value", _NO_DEFAULT)
        if not key.startswith(f"{name}:"):
            # project.go Validate: a key of another namespace has no type schema, only a `value`.
            if "type" in spec or "default" in spec or value is _NO_DEFAULT:
                problems.append(doc.problem(loc, f"{key} is not namespaced by the project: give it a 'value', "
                                            "and no 'type' or 'default'"))
            else:
                declarations[key] = Declaration(key, "string", _NO_DEFAULT, False, str(spec.get("description", "")), value)
            continue
        type_ = spec.get("type", "string")
        if value is not _NO_DEFAULT and "default" in spec:
            problems.append(doc.problem(loc, f"project config '{key}' cannot have both a 'default' and 'value' attribute"))
        if type_ not in SUPPORTED_TYPES:
            problems.append(doc.problem(loc + ("type",), f"type must be one of {', '.join(SUPPORTED_TYPES)}"))
            continue
        default = spec.get("default", _NO_DEFAULT)
        if default is not _NO_DEFAULT and not value_has_type(config_text(default), type_):
            # pulumi/pulumi sdk/go/common/workspace/project.go (Project.Validate)
            problems.append(doc.problem(loc + ("default",), f"the default value is not of the expected type '{type_}'"))
        secret = bool(spec.get("secret", False))
        if secret and default is not _NO_DEFAULT:
            problems.append(doc.problem(loc + ("default",), "a secret cannot have a default: the CLI refuses every stack "
                                        "that does not set it, because the default is not encrypted"))
        declarations[key] = Declaration(key, type_, default, secret, str(spec.get("description", "")), value)
    if problems:
        raise InputError(problems)
    return ProjectConfig(name=name, declarations=declarations)


def config_text(value: Any) -> str:
    """The string the CLI holds for a scalar stack value: YAML scalars other than strings are
    kept as their JSON text (pulumi/pulumi sdk/go/common/resource/config/object.go, MarshalString)."""
    if isinstance(value, str):
        return value
    return json.dumps(value)


def value_has_type(text: str, type_: str) -> bool:
    """`workspace.ValidateConfigValue` for the scalar types, on the stack value's string."""
    if type_ == "integer":
        return bool(_GO_ATOI.match(text))
    if type_ == "boolean":
        return text in ("true", "false")
    return True


def is_ciphertext(value: str) -> bool:
    """`v1:<nonce>:<ciphertext>`, both standard base64: the only form the CLI's symmetric crypter
    decrypts (sdk/go/common/resource/config/crypt.go, symmetricCrypter.DecryptValue)."""
    parts = value.split(":")
    b64 = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")
    return len(parts) == 3 and parts[0] == "v1" and all(b64.match(p) and len(p) % 4 == 0 for p in parts[1:])
