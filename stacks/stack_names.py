"""Names of the stacks and projects, and the tenant stacks' config: pure, so the tools can use
them without importing the programs."""

from __future__ import annotations

import json
import re
from pathlib import Path

from declarations.errors import InputError
from declarations.project_config import config_text, load_project_config
from declarations.regions import KNOWN_REGIONS
from declarations.safe_yaml import load_file
from declarations.naming import split_stack_name

PLATFORM_PROJECT = "dbaas-platform"
"""The Pulumi project of the platform stacks (the root Pulumi.yaml)."""
TENANT_PROJECT = "dbaas-tenant"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""The repository root: the platform project (Pulumi.yaml) lives here."""
TENANTS_DIR = PROJECT_ROOT / "tenants"
TENANT_PROJECT_DIR = PROJECT_ROOT / "tenant_project"
DEFAULT_ORGANIZATION = "organization"
"""The organization name of the self-managed (DIY) backends; the Pulumi Cloud org otherwise."""
_TENANT_ID = re.compile(r"^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$")


def tenant_stack_name(region: str, tenant_id: str) -> str:
    return f"{region}.{tenant_id}"


def parse_tenant_stack_name(stack: str) -> tuple[str, str]:
    """`lagos.acme` -> ("lagos", "acme"); ValueError for anything that is not a region's tenant stack."""
    region, tenant_id = split_stack_name(stack)
    if tenant_id is None or region not in KNOWN_REGIONS or not _TENANT_ID.match(tenant_id):
        raise ValueError(f"stack {stack!r} is not a tenant stack: expected <region>.<tenant-id> with region one of "
                         f"{', '.join(KNOWN_REGIONS)} and a tenant id of at most 40 characters")
    return region, tenant_id


def platform_stack_name(organization: str, region: str) -> str:
    """Fully qualified name of a region's platform stack, as a StackReference names it."""
    return f"{organization}/{PLATFORM_PROJECT}/{region}"


def tenant_stack_config(project_dir: Path = TENANT_PROJECT_DIR) -> dict[str, str]:
    """The config every tenant stack runs with: tenant stacks have no stack file, so it is the
    tenant project's `Pulumi.yaml` values and defaults, merged as the CLI merges them
    (declarations/project_config.py). A key declared there without a default would be missing on every
    tenant stack, and the CLI would refuse them all: that is refused here, located in the file."""
    shown = "tenant_project/Pulumi.yaml"
    project = load_project_config(project_dir, shown)
    required = project.required_keys()
    if required:
        doc = load_file(project_dir / "Pulumi.yaml", shown)
        raise InputError([doc.problem(("config", key), f"every tenant stack is missing configuration value '{key}': "
                                      "tenant stacks have no stack file, so a key needs a default", prefer_key=True)
                          for key in required])
    return {key: config_text(d.given) if isinstance(d.given, (str, int, float, bool)) else json.dumps(d.given)
            for key, d in project.declarations.items()}
