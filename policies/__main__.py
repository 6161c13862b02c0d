"""CrossGuard entry point: `pulumi preview -s lagos --policy-pack policies`.

The engine starts it as `python -u -m pulumi.policy <engine address> policies` (pulumi-language-python
RunPlugin); the rules live in importable modules (policies/rules/), this file only serves them.
"""

import sys
from pathlib import Path

# The pack runs from its own directory; the rules import the platform's naming and tenant model.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi_policy import PolicyPack  # noqa: E402

from policies.crossguard import build_policies  # noqa: E402
from policies.pack import PACK_DESCRIPTION, PACK_ENFORCEMENT, PACK_NAME  # noqa: E402

PolicyPack(
    name=PACK_NAME,
    description=PACK_DESCRIPTION,
    enforcement_level=PACK_ENFORCEMENT,
    policies=build_policies(),
)
