"""Published DIP items in search, with their latest document's text, through the search
source hook (ppid.search.sources.register_source). Only public fields are read."""
import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ppid.registry.rules import Category


def load(session, ids):
    from ppid.core.services import local_date
    from ppid.registry.models import PUBLISHED, DipItem, DocumentVersion
    from ppid.search.sources import SearchDoc, indexed_label, lines
    int_ids = [int(i) for i in ids if str(i).isdigit()]
    items = session.execute(
        sa.select(DipItem).options(joinedload(DipItem.agency), joinedload(DipItem.obligation))
        .where(DipItem.id.in_(int_ids), DipItem.state == PUBLISHED)).scalars().all()
    if not items:
        return {}
    latest = (sa.select(DocumentVersion.item_id, sa.func.max(DocumentVersion.number).label("n"))
              .where(DocumentVersion.item_id.in_([it.id for it in items]))
              .group_by(DocumentVersion.item_id).subquery())
    texts = dict(session.execute(
        sa.select(DocumentVersion.item_id, DocumentVersion.extracted_text)
        .join(latest, sa.and_(DocumentVersion.item_id == latest.c.item_id,
                              DocumentVersion.number == latest.c.n))).all())
    out = {}
    for it in items:
        agency = it.agency
        when = it.made_on or (local_date(it.published_at) if it.published_at else None)
        obligation = it.obligation
        out[str(it.id)] = SearchDoc(
            doc_type="dip", doc_id=str(it.id), public_id=str(it.id), title=it.title,
            body=it.summary or "", text=texts.get(it.id) or "",
            meta=lines(agency.name, agency.short_name, it.holding_unit, it.responsible,
                       it.made_at_place,
                       f"{obligation.code}. {obligation.title}" if obligation else "",
                       "Informasi " + indexed_label(Category, it.category).lower(),
                       str(when.year) if when else ""),
            agency=agency.slug, agency_name=agency.name, category=it.category, date=when,
            url=f"/badan/{agency.slug}/dip/{it.id}",
            extra={"published_on": local_date(it.published_at).isoformat()
                   if it.published_at else ""})
    return out


def all_ids(session):
    from ppid.registry.models import PUBLISHED, DipItem
    return session.execute(sa.select(DipItem.id).where(DipItem.state == PUBLISHED)
                           .order_by(DipItem.id)).scalars().all()


def register(app):
    from ppid.agencies.models import Agency
    from ppid.registry.models import DipItem, DocumentVersion, Obligation
    from ppid.search.sources import AGENCY_LABELS, register_source, when_renamed
    register_source(
        app, "dip",
        {DipItem: lambda s, o: o.id, DocumentVersion: lambda s, o: o.item_id,
         Agency: when_renamed(DipItem.agency_id, *AGENCY_LABELS),
         Obligation: when_renamed(DipItem.obligation_id, "code", "title")},
        load, all_ids)
