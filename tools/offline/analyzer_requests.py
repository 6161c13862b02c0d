"""The analyzer requests the engine would send for an offline plan.

During `pulumi preview --policy-pack`, the engine sends every registered resource to the policy
pack as an `AnalyzeRequest` and, after the last registration, the whole stack as one
`AnalyzeStackRequest` (pulumi/pulumi pkg/resource/deploy/step_generator.go: `analyzeAll`,
`AnalyzeResources`; the messages are built in pkg/resource/plugin/analyzer_plugin.go: `Analyze`,
`AnalyzeStack`, `marshalResourceOptions`, `marshalProvider`). This module builds the same
messages from the plan, so `dbaas policy` feeds the pack what the engine feeds it:

- properties are the resource's inputs, marshalled with `MarshalOptions{KeepUnknowns: true,
  KeepSecrets: true, SkipInternalKeys: true}` into a protobuf Struct, so every number is a double;
  a secret is the `{"4dabf...": "1b470...", "value": ...}` object and an unknown is the
  unknown-string sentinel (pkg/resource/plugin/rpc.go `MarshalPropertyValue`);
- options are protect, ignoreChanges, deleteBeforeReplace(+Defined), additionalSecretOutputs,
  aliases, customTimeouts and parent: there is no retainOnDelete (proto/pulumi/analyzer.proto
  `AnalyzerResourceOptions`), so the pack cannot see it;
- the provider is the provider resource's URN, type, name and inputs;
- stack resources add parent, dependencies and the non-empty property dependencies;
- read resources (a tenant stack's StackReference) are in neither: the step executor keeps them in
  the deployment's `reads`, not in `news`, which is what AnalyzeResources sends
  (pkg/resource/deploy/step_executor.go), and reads are not analyzed one by one either.

What the plan cannot reproduce: the plan keeps no secret's value, so a secret travels as the
secret object around the plan's "[secret]" placeholder; ignoreChanges is sent as the program
declared it, but the plan records neither aliases, custom timeouts nor additional secret outputs,
which are sent empty (no rule reads them);
and `AnalyzeStack` in a real preview receives the provider's preview outputs (the inputs plus
unknown computed values), where the plan has the inputs.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator

from google.protobuf import struct_pb2
from pulumi.runtime.proto import analyzer_pb2

from tools.offline.runtime import SECRET, Registration

UNKNOWN_PLACEHOLDER = "[unknown]"
SIGNATURE_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIGNATURE = "1b47061264138c4ac30d75fd1eb44270"
"""pulumi/pulumi sdk/go/common/resource/properties.go: SigKey and SecretSig."""
UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""pkg/resource/plugin/rpc.go UnknownStringValue: the Python SDK sends every unknown as this
string sentinel, which the engine reads back as a computed string and marshals the same way."""


def _wire_value(value: Any) -> Any:
    """The plan's rendering of a value -> the JSON-like value the engine marshals."""
    if isinstance(value, dict):
        return {k: _wire_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_wire_value(v) for v in value]
    if value == SECRET:
        return {SIGNATURE_KEY: SECRET_SIGNATURE, "value": SECRET}
    if value == UNKNOWN_PLACEHOLDER:
        return UNKNOWN_STRING
    return value


def marshal_properties(inputs: dict[str, Any]) -> struct_pb2.Struct:
    """MarshalProperties(..., SkipInternalKeys: true): top-level `__` keys are dropped; a Struct
    holds numbers as doubles, exactly as the engine sends them."""
    struct = struct_pb2.Struct()
    struct.update({k: _wire_value(v) for k, v in inputs.items() if not k.startswith("__")})
    return struct


def _options(reg: Registration) -> analyzer_pb2.AnalyzerResourceOptions:
    """marshalResourceOptions: customTimeouts is always set (zero timeouts when none were given)."""
    return analyzer_pb2.AnalyzerResourceOptions(
        protect=reg.protect,
        ignoreChanges=list(reg.ignore_changes),
        deleteBeforeReplace=False,
        deleteBeforeReplaceDefined=False,
        customTimeouts=analyzer_pb2.AnalyzerResourceOptions.CustomTimeouts(),
        parent=reg.parent,
    )


class RequestBuilder:
    """Builds the engine's analyzer messages for the registrations of one plan."""

    def __init__(self, registrations: Iterable[Registration]):
        self.registrations = list(registrations)
        self._by_urn = {r.urn: r for r in self.registrations}
        self._providers: dict[str, analyzer_pb2.AnalyzerProviderResource] = {}

    def provider(self, reg: Registration) -> analyzer_pb2.AnalyzerProviderResource | None:
        """marshalProvider: the provider reference is `<urn>::<id>`; the engine sends that
        provider resource's URN, type, URN name and inputs."""
        if not reg.provider:
            return None
        urn = reg.provider.rsplit("::", 1)[0]
        if urn not in self._providers:
            found = self._by_urn.get(urn)
            if found is None:
                raise ValueError(f"{reg.urn}: provider {urn} is not registered in the plan")
            self._providers[urn] = analyzer_pb2.AnalyzerProviderResource(
                urn=found.urn, type=found.type, name=found.name, properties=marshal_properties(found.inputs))
        return self._providers[urn]

    def analyze_requests(self) -> Iterator[analyzer_pb2.AnalyzeRequest]:
        """One `Analyze` per registration, in registration order (step_generator.go `analyzeAll`)."""
        for reg in self.registrations:
            yield analyzer_pb2.AnalyzeRequest(
                type=reg.type, properties=marshal_properties(reg.inputs), urn=reg.urn, name=reg.name,
                options=_options(reg), provider=self.provider(reg))

    def analyze_stack_request(self) -> analyzer_pb2.AnalyzeStackRequest:
        """`AnalyzeStack` with every resource, its parent, dependencies and the property
        dependencies that are not empty (analyzer_plugin.go `AnalyzeStack`)."""
        resources = [
            analyzer_pb2.AnalyzerResource(
                type=reg.type, properties=marshal_properties(reg.inputs), urn=reg.urn, name=reg.name,
                options=_options(reg), provider=self.provider(reg), parent=reg.parent,
                dependencies=list(reg.dependencies),
                propertyDependencies={k: analyzer_pb2.AnalyzerPropertyDependencies(urns=list(v))
                                      for k, v in reg.property_dependencies.items() if v},
            )
            for reg in self.registrations
        ]
        return analyzer_pb2.AnalyzeStackRequest(resources=resources)
