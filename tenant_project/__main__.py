"""Entry point for `pulumi preview|up -s <region>.<tenant-id>` (run from tenant_project/): one tenant's stack."""

import sys
from pathlib import Path

# The CLI runs the program in this directory; the code lives in the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from stacks.tenant import program as tenant_program  # noqa: E402

tenant_program.run()
