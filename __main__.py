"""Entry point for `pulumi preview|up -s <region>`: build this region's stack."""

from stacks import program

program.run()
