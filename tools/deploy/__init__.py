"""Deployment: `dbaas up` (selection, stack runner, Pulumi CLI), state moves, the migration plan, affected stacks."""
