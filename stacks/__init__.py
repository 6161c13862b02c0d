"""Composition: build one region from its stack config and its tenants."""
