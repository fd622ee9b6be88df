"""The public search page (/cari) and GET /api/v1/search."""
import logging

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ppid.api.common import (MAX_PER_PAGE, ApiError, bad_param, choice_param, int_param,
                             list_response, make_api_blueprint, page_params)
from ppid.core import patterns
from ppid.registry.rules import Category
from ppid.search import services

bp = Blueprint("search", __name__)
api_bp = make_api_blueprint("search_api", __name__)
log = logging.getLogger(__name__)

# GET /api/v1/search's parameters, as the OpenAPI document states them. Words are what the
# query's cleaning splits: runs of characters that are neither whitespace nor control.
API_YEARS = (1900, 2200)
API_MAX_PAGE = services.MAX_RESULT_DEPTH // MAX_PER_PAGE  # deeper is never searched
API_MAX_FILTER = 80  # an agency's slug; categories are shorter (and the URL must fit)
SEPARATORS = patterns.WHITESPACE + services._CONTROL_RE.pattern[1:-1]
QUERY_PATTERN = (f"^[{SEPARATORS}]*[^{SEPARATORS}]+(?:[{SEPARATORS}]+[^{SEPARATORS}]+)"
                 f"{{0,{services.MAX_QUERY_WORDS - 1}}}[{SEPARATORS}]*$")
FILTER_PATTERN = f"^[^{services._CONTROL_RE.pattern[1:-1]}]*$"

TYPE_LABELS = {"all": _l("Semua"), "dip": _l("Daftar Informasi Publik"),
               "request": _l("Register permohonan")}
SORT_LABELS = {"relevance": _l("Paling relevan"), "date": _l("Terbaru")}
PER_PAGE = 20
UNAVAILABLE = _l("Pencarian sedang tidak tersedia karena indeks pencarian tidak dapat dibuka. "
                 "Silakan coba lagi beberapa saat lagi.")
RETRY_AFTER = {"Retry-After": "120"}


class SearchUnavailable(Exception):
    """The search index cannot be opened or created (its directory is a file, cannot be
    read or written, the disk is full): searches answer 503 until it is repaired, and the
    rest of the site works."""


def _run(params):
    try:
        return services.search(params)
    except OSError:
        log.exception("search: the index directory cannot be used")
        raise SearchUnavailable() from None


def _agency_names(slugs):
    import sqlalchemy as sa

    from ppid.agencies.models import Agency
    from ppid.extensions import db
    if not slugs:
        return {}
    return dict(db.session.execute(sa.select(Agency.slug, Agency.name)
                                   .where(Agency.slug.in_(list(slugs)))).all())


def _int_arg(name, lo, hi, default=None):
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= len(str(hi))
            and lo <= int(raw) <= hi):
        message = (_("Tahun harus angka antara %(lo)d dan %(hi)d.", lo=lo, hi=hi)
                   if name == "tahun" else
                   _("Nomor halaman harus angka antara %(lo)d dan %(hi)d.", lo=lo, hi=hi))
        raise services.QueryError(message, name)
    return int(raw)


@bp.get("/cari")
def search_page():
    q = request.args.get("q", "")
    args = {
        "q": q,
        "type": request.args.get("jenis") or "all",
        "agency": request.args.get("badan") or None,
        "category": request.args.get("kategori") or None,
        "sort": request.args.get("urut") or "relevance",
    }
    ctx = {"q": q, "args": args, "result": None, "error": None, "type_labels": TYPE_LABELS,
           "sort_labels": SORT_LABELS, "category_labels": Category.labels(),
           "agency_names": {}, "year": None, "errors": {}}
    status = 200
    if q.strip():
        try:
            year = _int_arg("tahun", 1900, 2200)
            page = _int_arg("page", 1, 100000, 1)
            ctx["year"] = args["year"] = year
            params = services.SearchParams(q=q, type=args["type"], agency=args["agency"],
                                           category=args["category"], year=year,
                                           sort=args["sort"], page=page, per_page=PER_PAGE)
            result = _run(params)
            ctx["result"] = result
            ctx["agency_names"] = _agency_names({v for v, _n in result.facets["agency"]}
                                                | ({args["agency"]} if args["agency"] else set()))
        except services.QueryError as exc:
            # A filter of the form (type, order): its message next to it (issue #17).
            shown_by = {"type": "jenis", "sort": "urut", "tahun": "tahun",
                        "year": "tahun"}.get(exc.field_name)
            if shown_by:
                ctx["errors"][shown_by] = exc.message
            else:
                ctx["error"] = exc.message
            status = 400
        except SearchUnavailable:
            ctx["error"] = str(UNAVAILABLE)
            return render_template("search/search.html", **ctx), 503, RETRY_AFTER
    elif "q" in request.args:
        ctx["error"] = _("Masukkan kata yang dicari.")
    return render_template("search/search.html", **ctx), status


def search_url(args, **changes):
    """The /cari URL with ``changes`` applied (None removes a filter); page resets to 1."""
    params = {"q": args.get("q"), "jenis": args.get("type"), "badan": args.get("agency"),
              "kategori": args.get("category"), "tahun": args.get("year"),
              "urut": args.get("sort")}
    params.update(changes)
    if params.get("jenis") == "all":
        params.pop("jenis")
    if params.get("urut") == "relevance":
        params.pop("urut")
    return url_for("search.search_page", **{k: v for k, v in params.items() if v})


@bp.app_context_processor
def _helpers():
    return {"search_url": search_url}


# --- JSON API ---------------------------------------------------------------------------

def _api_query():
    """The q of an API search, checked as sent (its length too: the search itself counts
    the cleaned text): at least one word, at most MAX_QUERY_WORDS, MAX_QUERY_CHARS."""
    q = request.args.get("q", "")
    if len(q) > services.MAX_QUERY_CHARS:
        raise bad_param("q", _("Kata pencarian terlalu panjang: paling banyak %(n)d karakter.",
                               n=services.MAX_QUERY_CHARS))
    words = len(services._CONTROL_RE.sub(" ", q).split())
    if not words:
        raise bad_param("q", _("Masukkan kata yang dicari."))
    if words > services.MAX_QUERY_WORDS:
        raise bad_param("q", _("Terlalu banyak kata: paling banyak %(n)d kata.",
                               n=services.MAX_QUERY_WORDS))
    return q


@api_bp.get("/search")
def api_search():
    page, per_page = page_params(max_page=API_MAX_PAGE)
    try:
        params = services.SearchParams(
            q=_api_query(), type=choice_param("type", services.TYPES, "all"),
            agency=request.args.get("agency") or None,
            category=request.args.get("category") or None,
            year=int_param("year", lo=API_YEARS[0], hi=API_YEARS[1]),
            sort=choice_param("sort", services.SORTS, "relevance"),
            page=page, per_page=per_page, facets=False)
        result = _run(params)
    except services.QueryError as exc:
        raise ApiError(400, "invalid_parameter", exc.message, {exc.field_name: exc.message})
    except SearchUnavailable:
        body, status = ApiError(503, "search_unavailable", str(UNAVAILABLE)).response()
        return body, status, RETRY_AFTER
    root = request.url_root.rstrip("/")
    items = []
    for hit in result.hits:
        item = hit.api_dict()
        item["url"] = root + hit.url
        items.append(item)
    return list_response(items, result.total, page, per_page)
