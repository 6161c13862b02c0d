"""Stacks, above the components: the platform stack (platform/), the tenant stack (tenant/) and the
contract between them (platform_contract.py). Config is mapped to component args only here."""
