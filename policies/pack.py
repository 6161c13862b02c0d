"""The pack's identity and policies, importable without starting a server.

`policies/__main__.py` hands these to `pulumi_policy.PolicyPack`, which serves them to the engine
over gRPC; `dbaas policy` hands the same values to the same analyzer servicer in-process
(tools/policy/analyzer.py), so both run one pack.
"""

from __future__ import annotations

from pulumi_policy import EnforcementLevel

PACK_NAME = "dbaas-platform"
PACK_DESCRIPTION = "Tenant isolation, encryption, residency and deletion safety for dbaas-platform stacks."
PACK_ENFORCEMENT = EnforcementLevel.MANDATORY
