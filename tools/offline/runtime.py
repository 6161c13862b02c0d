"""Run a Pulumi program in-process under the mock runtime and capture every registration.

Pulumi's own MockMonitor drops the resource options (protect, retainOnDelete, parent,
dependencies, provider); the capturing monitor keeps them, which is what a reviewer and the
policy pack need to see. The rest of this module makes large plans affordable without changing
a byte of them (see BENCHMARKS.md).
"""

from __future__ import annotations

import asyncio
import gc
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping

import pulumi
from google.protobuf import struct_pb2
from pulumi.output import Unknown
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc, settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

from tools.offline.mocks import DEFAULT_ORGANIZATION, PlatformMocks, StackOutputs

SECRET = "[secret]"
STACK_TYPE = "pulumi:pulumi:Stack"


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
    ignore_changes: tuple[str, ...] = ()
    """Property paths whose old input values the engine keeps on an update (tools/offline/ignore_changes.py)."""


def registration_to_json(reg: Registration) -> dict[str, Any]:
    """Every field, as JSON: what the plan caches store and the policy cache's key hashes."""
    return {
        "urn": reg.urn, "type": reg.type, "name": reg.name, "custom": reg.custom, "parent": reg.parent,
        "provider": reg.provider, "inputs": reg.inputs, "protect": reg.protect,
        "retain_on_delete": reg.retain_on_delete, "dependencies": list(reg.dependencies),
        "property_dependencies": {k: list(v) for k, v in reg.property_dependencies.items()},
        "ignore_changes": list(reg.ignore_changes),
    }


def registration_from_json(data: dict[str, Any]) -> Registration:
    return Registration(
        urn=data["urn"], type=data["type"], name=data["name"], custom=data["custom"], parent=data["parent"],
        provider=data["provider"], inputs=data["inputs"], protect=data["protect"],
        retain_on_delete=data["retain_on_delete"], dependencies=tuple(data["dependencies"]),
        property_dependencies={k: tuple(v) for k, v in data["property_dependencies"].items()},
        ignore_changes=tuple(data["ignore_changes"]),
    )


@dataclass(frozen=True)
class Read:
    """A resource the program reads instead of managing (a StackReference): the engine makes it a
    `read` step whose new state is external, with the id it was read by (pulumi/pulumi
    pkg/resource/deploy/step.go NewReadStep). A first preview does not count it as a change
    (pkg/engine/update.go shouldRecordReadStep: no old state), but `pulumi preview --json` lists it
    (pkg/backend/display/display.go shouldShow)."""

    urn: str
    type: str
    name: str
    id: str
    parent: str
    provider: str
    inputs: dict[str, Any]


