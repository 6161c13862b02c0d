"""Kubernetes object validation: core kinds and CRD schemas (strict), and their CEL rules."""
