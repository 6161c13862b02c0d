"""Entry point for `pulumi preview|up -s <region>`: the region's platform stack (tenant stacks are
the `dbaas-tenant` project in tenant_project/)."""

from stacks.platform import program as platform_program

platform_program.run()
