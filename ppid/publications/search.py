"""Published publications in search, through the search-source hook (hooks(app).
search_sources, filled by ppid.search.sources.register_source). Only what the public
page shows is indexed: title, summary, body text, tags, the agency.

A scheduled publication is indexed once the job runner records its moment (its row
changes, so the index is refreshed); :func:`load` never returns one that is not public.
"""
import sqlalchemy as sa
from sqlalchemy.orm import joinedload

DOC_TYPE = "publication"


def _ids_of_agency(session, agency):
    state = sa.inspect(agency)
    if state.pending or not any(state.attrs[n].history.has_changes()
                                for n in ("name", "short_name", "slug", "is_active")):
        return None
    from ppid.publications.models import Publication
    return session.execute(sa.select(Publication.id).where(
        Publication.agency_id == agency.id)).scalars().all()


def load(session, ids):
    from ppid.core.db import utcnow
    from ppid.core.services import local_date
    from ppid.publications import rules
    from ppid.publications.models import Publication
    from ppid.publications.services import visible
    from ppid.search.sources import SearchDoc
    int_ids = [int(i) for i in ids if str(i).isdigit()]
    if not int_ids:
        return {}
    pubs = session.execute(
        sa.select(Publication).options(joinedload(Publication.agency))
        .where(Publication.id.in_(int_ids), visible(utcnow()))).scalars().all()
    out = {}
    for p in pubs:
        agency = p.agency
        if not agency.is_active:
            continue
        when = local_date(p.published_at)
        out[str(p.id)] = SearchDoc(
            doc_type=DOC_TYPE, doc_id=str(p.id), public_id=str(p.id), title=p.title,
            body=p.summary or "", text=p.body or "",
            meta="\n".join(x for x in (agency.name, agency.short_name or "", "berita",
                                       " ".join(p.tag_list), str(when.year)) if x),
            agency=agency.slug, agency_name=agency.name, category="", date=when,
            url=f"/berita/{p.id}/{rules.slugify(p.title)}",
            extra={"published_on": when.isoformat()})
    return out


def all_ids(session):
    from ppid.core.db import utcnow
    from ppid.publications.models import Publication
    from ppid.publications.services import visible
    return [str(i) for i in session.execute(
        sa.select(Publication.id).where(visible(utcnow())).order_by(Publication.id)
    ).scalars()]


def register(app):
    if "search" not in app.blueprints:
        return  # search is not part of this app
    from ppid.agencies.models import Agency
    from ppid.publications.models import Publication
    from ppid.search.sources import register_source
    register_source(app, DOC_TYPE, {Publication: lambda s, o: o.id, Agency: _ids_of_agency},
                    load, all_ids)
