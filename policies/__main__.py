"""CrossGuard entry point: `pulumi preview -s lagos --policy-pack policies`.

The rules live in importable modules (policies/rules/); this file only registers them.
"""

import sys
from pathlib import Path

# The pack runs from its own directory; the rules import the platform's naming and tenant model.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi_policy import EnforcementLevel, PolicyPack  # noqa: E402

from policies.crossguard import build_policies  # noqa: E402

PolicyPack(
    name="dbaas-platform",
    description="Tenant isolation, encryption, residency and deletion safety for dbaas-platform stacks.",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=build_policies(),
)
