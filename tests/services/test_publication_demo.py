"""Demo publications: two agencies' humas through the desk, every state of the desk, the
news page filled (issue #19); idempotent."""
import sqlalchemy as sa

from ppid.accounts import services as accounts
from ppid.core.db import utcnow
from ppid.demo import ACCOUNTS, DEMO_PASSWORD
from ppid.extensions import db
from ppid.publications import rules, services
from ppid.publications.demo import STORIES, seed_publications
from ppid.publications.models import Publication, PublicationPhoto


def test_demo_publications_show_every_desk_state_and_are_idempotent(factories):
    agencies = {slug: factories.agency(slug=slug, name=f"Dinas {slug}")
                for slug in ("dinkes", "disdikbud")}
    for email, name, roles in ACCOUNTS:
        if any(slug in (None, *agencies) for _role, slug in roles):
            user = accounts.create_user(email, name, DEMO_PASSWORD, actor=None)
            for role, slug in roles:
                accounts.add_role(user, role, agencies[slug].id if slug else None, actor=None)
    db.session.flush()
    summary = []
    seed_publications(summary)
    db.session.commit()
    pubs = db.session.execute(sa.select(Publication)).scalars().all()
    assert len(pubs) == sum(len(stories) for _s, _e, stories in STORIES)
    now = utcnow()
    shown = {rules.effective_state(p.state, p.published_at, now) for p in pubs}
    assert shown == {rules.PublicationState.PUBLISHED, rules.PublicationState.SUBMITTED,
                     rules.PublicationState.SCHEDULED, rules.PublicationState.RETURNED,
                     rules.PublicationState.DRAFT}
    public = services.latest_public(10)
    assert {p.agency.slug for p in public} == {"dinkes", "disdikbud"}
    assert db.session.execute(sa.select(sa.func.count()).select_from(PublicationPhoto)
                              ).scalar_one() >= 3
    seed_publications(summary)
    db.session.commit()
    assert db.session.execute(sa.select(sa.func.count()).select_from(Publication)
                              ).scalar_one() == len(pubs)
    assert "sudah ada" in summary[-1]
