"""Demo broadcasts (issue #19): the registry demo's serta-merta items start broadcasts; the
BPBD's flood warning is ended with a log of updates, no stale banner is left; idempotent."""
import sqlalchemy as sa

from ppid.accounts import services as accounts
from ppid.broadcasts.demo import FLOOD_UPDATES, seed_broadcasts
from ppid.broadcasts.models import Broadcast, BroadcastUpdate
from ppid.core.models import OutboxMail
from ppid.extensions import db
from ppid.registry.demo import seed_registry
from tests.services.test_registry_demo import SLUGS


def test_demo_has_one_ended_broadcast_with_updates_and_is_idempotent(factories):
    utama = factories.agency(slug="diskominfo", kind="utama", name="Diskominfo",
                             short_name="Diskominfo")
    for slug in SLUGS:
        factories.agency(slug=slug, name=f"Dinas {slug}", short_name=slug.upper(),
                         parent_id=utama.id)
    accounts.create_user("utama@demo.ppid.id", "PPID Utama", "Demo-Sandi-2026", actor=None,
                         roles=[("main", None)])
    seed_registry([])
    summary = []
    seed_broadcasts(summary)
    db.session.commit()
    broadcasts = db.session.execute(sa.select(Broadcast)).scalars().all()
    assert broadcasts and all(not b.is_active for b in broadcasts)
    with_log = [b for b in broadcasts if b.updates]
    assert len(with_log) == 1 and len(with_log[0].updates) == len(FLOOD_UPDATES)
    flood = with_log[0]
    times = [u.posted_at for u in flood.updates]
    assert times == sorted(times, reverse=True)  # newest first
    assert flood.started_at < times[-1] and times[0] < flood.ended_at
    # The demo followers were mailed (queued) about the flood's updates, once each.
    assert db.session.execute(sa.select(sa.func.count()).select_from(OutboxMail)).scalar() > 0
    before = db.session.execute(sa.select(sa.func.count()).select_from(BroadcastUpdate)).scalar()
    seed_broadcasts([])
    assert db.session.execute(sa.select(sa.func.count()).select_from(BroadcastUpdate)
                              ).scalar() == before
