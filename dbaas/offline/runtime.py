"""Run a Pulumi program in-process under the mock runtime and capture every registration.

Pulumi's own MockMonitor drops the resource options (protect, retainOnDelete, parent,
dependencies, provider); the capturing monitor keeps them, which is what a reviewer and the
policy pack need to see.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc, settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from dbaas.offline.mocks import PlatformMocks

SECRET = "[secret]"


@dataclass(frozen=True)
class Registration:
    """One resource as the engine would see it in `pulumi preview`."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: str
    provider: str
    inputs: dict[str, Any]
    protect: bool
    retain_on_delete: bool
    dependencies: tuple[str, ...]
    property_dependencies: dict[str, tuple[str, ...]] = field(default_factory=dict)


def redact(value: Any) -> Any:
    """Replace secret-wrapped values with '[secret]' and return plain JSON-able data."""
    if rpc.is_rpc_secret(value):
        return SECRET
    if isinstance(value, dict):
        return {str(k): redact(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(v) for v in value]
    if value == rpc.UNKNOWN:
        return "[unknown]"
    if isinstance(value, float) and value.is_integer():
        return int(value)  # the wire format has only doubles; Kubernetes schemas want integers
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


class CapturingMonitor(pulumi_mocks.MockMonitor):
    def __init__(self, mocks: PlatformMocks):
        super().__init__(mocks)
        self.registrations: list[Registration] = []

    def RegisterResource(self, request):  # noqa: N802 (gRPC method name)
        response = super().RegisterResource(request)
        inputs = rpc.deserialize_properties(request.object, keep_unknowns=True)
        self.registrations.append(
            Registration(
                urn=response.urn,
                type=request.type,
                name=request.name,
                custom=bool(request.custom),
                parent=request.parent,
                provider=request.provider,
                inputs=redact(inputs),
                protect=bool(request.protect),
                retain_on_delete=bool(request.retainOnDelete),
                dependencies=tuple(sorted(set(request.dependencies))),
                property_dependencies={
                    k: tuple(sorted(v.urns)) for k, v in sorted(request.propertyDependencies.items())
                },
            )
        )
        return response


@contextmanager
def _clean_environment() -> Iterator[None]:
    """Keep ambient PULUMI_* settings out of the program, so the plan depends only on the repo."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("PULUMI_")}
    for k in saved:
        del os.environ[k]
    try:
        yield
    finally:
        os.environ.update(saved)


def run_program(
    program: Callable[[], None],
    *,
    project: str,
    stack: str,
    config: dict[str, str],
    secret_keys: list[str],
    default_account: str,
) -> list[Registration]:
    """Run `program` as a preview of `project`/`stack` and return every registration in order."""
    with _clean_environment():
        settings.ROOT.set(None)
        mocks = PlatformMocks(default_account)
        monitor = CapturingMonitor(mocks)
        set_all_config(dict(config), list(secret_keys))
        pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=True, monitor=monitor)
        try:
            _sync_await(run_pulumi_func(program))
        finally:
            settings.ROOT.set(None)
            settings.SETTINGS.rpc_manager.clear()
            settings.SETTINGS.outputs.clear()
        return list(monitor.registrations)
