"""Drive the policy pack through the analyzer protocol, the way the engine drives it.

The engine's sequence for `pulumi preview --policy-pack policies [--policy-pack-config F]`
(pulumi/pulumi pkg/engine/update.go and pkg/resource/plugin/analyzer_plugin.go):
1. `GetAnalyzerInfo`: the pack's policies, their enforcement levels and config schemas;
2. `ReconcilePolicyPackConfig` (pkg/resource/analyzer/config.go): schema defaults, then the
   config file's "all" level, then each policy's level and properties; the result, for every
   policy, goes to `Configure` (properties as a protobuf Struct, so numbers are doubles);
3. `ConfigureStack` with the stack and project;
4. `Analyze` for every resource as it registers; a diagnostic belongs to that resource;
5. `AnalyzeStack` once; a diagnostic's URN is kept if it names a resource of the stack,
   otherwise it is attributed to the root stack (analyze_snapshot.go
   `resolveStackPolicyViolationURN`).

Two transports speak it: `InProcessAnalyzer` calls the pack's own gRPC servicer
(`pulumi_policy`'s `_PolicyAnalyzerServicer`, built with the arguments `policies/__main__.py`
gives `PolicyPack`), and `LoopbackAnalyzer` starts the pack exactly as the Python language host
does (`python -u -m pulumi.policy <engine> policies`) and talks to it over a loopback gRPC
channel. Both take the same request messages (tools/offline/analyzer_requests.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Protocol

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc
from pulumi_policy import EnforcementLevel, Severity
from pulumi_policy.policy import _PolicyAnalyzerServicer

from tools.offline.analyzer_requests import RequestBuilder
from tools.policy.struct_conversion import converting_once
from tools.offline.runtime import Registration
from policies.crossguard import build_policies
from policies.pack import PACK_DESCRIPTION, PACK_ENFORCEMENT, PACK_NAME
from policies.rules.model import TenantFacts

PYTHON_PACK_VERSION = "0.0.1"
"""What `pulumi_policy.PolicyPack` reports; the engine prefers PulumiPolicy.yaml's version."""

LEVEL_OF = {analyzer_pb2.ADVISORY: EnforcementLevel.ADVISORY, analyzer_pb2.MANDATORY: EnforcementLevel.MANDATORY,
            analyzer_pb2.REMEDIATE: EnforcementLevel.REMEDIATE, analyzer_pb2.DISABLED: EnforcementLevel.DISABLED}
WIRE_LEVEL = {level: wire for wire, level in LEVEL_OF.items()}
SEVERITY_OF = {analyzer_pb2.POLICY_SEVERITY_LOW: Severity.LOW, analyzer_pb2.POLICY_SEVERITY_MEDIUM: Severity.MEDIUM,
               analyzer_pb2.POLICY_SEVERITY_HIGH: Severity.HIGH,
               analyzer_pb2.POLICY_SEVERITY_CRITICAL: Severity.CRITICAL}


class Analyzer(Protocol):
    """The analyzer RPCs the engine calls during a preview."""

    def GetAnalyzerInfo(self, request: empty_pb2.Empty) -> analyzer_pb2.AnalyzerInfo: ...  # noqa: N802
    def Configure(self, request: analyzer_pb2.ConfigureAnalyzerRequest) -> Any: ...  # noqa: N802
    def ConfigureStack(self, request: analyzer_pb2.AnalyzerStackConfigureRequest) -> Any: ...  # noqa: N802
    def Analyze(self, request: analyzer_pb2.AnalyzeRequest) -> analyzer_pb2.AnalyzeResponse: ...  # noqa: N802
    def AnalyzeStack(self, request: analyzer_pb2.AnalyzeStackRequest) -> analyzer_pb2.AnalyzeResponse: ...  # noqa: N802


class InProcessAnalyzer:
    """The pack's servicer in this process: what gRPC would deliver it, without the socket."""

    def __init__(self, tenants: Mapping[str, TenantFacts]):
        # Positional arguments exactly as pulumi_policy.PolicyPack.__init__ passes them.
        self._servicer = _PolicyAnalyzerServicer(
            PACK_NAME, PYTHON_PACK_VERSION, build_policies(lambda: tenants), PACK_ENFORCEMENT,
            None, PACK_DESCRIPTION, None, None, None, None, None)

        self._conversions: dict = {}

    def __getattr__(self, rpc: str):
        method = getattr(self._servicer, rpc)
        if rpc not in ("Analyze", "AnalyzeStack"):
            return lambda request: method(request, None)

        def analyze(request):
            with converting_once(self._conversions):  # tools/policy/struct_conversion.py
                return method(request, None)

        return analyze


