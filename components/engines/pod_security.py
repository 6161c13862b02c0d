"""Security contexts that satisfy Pod Security `restricted`, which every tenant namespace enforces."""

from __future__ import annotations

RUNTIME_DEFAULT_SECCOMP = {"type": "RuntimeDefault"}


def restricted_pod(uid: int) -> dict:
    """Pod-level context: non-root with a fixed uid/gid, so volume ownership is predictable."""
    return {
        "runAsNonRoot": True,
        "runAsUser": uid,
        "runAsGroup": uid,
        "fsGroup": uid,
        "seccompProfile": dict(RUNTIME_DEFAULT_SECCOMP),
    }


def restricted_container(uid: int) -> dict:
    """Container-level context: no privilege escalation, every capability dropped."""
    return {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "runAsNonRoot": True,
        "runAsUser": uid,
        "runAsGroup": uid,
        "seccompProfile": dict(RUNTIME_DEFAULT_SECCOMP),
    }
