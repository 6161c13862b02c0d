"""What a recorded apply keeps of a stack's outputs: the declared contract's fields, nothing else.

Filtering outputs by names that look secret misses names nobody thought of (camelCase, a PEM
in a field called `ca`, a URI with a password), so a record keeps a fixed allow-list instead:
- a tenant stack: the tenant outputs contract (declarations/outputs_contract.py: `services`,
  `bucket`, `kms_key_arn`, each field typed; a host is a DNS name), and only services that the
  tenant's file at the applied commit declares, with the engine it declares;
- a platform stack: the platform contract's outputs (stacks/platform_contract.py) except its
  secrets (`SECRET_OUTPUTS`: the kubeconfig and the Aerospike feature key), nested facts only
  with their declared fields, and no value that holds a credential (tools/controlplane/credentials.py).
Both are applied by the recorder's entry points themselves (tools/controlplane/apply_records.py),
whoever calls them.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, SecretStr, ValidationError

from declarations.outputs_contract import TENANT_OUTPUTS_EXPORT, TenantOutputs, tenant_contract
from declarations.safe_yaml import Loc, format_loc
from declarations.tenant_model import Tenant
from tools.controlplane.credentials import credential_kinds

TENANT_FIELDS = ("services", "bucket", "kms_key_arn")


class OutputsRefused(ValueError):
    """The outputs cannot be recorded; `problems` are (location in the outputs, message)."""

    def __init__(self, problems: list[tuple[Loc, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{format_loc(loc) or '(outputs)'}: {message}" for loc, message in problems))


def tenant_record(outputs: dict[str, Any], tenant: Tenant) -> dict[str, Any]:
    """The tenant outputs contract inside `outputs` (top level, or the region stack's
    `tenant_outputs.<id>`), validated against its model and the tenant's declaration."""
    contract = tenant_contract(outputs, tenant.id)
    if contract is None:
        raise OutputsRefused([((), f"no tenant outputs for {tenant.id!r}: expected `services`, `bucket` and "
                                   f"`kms_key_arn` (or `{TENANT_OUTPUTS_EXPORT}.{tenant.id}`)")])
    prefix: Loc = () if contract is outputs else (TENANT_OUTPUTS_EXPORT, tenant.id)
    try:
        model = TenantOutputs.model_validate(contract)
    except ValidationError as exc:
        raise OutputsRefused([((*prefix, *e["loc"]), e["msg"]) for e in exc.errors(include_url=False)]) from None
    declared = {service.name: service.engine for service in tenant.services}
    problems: list[tuple[Loc, str]] = []
    for name, connection in model.services.items():
        if name not in declared:
            problems.append(((*prefix, "services", name),
                             f"service {name!r} is not declared in tenants/{tenant.data_region}/{tenant.id}.yaml at "
                             "the applied commit; a record holds only declared services"))
        elif connection.engine != declared[name]:
            problems.append(((*prefix, "services", name, "engine"),
                             f"engine {connection.engine.value!r}, but the tenant file declares "
                             f"{declared[name].value!r} for service {name!r}"))
    if problems:
        raise OutputsRefused(problems)
    dumped = model.model_dump(mode="json")
    return {name: dumped[name] for name in TENANT_FIELDS}


def platform_record(outputs: dict[str, Any]) -> dict[str, Any]:
    """The platform contract's declared, non-secret outputs found in `outputs` (a failed apply may
    have only some of them); a credential in any kept value is refused."""
    from stacks.platform_contract import SECRET_OUTPUTS, PlatformContract

    kept = _declared(outputs, PlatformContract, (), SECRET_OUTPUTS)
    problems = [(loc, f"holds {' and '.join(kinds)}; a record never stores a credential")
                for loc, kinds in _credentials(kept, ())]
    if problems:
        raise OutputsRefused(problems)
    return kept


def _declared(values: dict[str, Any], model: type[BaseModel], loc: Loc, secret: frozenset[str]) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        key = field.alias or name
        if key not in values or key in secret or field.annotation is SecretStr:
            continue
        value = values[key]
        inner = field.annotation
        if isinstance(value, dict) and isinstance(inner, type) and issubclass(inner, BaseModel):
            kept[key] = _declared(value, inner, (*loc, key), frozenset())
        else:
            kept[key] = value
    return kept


def _credentials(value: Any, loc: Loc) -> list[tuple[Loc, list[str]]]:
    if isinstance(value, dict):
        return [found for key, item in value.items() for found in _credentials(item, (*loc, key))]
    if isinstance(value, list):
        return [found for index, item in enumerate(value) for found in _credentials(item, (*loc, index))]
    if isinstance(value, str):
        kinds = credential_kinds(value)
        return [(loc, kinds)] if kinds else []
    return []
