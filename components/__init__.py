"""Reusable Pulumi ComponentResources, one concern each. Type tokens are `dbaas:<area>:<Name>`."""
