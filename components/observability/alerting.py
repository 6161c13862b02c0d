"""Alertmanager configuration from the stack's routing knobs (pure data, tested as such)."""

from __future__ import annotations

from components.observability.args import AlertRouting

DEFAULT_RECEIVER = "default"
PAGER_RECEIVER = "pager"
NULL_RECEIVER = "null"


def alertmanager_config(routing: AlertRouting) -> dict:
    """Critical alerts page; the always-firing Watchdog and InfoInhibitor go nowhere; a critical
    alert silences the warnings of the same tenant service."""
    return {
        "route": {
            "receiver": DEFAULT_RECEIVER,
            "group_by": list(routing.group_by),
            "group_wait": f"{routing.group_wait_seconds}s",
            "group_interval": f"{routing.group_interval_minutes}m",
            "repeat_interval": f"{routing.repeat_interval_hours}h",
            "routes": [
                {"receiver": NULL_RECEIVER, "matchers": ['alertname=~"Watchdog|InfoInhibitor"']},
                {"receiver": PAGER_RECEIVER, "matchers": ['severity="critical"'], "continue": False},
            ],
        },
        "inhibit_rules": [
            {"source_matchers": ['severity="critical"'], "target_matchers": ['severity="warning"'],
             "equal": ["namespace", "tenant", "service"]},
        ],
        "receivers": [
            {"name": NULL_RECEIVER},
            {"name": DEFAULT_RECEIVER, "webhook_configs": [{"url": routing.default_webhook_url, "send_resolved": True}]},
            {"name": PAGER_RECEIVER, "webhook_configs": [{"url": routing.critical_webhook_url, "send_resolved": True}]},
        ],
    }
