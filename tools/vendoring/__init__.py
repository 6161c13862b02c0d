"""Vendored third-party artifacts: provenance, refresh for a pin move, strict schemas from CRDs."""
