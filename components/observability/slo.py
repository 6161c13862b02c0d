"""Multi-window, multi-burn-rate SLO alerts (Google SRE workbook, chapter 5, alert #6 reduced to
the two paging windows the platform uses: 1h with 5m, and 6h with 30m).

An alert fires when the error ratio over the long window AND over the short window both exceed
`burn_rate x (1 - target)`: the long window proves the budget is really burning, the short one
that it is still burning now, so the alert resets quickly after a fix.
"""

from __future__ import annotations

from dataclasses import dataclass

from components.observability.engine_telemetry import EngineTelemetry, series_selector

LATENCY_THRESHOLD_SECONDS = 0.5
"""A request slower than this counts against the latency SLO (the same bound as the p95 alert)."""


@dataclass(frozen=True)
class BurnRateWindow:
    long: str
    short: str
    burn_rate: float
    severity: str

    @property
    def budget_consumed(self) -> float:
        """Fraction of a 30-day error budget this window spends when the alert triggers."""
        hours = {"1h": 1, "6h": 6}[self.long]
        return self.burn_rate * hours / (30 * 24)


BURN_RATE_WINDOWS = (
    BurnRateWindow(long="1h", short="5m", burn_rate=14.4, severity="critical"),
    BurnRateWindow(long="6h", short="30m", burn_rate=6.0, severity="critical"),
)
RECORDED_WINDOWS = ("5m", "30m", "1h", "6h")


@dataclass(frozen=True)
class SloTarget:
    """One tenant service's SLO; `objective` is the plan's availability target, e.g. 0.999."""

    tenant_id: str
    service: str
    namespace: str
    instance: str
    objective: float
    telemetry: EngineTelemetry

    @property
    def error_budget(self) -> float:
        return round(1 - self.objective, 10)

    def threshold(self, window: BurnRateWindow) -> float:
        return round(window.burn_rate * self.error_budget, 10)


def _record_name(sli: str, window: str) -> str:
    return f"dbaas:slo_{sli}_errors:ratio_rate{window}"


def _error_ratio(sli: str, target: SloTarget, window: str) -> str:
    sel = series_selector(target.namespace, target.instance)
    if sli == "availability":
        # A failed scrape is a minute the instance could not answer: up is the probe.
        return f"1 - avg by (namespace, dbaas_instance) (avg_over_time(up{{{sel}}}[{window}]))"
    hist = target.telemetry.latency_histogram
    return (
        f"1 - (sum by (namespace, dbaas_instance) (rate({hist}_bucket{{{sel},le=\"{LATENCY_THRESHOLD_SECONDS}\"}}[{window}]))"
        f" / sum by (namespace, dbaas_instance) (rate({hist}_count{{{sel}}}[{window}])))"
    )


def slo_rule_group(target: SloTarget) -> dict:
    """The PrometheusRule group of one service: recorded error ratios, then the burn-rate alerts."""
    sel = series_selector(target.namespace, target.instance)
    labels = {"tenant": target.tenant_id, "service": target.service}
    rules: list[dict] = []
    for sli in ("availability", "latency"):
        for window in RECORDED_WINDOWS:
            rules.append({"record": _record_name(sli, window), "expr": _error_ratio(sli, target, window), "labels": labels})
    for sli in ("availability", "latency"):
        for window in BURN_RATE_WINDOWS:
            threshold = target.threshold(window)
            rules.append({
                "alert": f"SLO{sli.capitalize()}BurnRate{window.long}",
                "expr": (
                    f"{_record_name(sli, window.long)}{{{sel}}} > {threshold:g}"
                    f" and {_record_name(sli, window.short)}{{{sel}}} > {threshold:g}"
                ),
                "for": "2m" if window.long == "1h" else "15m",
                "labels": {**labels, "severity": window.severity, "slo": sli,
                           "burn_rate": f"{window.burn_rate:g}", "long_window": window.long},
                "annotations": {
                    "summary": f"{target.tenant_id}/{target.service}: {sli} error budget burning {window.burn_rate:g}x",
                    "description": (
                        f"{sli.capitalize()} SLO {target.objective * 100:g}%: the error ratio is above {threshold:g} over "
                        f"both {window.long} and {window.short}; at this rate {window.budget_consumed * 100:.0f}% of the "
                        f"30-day budget is gone within {window.long}."
                    ),
                },
            })
    return {"name": f"slo-{target.service}", "interval": "30s", "rules": rules}