class LoopbackAnalyzer:
    """The pack as the engine runs it: its own process, a port on stdout, a gRPC channel."""

    def __init__(self, project_dir: Path, tenants_dir: Path):
        env = {**os.environ, "DBAAS_TENANTS_DIR": str(tenants_dir)}
        self._process = subprocess.Popen(
            [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:0", str(project_dir / "policies")],
            cwd=project_dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        port = self._process.stdout.readline().strip()
        if not port.isdigit():
            self.close()
            raise RuntimeError(f"the policy pack did not start: {self._process.stderr.read()}")
        self._channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        self._stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)

    def __getattr__(self, rpc: str):
        return getattr(self._stub, rpc)

    def close(self) -> None:
        if getattr(self, "_channel", None) is not None:
            self._channel.close()
        self._process.kill()
        self._process.wait()
        for stream in (self._process.stdout, self._process.stderr):
            stream.close()

    def __enter__(self) -> "LoopbackAnalyzer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class PolicySettings:
    """One policy's enforcement level and config properties, as `Configure` receives them."""

    enforcement: EnforcementLevel
    properties: Mapping[str, Any]


def schema_defaults(policy: analyzer_pb2.PolicyInfo) -> dict[str, Any]:
    """config.go `createConfigWithDefaults`: each config property's `default`."""
    properties = json_format.MessageToDict(policy.configSchema.properties)
    return {k: v["default"] for k, v in properties.items() if isinstance(v, dict) and "default" in v}


def configure_request(info: analyzer_pb2.AnalyzerInfo,
                      configured: Mapping[str, PolicySettings]) -> analyzer_pb2.ConfigureAnalyzerRequest:
    """`Configure` for every policy the pack reports: its own level and schema defaults unless the
    (already reconciled and validated) pack config says otherwise."""
    request = analyzer_pb2.ConfigureAnalyzerRequest()
    for policy in info.policies:
        settings = configured.get(policy.name) or PolicySettings(LEVEL_OF[policy.enforcementLevel],
                                                                 schema_defaults(policy))
        properties = struct_pb2.Struct()
        properties.update(dict(settings.properties))
        request.policyConfig[policy.name].CopyFrom(analyzer_pb2.PolicyConfig(
            enforcementLevel=WIRE_LEVEL[settings.enforcement], properties=properties))
    return request


@dataclass(frozen=True)
class Diagnostic:
    """A violation as the engine records it: which policy, at which level, on which resource."""

    policy: str
    enforcement: EnforcementLevel
    severity: Severity | None
    urn: str
    message: str
    """The pack's text after the policy's description (the servicer prefixes it)."""


def _diagnostic(raw: analyzer_pb2.AnalyzeDiagnostic, urn: str) -> Diagnostic:
    level = LEVEL_OF[raw.enforcementLevel]
    if level is EnforcementLevel.REMEDIATE:
        level = EnforcementLevel.MANDATORY  # step_generator.go: a remediated policy that still fires is mandatory
    message = raw.message.removeprefix(raw.description).removeprefix("\n")
    return Diagnostic(raw.policyName, level, SEVERITY_OF.get(raw.severity), urn, message)


def run_analysis(analyzer: Analyzer, stack: str, project: str, registrations: Iterable[Registration],
                 configured: Mapping[str, PolicySettings]) -> tuple[analyzer_pb2.AnalyzerInfo, list[Diagnostic]]:
    """The engine's calls in the engine's order; returns the pack's info and every diagnostic."""
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty())
    analyzer.Configure(configure_request(info, configured))
    analyzer.ConfigureStack(analyzer_pb2.AnalyzerStackConfigureRequest(stack=stack, project=project, dry_run=True))
    builder = RequestBuilder(registrations)
    found: list[Diagnostic] = []
    for request in builder.analyze_requests():
        found.extend(_diagnostic(d, request.urn) for d in analyzer.Analyze(request).diagnostics)
    in_stack = {r.urn for r in builder.registrations}
    root = next((r.urn for r in builder.registrations if r.type == "pulumi:pulumi:Stack" and not r.parent),
                f"urn:pulumi:{stack}::{project}::pulumi:pulumi:Stack::{project}-{stack}")
    for d in analyzer.AnalyzeStack(builder.analyze_stack_request()).diagnostics:
        found.append(_diagnostic(d, d.urn if d.urn in in_stack else root))
    return info, found
