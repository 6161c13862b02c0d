"""Run the platform program and one tenant program under the mock runtime, as the CLI would."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from tools.offline.mocks import StackOutputs
from tools.offline.runtime import ProgramRun, run_program_capturing
from declarations.stack_config import PROJECT, load_stack_file
from declarations.tenant_loader import load_tenant_tree
from stacks import one_stack_region as program
from stacks.platform import program as platform_program
from stacks.tenant import program as tenant_program
from stacks.tenant.foundation import TENANT_PROJECT

PROJECT_DIR = Path(__file__).resolve().parents[2]
TENANT_CONFIG = {"pulumi:disable-default-providers": '["*"]'}


@lru_cache(maxsize=None)
def platform_run(region: str) -> ProgramRun:
    stack_file = load_stack_file(PROJECT_DIR, region)
    return run_program_capturing(platform_program.run, project=PROJECT, stack=region,
                                 config=stack_file.pulumi_config, secret_keys=stack_file.secret_keys,
                                 default_account=stack_file.config.aws_account_id)


def tenant_run(region: str, tenant_id: str, platform_outputs: StackOutputs | None = None) -> ProgramRun:
    tenant = next(t for t in load_tenant_tree(PROJECT_DIR / "tenants", region=region) if t.id == tenant_id)
    outputs = platform_outputs if platform_outputs is not None else platform_run(region).outputs
    return run_program_capturing(lambda: tenant_program.run(tenant=tenant), project=TENANT_PROJECT,
                                 stack=f"{region}.{tenant_id}", config=TENANT_CONFIG, secret_keys=[],
                                 default_account=load_stack_file(PROJECT_DIR, region).config.aws_account_id,
                                 stack_references={f"organization/dbaas-platform/{region}": outputs})


@lru_cache(maxsize=None)
def one_program_region(region: str) -> tuple:
    """The region as one program (stacks/one_stack_region.py: platform and every tenant, the shape the
    region stack had before the split), to compare the tenant stacks with."""
    stack_file = load_stack_file(PROJECT_DIR, region)
    return tuple(run_program_capturing(program.run, project=PROJECT, stack=region, config=stack_file.pulumi_config,
                                       secret_keys=stack_file.secret_keys,
                                       default_account=stack_file.config.aws_account_id).registrations)
