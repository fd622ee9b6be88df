"""Alerts that go into each agency's digest and dashboard.

Features add sources to ``hooks(app).alert_sources``; the alerts command (registry)
collects them for every agency and sends one digest per agency. A source is
``fn(now) -> {agency_id: [Alert, ...]}``.
"""
from dataclasses import dataclass

from ppid.core.hooks import hooks


@dataclass(frozen=True)
class Alert:
    key: str          # stable identity, e.g. "obligation:12:a:terlambat"; digests compare keys
    kind: str         # "obligation", "exemption", "request", "objection"
    severity: str     # "terlambat", "belum_ada", "segera", ...
    title: str
    detail: str = ""
    url: str = ""     # path within the registry, e.g. /kelola/...


def collect_alerts(now) -> dict:
    """Every source's alerts merged per agency id, in a stable order."""
    merged = {}
    for source in hooks().alert_sources:
        for agency_id, alerts in source(now).items():
            merged.setdefault(agency_id, []).extend(alerts)
    for alerts in merged.values():
        alerts.sort(key=lambda a: (a.kind, a.severity, a.key))
    return merged