def redact(value: Any) -> Any:
    """Replace secret-wrapped values with '[secret]' and return plain JSON-able data."""
    if rpc.is_rpc_secret(value):
        return SECRET
    if isinstance(value, dict):
        return {str(k): redact(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(v) for v in value]
    if value == rpc.UNKNOWN or isinstance(value, Unknown):
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
        self.reads: list[Read] = []
        self.worker_loops: set[asyncio.AbstractEventLoop] = set()

    def _track_worker_loop(self) -> None:
        """The mock monitor runs in executor threads, each with an event loop of its own;
        remember them so they can be closed instead of complaining at interpreter exit."""
        if threading.current_thread() is not threading.main_thread():
            loop = _ensure_event_loop()
            if loop.is_closed():  # closed at the end of an earlier run on this pooled thread
                loop = asyncio.new_event_loop()
                asyncio.set_event_loop(loop)
            self.worker_loops.add(loop)

    def close_worker_loops(self) -> None:
        for loop in self.worker_loops:
            if not loop.is_running() and not loop.is_closed():
                loop.close()
        self.worker_loops.clear()

    def Invoke(self, request):  # noqa: N802
        self._track_worker_loop()
        return super().Invoke(request)

    def ReadResource(self, request):  # noqa: N802 (a StackReference is read, not registered)
        self._track_worker_loop()
        inputs = rpc.deserialize_properties(request.properties, keep_unknowns=True)
        self.reads.append(Read(urn=self.make_urn(request.parent, request.type, request.name), type=request.type,
                               name=request.name, id=request.id, parent=request.parent, provider=request.provider,
                               inputs=redact(inputs)))
        return super().ReadResource(request)

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """URNs as the engine forms them: the parent's qualified type chain, without the Stack."""
        qualified = type_
        if parent:
            parent_type = parent.split("::")[2]
            if parent_type != "pulumi:pulumi:Stack":
                qualified = f"{parent_type}${type_}"
        return "urn:pulumi:" + "::".join([settings.get_stack(), settings.get_project(), qualified, name])

    def RegisterResource(self, request):  # noqa: N802 (gRPC method name)
        """Pulumi's MockMonitor, minus a round trip: it deserialises the inputs, asks the mocks
        for outputs and serialises all of them back. Outputs here are the inputs plus a few
        computed values, so the inputs' wire form is reused and only the additions are encoded."""
        self._track_worker_loop()
        urn = self.make_urn(request.parent, request.type, request.name)
        inputs = rpc.deserialize_properties(request.object, keep_unknowns=True) if request.type != STACK_TYPE else {}
        self.registrations.append(
            Registration(
                urn=urn,
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
                ignore_changes=tuple(request.ignoreChanges),
            )
        )
        if request.type == STACK_TYPE:
            return resource_pb2.RegisterResourceResponse(urn=urn)
        args = pulumi_mocks.MockResourceArgs(
            typ=request.type, name=request.name, inputs=inputs, provider=request.provider,
            resource_id=request.importId, custom=request.custom or False,
        )
        id_, state = self.mocks.new_resource(args)
        additions = {k: v for k, v in state.items() if k not in inputs or inputs[k] is not v}
        outputs = struct_pb2.Struct()
        outputs.CopyFrom(request.object)
        if additions:
            outputs.MergeFrom(_sync_await(rpc.serialize_properties(additions, {})))
        self.resources[urn] = pulumi_mocks.MockMonitor.ResourceRegistration(urn, id_, state)
        return resource_pb2.RegisterResourceResponse(urn=urn, id=id_, object=outputs)


@contextmanager
def _without_source_positions() -> Iterator[None]:
    """Skip the SDK's per-resource stack walk: source positions are debugging metadata for the
    engine, which the mock monitor discards, and the walk costs about a fifth of plan time."""
    from pulumi.runtime import resource as sdk_resource
    from pulumi.runtime.proto import source_pb2

    saved = sdk_resource._get_stack_trace
    sdk_resource._get_stack_trace = source_pb2.StackTrace
    try:
        yield
    finally:
        sdk_resource._get_stack_trace = saved


@contextmanager
def _cyclic_gc_relaxed() -> Iterator[None]:
    """The SDK allocates millions of short-lived objects in reference cycles (futures, tasks,
    outputs). With the default thresholds the cyclic collector's full-heap passes grow with the
    heap and took over half of a large plan's time. Young collections stay frequent enough to
    free those cycles; full ones become rare. One collection afterwards frees what is left.
    Everything alive before the run (the imported SDKs' classes and modules, earlier runs'
    registrations) is frozen out of the collector's view meanwhile (`gc.freeze`), so that
    collection examines only what the run allocated: a full pass over the SDK modules alone took
    about 0.4 s, a third of a one-tenant plan."""
    saved = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(100_000, 50, 1_000)
    try:
        yield
    finally:
        gc.set_threshold(*saved)
        gc.collect()
        gc.unfreeze()


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


@dataclass(frozen=True)
class ProgramRun:
    """What one program run leaves: its registrations in order, and its stack outputs."""

    registrations: list[Registration]
    outputs: StackOutputs
    reads: list[Read] = field(default_factory=list)


def _resolve_exports(exports: dict[str, Any]) -> StackOutputs:
    """The stack's `pulumi.export`s as plain values, and which of them are secrets (as the engine
    records them in the stack's state and a StackReference reports them in `secretOutputNames`)."""
    values: dict[str, Any] = {}
    secrets: set[str] = set()
    for name, value in exports.items():
        output = pulumi.Output.from_input(value)
        values[name] = _sync_await(output.future())
        if _sync_await(output.is_secret()):
            secrets.add(name)
    return StackOutputs(values=values, secret_names=frozenset(secrets))


def run_program_capturing(
    program: Callable[[], None],
    *,
    project: str,
    stack: str,
    config: dict[str, str],
    secret_keys: list[str],
    default_account: str,
    organization: str = DEFAULT_ORGANIZATION,
    stack_references: Mapping[str, StackOutputs] | None = None,
) -> ProgramRun:
    """Run `program` as a preview of `project`/`stack`; StackReferences to the stacks named in
    `stack_references` (`<org>/<project>/<stack>`) resolve to those outputs."""
    with _clean_environment(), _without_source_positions(), _cyclic_gc_relaxed():
        settings.ROOT.set(None)
        mocks = PlatformMocks(default_account, stack_references)
        monitor = CapturingMonitor(mocks)
        set_all_config(dict(config), list(secret_keys))
        pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=True, monitor=monitor,
                                 organization=organization)
        try:
            _sync_await(run_pulumi_func(program))
            # Under mocks the root Stack registers its outputs before the program runs; the exports
            # stay on it, so resolve them here, before the runtime is reset.
            outputs = _resolve_exports(dict(settings.ROOT.get().outputs))
        finally:
            monitor.close_worker_loops()
            settings.ROOT.set(None)
            settings.SETTINGS.rpc_manager.clear()
            settings.SETTINGS.outputs.clear()
        return ProgramRun(registrations=list(monitor.registrations), outputs=outputs, reads=list(monitor.reads))
