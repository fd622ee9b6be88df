from datetime import date, timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, IntegerField, StringField
from wtforms.validators import NumberRange

from ppid.agencies.services import active_agencies
from ppid.core import auth, dates
from ppid.core.calendar import MAX_WORKING_DAYS, explain_deadline
from ppid.core.forms import (BaseForm, ConfirmForm, DateField, max_length, required,
                             required_input)
from ppid.core.hooks import hooks
from ppid.core.models import CalendarEntry
from ppid.core.public_cache import public_page
from ppid.core.services import (build_calendar, delete_calendar_entry, local_today,
                                save_calendar_entry)
from ppid.core.web import filter_int_arg, is_safe_redirect
from ppid.extensions import db

bp = Blueprint("core", __name__)


@bp.get("/")
@public_page
def home():
    agencies = active_agencies()
    sections = [s for s in (fn() for fn in hooks().home_sections) if s]
    return render_template("core/home.html", agencies=agencies, sections=sections)


@bp.route("/bahasa", methods=["GET", "POST"])
def set_language():
    """The reader's language. The header's switch is a plain GET form, so that no public
    page needs a CSRF token (and a session cookie) for it: choosing a language changes
    nothing but the reader's own cookie. A POST (older pages) still needs its token."""
    if request.method == "POST":
        lang = request.form.get("lang", "")
        chosen = ConfirmForm().validate_on_submit()
        target = request.form.get("next", "")
    else:
        lang, chosen, target = request.args.get("lang", ""), True, request.args.get("next", "")
    if chosen and lang in ("id", "en"):
        session["lang"] = lang
    return redirect(target if is_safe_redirect(target) else url_for("core.home"))


FIRST_YEAR, LAST_YEAR = 2000, 2100  # the years the calendar page shows and edits


class CalendarEntryForm(BaseForm):
    day_on = DateField(_l("Tanggal"), validators=[required_input(_l("Isi tanggal yang valid."))],
                       earliest=date(FIRST_YEAR, 1, 1), latest=date(LAST_YEAR, 12, 31))
    reason = StringField(_l("Keterangan"), validators=[required(), max_length(200)])
    is_working_day = BooleanField(_l("Tetapkan sebagai hari kerja (meskipun libur nasional "
                                     "atau akhir pekan)"))


class DeadlineForm(BaseForm):
    class Meta:
        csrf = False  # a GET calculator that changes nothing

    # The years GET /api/v1/deadline answers for.
    start = DateField(_l("Tanggal diterima"), validators=[required_input(
        _l("Isi tanggal yang valid."))], earliest=date(1990, 1, 1), latest=date(2100, 12, 31))
    working_days = IntegerField(_l("Jumlah hari kerja"), default=10, validators=[
        required_input(_l("Isi jumlah hari kerja.")),
        NumberRange(min=1, max=60, message=_l("Antara 1 dan 60 hari kerja."))])


@bp.route("/kalender", methods=["GET", "POST"])
def calendar():
    """The working-day calendar: public to read, the PPID Utama edits its entries."""
    form = CalendarEntryForm()
    if request.method == "POST":
        auth.authorize("manage_calendar")
        if form.validate_on_submit():
            save_calendar_entry(form.day_on.data, form.is_working_day.data, form.reason.data,
                                actor=current_user)
            db.session.commit()
            flash(_("Kalender diperbarui: %(day)s. Tenggat permohonan yang masih berjalan "
                    "dihitung ulang.", day=dates.date_long(form.day_on.data)), "success")
            return redirect(url_for("core.calendar", year=form.day_on.data.year))
    errors = {}  # a year the page cannot show: this year's, the message next to the filter
    year = filter_int_arg("year", errors, lo=FIRST_YEAR, hi=LAST_YEAR,
                          default=local_today().year,
                          message=_("Tahun harus angka antara %(a)d dan %(b)d.", a=FIRST_YEAR,
                                    b=LAST_YEAR))
    cal = build_calendar()
    days = _closed_days(cal, year)
    entries = db.session.execute(
        sa.select(CalendarEntry).where(CalendarEntry.day_on.between(date(year, 1, 1),
                                                                    date(year, 12, 31)))
        .order_by(CalendarEntry.day_on)).scalars().all()
    calc = DeadlineForm(request.args, meta={"csrf": False})
    deadline = None
    if "start" in request.args and calc.validate():
        deadline = explain_deadline(cal, calc.start.data, calc.working_days.data)
    return render_template("core/calendar.html", form=form, year=year, days=days,
                           entries=entries, calc=calc, deadline=deadline,
                           delete_form=ConfirmForm(), max_days=MAX_WORKING_DAYS,
                           errors=errors), (
        422 if request.method == "POST" else 400 if errors else 200)


