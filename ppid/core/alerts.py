"""Alerts that go into each agency's digest and dashboard.

Features register sources; the alerts command (registry) collects them for every agency
and sends one digest per agency. A source is ``fn(now) -> {agency_id: [Alert, ...]}``.
"""
from dataclasses import dataclass

SOURCES = []


@dataclass(frozen=True)
class Alert:
    key: str          # stable identity, e.g. "obligation:12:a:terlambat"; digests compare keys
    kind: str         # "obligation", "exemption", "request", "objection"
    severity: str     # "terlambat", "belum_ada", "segera", ...
    title: str
    detail: str = ""
    url: str = ""     # path within the registry, e.g. /kelola/...


def register_alert_source(fn):
    if fn not in SOURCES:
        SOURCES.append(fn)
    return fn


def collect_alerts(now) -> dict:
    """Every source's alerts merged per agency id, in a stable order."""
    merged = {}
    for source in SOURCES:
        for agency_id, alerts in source(now).items():
            merged.setdefault(agency_id, []).extend(alerts)
    for alerts in merged.values():
        alerts.sort(key=lambda a: (a.kind, a.severity, a.key))
    return merged
