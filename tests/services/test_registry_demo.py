"""Demo data: the catalogue a-k, a DIP where every status shows, real PDF text; idempotent."""
import sqlalchemy as sa

from ppid.core import jobs
from ppid.extensions import db
from ppid.registry import rules, services
from ppid.registry.demo import seed_registry
from ppid.registry.models import DipItem, DocumentVersion, Exemption, NilDeclaration, Obligation

SLUGS = ("dinkes", "bpbd", "penghubung", "biro-pbj", "kesbangpol", "bappeda", "dishub",
         "bkd", "dlhk", "setda")


def _counts():
    return tuple(db.session.execute(sa.select(sa.func.count(m.id))).scalar_one()
                 for m in (Obligation, DipItem, DocumentVersion, NilDeclaration, Exemption))


def test_demo_registry_shows_every_status_and_is_idempotent(factories):
    utama = factories.agency(slug="diskominfo", kind="utama", name="Diskominfo",
                             short_name="Diskominfo")
    for slug in SLUGS:
        factories.agency(slug=slug, name=f"Dinas {slug}", short_name=slug.upper(),
                         parent_id=utama.id)
    summary = []
    seed_registry(summary)
    db.session.commit()
    jobs.run_pending(limit=1)  # the first document's text, read after commit by the worker
    assert "registri DIP" in summary[0]
    first = _counts()
    assert first[0] == 11
    assert {o.code for o in db.session.execute(sa.select(Obligation)).scalars()} == \
        set("abcdefghijk")
    assert {p.status for p in services.compute_staleness()} == set(rules.STATUSES)
    text = db.session.execute(sa.select(DocumentVersion.extracted_text)
                              .order_by(DocumentVersion.id).limit(1)).scalar_one()
    assert "Keterbukaan Informasi Publik" in text
    serta = db.session.execute(sa.select(DipItem).where(
        DipItem.category == "serta_merta")).scalars().all()
    assert serta and all(rules.hours_to_publish(i.event_at, i.published_at) > 0 for i in serta)
    assert any(rules.exemption_review_due(e.end_on, services.local_today())
               for e in db.session.execute(sa.select(Exemption)).scalars())
    closed = [e.item for e in db.session.execute(sa.select(Exemption)).scalars() if e.item]
    assert closed and all(i.state == "draft" and i.published_at for i in closed)  # issue 15
    seed_registry([])
    assert _counts() == first