def _closed_days(cal, year):
    """Named non-working weekdays and declared working days of a year, for the page."""
    out = []
    day = date(year, 1, 1)
    while day.year == year:
        reason = cal.closed_reason(day)
        entry = cal.entries.get(day)
        if (reason and reason != "weekend") or (entry is not None):
            out.append((day, reason, entry))
        day += timedelta(days=1)
    return out


@bp.post("/kalender/<int:entry_id>/hapus")
def calendar_delete(entry_id):
    auth.authorize("manage_calendar")
    entry = db.get_or_404(CalendarEntry, entry_id)
    if ConfirmForm().validate_on_submit():
        year = entry.day_on.year
        delete_calendar_entry(entry, actor=current_user)
        db.session.commit()
        flash(_("Entri kalender dihapus; tenggat yang masih berjalan dihitung ulang."), "success")
        return redirect(url_for("core.calendar", year=year))
    abort(400)


@bp.get("/tema.css")
def theme_css():
    """The government's colours (ppid.config BRAND_*), as CSS variables over ppid.css's
    defaults: a stylesheet of the registry's own origin, so the CSP needs no inline style."""
    from flask import current_app, make_response
    cfg = current_app.config
    resp = make_response(f":root {{ --brand: {cfg['BRAND_COLOUR']}; "
                         f"--brand-dark: {cfg['BRAND_DARK_COLOUR']}; }}\n")
    resp.headers["Content-Type"] = "text/css; charset=utf-8"
    resp.headers["Cache-Control"] = "public, max-age=3600"
    return resp


FAVICON = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
           '<rect width="32" height="32" rx="6" fill="{colour}"/>'
           '<path d="M9 6h9.5a6.5 6.5 0 0 1 0 13H13v7H9z M13 10v5h5.3a2.5 2.5 0 0 0 0-5z" '
           'fill="#fff" fill-rule="evenodd"/></svg>\n')


@bp.get("/favicon.svg")
def favicon():
    """The registry's icon (a white P for PPID) on the government's colour (BRAND_COLOUR,
    checked at start as #rrggbb), linked from every page."""
    from flask import current_app, make_response
    resp = make_response(FAVICON.format(colour=current_app.config["BRAND_COLOUR"]))
    resp.headers["Content-Type"] = "image/svg+xml"
    resp.headers["Cache-Control"] = "public, max-age=86400"
    return resp


class _StyleForm(BaseForm):
    name = StringField(_l("Nama lengkap"), validators=[required()],
                       description=_l("Sesuai kartu identitas."))
    agree = BooleanField(_l("Saya menyetujui pernyataan ini"))


class _SamplePage:
    """A list page for the pagination example."""
    page, pages, has_prev, has_next, prev_num, next_num = 2, 5, True, True, 1, 3


@bp.get("/gaya")
def style_guide():
    """The living style guide (issue #17): every component of macros.html and ppid.css in
    its states, rendered by the same macros the pages use. For administrators."""
    auth.authorize("manage_accounts")
    failed = _StyleForm(formdata=None)
    failed.name.errors = [_("Nama lengkap wajib diisi.")]
    return render_template("core/style.html", empty=_StyleForm(formdata=None, prefix="kosong"),
                           failed=failed, sample_page=_SamplePage())
