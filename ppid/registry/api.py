"""Public JSON API of the registry (shared/spec/API.md): agencies, an agency's obligations
with their status, and the published DIP. No personal data."""
import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.orm import aliased, selectinload

from ppid.agencies.models import Agency
from ppid.api.common import (ApiError, choice_param, list_response, make_api_blueprint,
                             page_params, text_param)
from ppid.core import patterns
from ppid.extensions import db
from ppid.registry import rules, services
from ppid.registry.models import CATEGORIES, PUBLISHED, DipItem, Obligation

bp = make_api_blueprint("registry_api", __name__)

# Lengths of the /dip filters (an agency's slug, an obligation's code, words of a title).
MAX_SLUG, MAX_CODE, MAX_TEXT = 80, 10, 200


def _agency_or_404(slug, field=None):
    """The active agency with ``slug``; a 404 (naming ``field``, the parameter) otherwise."""
    agency = None
    if len(slug) <= MAX_SLUG and not patterns.has_control(slug):
        agency = db.session.execute(sa.select(Agency).where(
            Agency.slug == slug, Agency.is_active.is_(True))).scalar_one_or_none()
    if agency is None:
        message = _("Badan publik %(slug)s tidak ditemukan.", slug=slug[:MAX_SLUG])
        raise ApiError(404, "not_found", message, {field: message} if field else None)
    return agency


@bp.get("/agencies")
def agencies():
    page, per_page = page_params()
    parent = aliased(Agency)
    base = sa.select(Agency, parent.slug).outerjoin(parent, Agency.parent_id == parent.id) \
        .where(Agency.is_active.is_(True))
    total = db.session.execute(sa.select(sa.func.count()).select_from(
        sa.select(Agency.id).where(Agency.is_active.is_(True)).subquery())).scalar_one()
    rows = db.session.execute(base.order_by(Agency.kind.desc(), Agency.name, Agency.id)
                              .limit(per_page).offset((page - 1) * per_page)).all()
    items = [{"slug": a.slug, "name": a.name, "kind": a.kind, "parent": parent_slug}
             for a, parent_slug in rows]
    return list_response(items, total, page, per_page)


@bp.get("/agencies/<slug>/obligations")
def agency_obligations(slug):
    page, per_page = page_params()
    agency = _agency_or_404(slug)
    pairs = services.compute_staleness(agency_ids=[agency.id])
    chunk = pairs[(page - 1) * per_page: page * per_page]
    items = [{"code": p.obligation.code, "title": p.obligation.title,
              "category": p.obligation.category, "period_months": p.obligation.period_months,
              "status": p.status,
              "last_published_on": p.last_published_on.isoformat()
              if p.last_published_on else None,
              "due_on": p.due_on.isoformat() if p.due_on else None} for p in chunk]
    return list_response(items, len(pairs), page, per_page)


@bp.get("/dip")
def dip():
    page, per_page = page_params()
    q = sa.select(DipItem).join(Agency, DipItem.agency_id == Agency.id).where(
        DipItem.state == PUBLISHED, Agency.is_active.is_(True))
    slug = text_param("agency", MAX_SLUG)
    if slug:
        q = q.where(DipItem.agency_id == _agency_or_404(slug, "agency").id)
    category = choice_param("category", CATEGORIES)
    if category:
        q = q.where(DipItem.category == category)
    code = text_param("obligation", MAX_CODE)
    if code:
        ob = db.session.execute(sa.select(Obligation).where(Obligation.code == code)
                                ).scalar_one_or_none()
        if ob is None:
            message = _("Kewajiban %(code)s tidak ada di katalog.", code=code)
            raise ApiError(404, "not_found", message, {"obligation": message})
        q = q.where(DipItem.obligation_id == ob.id)
    text = text_param("q", MAX_TEXT)
    if text:
        needle = text.lower()
        q = q.where(sa.or_(sa.func.lower(DipItem.title).contains(needle, autoescape=True),
                           sa.func.lower(DipItem.summary).contains(needle, autoescape=True)))
    total = db.session.execute(sa.select(sa.func.count()).select_from(q.subquery())).scalar_one()
    rows = db.session.execute(
        q.options(selectinload(DipItem.versions), selectinload(DipItem.agency),
                  selectinload(DipItem.obligation))
        .order_by(DipItem.published_at.desc(), DipItem.id.desc())
        .limit(per_page).offset((page - 1) * per_page)).scalars().all()
    return list_response([_item_json(i) for i in rows], total, page, per_page)


def _item_json(item):
    return {
        "id": item.id, "agency": item.agency.slug, "title": item.title, "summary": item.summary,
        "category": item.category,
        "obligation": item.obligation.code if item.obligation else None,
        "holding_unit": item.holding_unit, "responsible": item.responsible,
        "made_at_place": item.made_at_place,
        "made_on": item.made_on.isoformat() if item.made_on else None,
        "form": item.form, "retention": item.retention,
        "versions": [{
            "number": v.number,
            "published_at": rules.version_published_at(v.created_at, item.published_at)
            .isoformat(),
            "sha256": v.sha256, "size": v.size, "media_type": v.media_type,
            "download_url": url_for("registry.download", slug=item.agency.slug,
                                    item_id=item.id, number=v.number, _external=True),
        } for v in item.versions],
    }
