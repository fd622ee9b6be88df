"""Demo data of the reports: twelve monthly compliance snapshots (this month and the eleven
before it), each computed as the DIP stood at the end of its month, so that the trend
charts and the compliance history have a year of content on first run."""
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

from ppid.core.db import utcnow
from ppid.core.services import local_today, timezone as local_tz
from ppid.extensions import db
from ppid.reports import services
from ppid.reports.models import ComplianceSnapshot

MONTHS = 12


def seed_snapshots(summary):
    if db.session.execute(sa.select(ComplianceSnapshot.id).limit(1)).first() is not None:
        summary.append("riwayat kepatuhan demo: sudah ada, tidak ditambah")
        return
    now = utcnow()
    this_month = local_today(now).replace(day=1)
    added = 0
    for back in range(MONTHS - 1, -1, -1):
        first = this_month - relativedelta(months=back)
        last_day = first + relativedelta(months=1) - timedelta(days=1)
        # The last day of a past month at 23:00 local time; this month: now.
        moment = now if back == 0 else datetime.combine(last_day, time(23, 0),
                                                         tzinfo=local_tz())
        if services.take_snapshot(now=moment, as_of=True):
            added += 1
    db.session.flush()
    summary.append(f"riwayat kepatuhan demo: {added} bulan snapshot")
