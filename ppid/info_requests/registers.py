"""The two registers of Perki 1/2021: the register permohonan (every request of a period)
and the register keberatan (every objection of a period), for one PPID or consolidated.

One definition of each register's columns, in the order of the Perki's lampiran
(DOMAIN.md section 13), serves the officers' page, the PDF and the CSV alike: the rows are
built here once, as values, and each output only formats them. Enumerated values print
their labels; personal columns (name, address, contact, occupation) show the requester's
data only where the ``view_request_personal`` policy allows it for that row, and a mask
otherwise (the auditor, the administrator; DOMAIN.md section 11).
"""
import calendar as _cal
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ppid.core import auth, dates
from ppid.core.web import MAX_PAGE
from ppid.extensions import db
from ppid.info_requests import rules
from ppid.info_requests.models import InfoRequest, Objection
from ppid.registry.rules import Pasal17

MIN_YEAR, MAX_YEAR = 2000, 2100
PENDING = "belum"  # the objection register's decision filter: not decided yet
EMPTY = "—"


class Masked:
    """A personal value the reader may not see: printed as the mask, in their language."""

    def __str__(self):
        return str(_l("[disamarkan]"))


MASKED = Masked()


class Erased:
    """A personal value erased after its retention period (``flask ppid
    purge-personal-data``): printed as such, in the reader's language."""

    def __str__(self):
        return str(_l("[dihapus]"))


ERASED = Erased()


def _personal(req, shown, value):
    """A personal column's value: erased, masked for a reader who may not see it, or it."""
    if req.personal_data_erased_at is not None:
        return ERASED
    return value if shown else MASKED


@dataclass(frozen=True)
class Column:
    key: str
    label: object           # lazy label
    is_personal: bool = False


REQUEST_COLUMNS = (
    Column("no", _l("No.")),
    Column("received_on", _l("Tanggal permohonan")),
    Column("number", _l("Nomor pendaftaran")),
    Column("name", _l("Nama pemohon"), True),
    Column("address", _l("Alamat"), True),
    Column("contact", _l("Telepon/e-mail"), True),
    Column("occupation", _l("Pekerjaan"), True),
    Column("information", _l("Informasi yang diminta")),
    Column("purpose", _l("Tujuan penggunaan")),
    Column("info_status", _l("Status informasi")),
    Column("info_form", _l("Bentuk informasi yang dikuasai")),
    Column("request_type", _l("Jenis permohonan")),
    Column("decision", _l("Keputusan")),
    Column("refusal", _l("Alasan penolakan")),
    Column("notice_on", _l("Tanggal pemberitahuan tertulis")),
    Column("cost", _l("Biaya dan cara pembayaran")),
    Column("days", _l("Waktu penyelesaian (hari kerja)")),
)

OBJECTION_COLUMNS = (
    Column("no", _l("No.")),
    Column("received_on", _l("Tanggal diterima")),
    Column("number", _l("Nomor keberatan")),
    Column("name", _l("Nama pemohon"), True),
    Column("address", _l("Alamat"), True),
    Column("contact", _l("Telepon/e-mail"), True),
    Column("request", _l("Permohonan yang diajukan keberatan")),
    Column("grounds", _l("Alasan keberatan")),
    Column("statement", _l("Kasus posisi")),
    Column("atasan", _l("Nama dan jabatan atasan PPID")),
    Column("decision", _l("Tanggapan atasan PPID")),
    Column("decided_on", _l("Tanggal tanggapan")),
    Column("reply", _l("Tanggapan pemohon")),
    Column("dispute", _l("Sengketa di Komisi Informasi")),
)

# The consolidated registers add the PPID of each row, after the Perki's own columns.
AGENCY_COLUMN = Column("agency", _l("PPID"))


def columns(kind, *, consolidated):
    cols = REQUEST_COLUMNS if kind == "permohonan" else OBJECTION_COLUMNS
    return cols + (AGENCY_COLUMN,) if consolidated else cols


# --- Filters ---------------------------------------------------------------------------

@dataclass
class Filters:
    """A register's selection: a period (a year, or one month of it), and optionally an
    agency (consolidated registers), a state and an outcome (requests) or a decision
    (objections). ``messages`` says which given values were not understood (and so left
    out of the selection); the page shows them instead of refusing the request."""

    year: int
    month: int | None = None
    agency: object = None
    state: str | None = None
    outcome: str | None = None
    decision: str | None = None
    page: int = 1
    errors: dict = field(default_factory=dict)  # query name -> message, shown by its filter

    @property
    def messages(self):
        return list(self.errors.values())

    @property
    def start(self):
        return date(self.year, self.month or 1, 1)

    @property
    def end(self):
        month = self.month or 12
        return date(self.year, month, _cal.monthrange(self.year, month)[1])

    def query_args(self, *, with_agency=True):
        """The filters as URL query arguments (for the pager and the downloads)."""
        out = {"tahun": self.year, "bulan": self.month, "status": self.state,
               "keputusan": self.outcome, "putusan": self.decision}
        if with_agency and self.agency is not None:
            out["badan"] = self.agency.slug
        return {k: v for k, v in out.items() if v is not None}


def _digits(raw, lo, hi):
    raw = (raw or "").strip()
    if not raw:
        return None, False
    if not raw.isascii() or not raw.isdigit() or len(raw) > 6 or not lo <= int(raw) <= hi:
        return None, True
    return int(raw), False


def parse_filters(args, *, kind, today, agencies=None):
    """The register's filters from the query ``args``; a value that is not understood is
    left out and its message put in ``errors`` under its name (the officer gets the page,
    answered 400, with the message next to that filter, in their language). ``agencies`` are those the consolidated register may be
    narrowed to (None on one PPID's register)."""
    f = Filters(year=today.year)
    year, bad = _digits(args.get("tahun"), MIN_YEAR, MAX_YEAR)
    if bad:
        f.errors["tahun"] = _("Tahun harus angka antara %(a)d dan %(b)d; ditampilkan tahun "
                              "%(y)d.", a=MIN_YEAR, b=MAX_YEAR, y=today.year)
    f.year = year or today.year
    f.month, bad = _digits(args.get("bulan"), 1, 12)
    if bad:
        f.errors["bulan"] = _("Bulan harus angka 1 sampai 12; ditampilkan seluruh tahun.")
    page, bad = _digits(args.get("page"), 1, MAX_PAGE)
    if bad:
        f.errors["page"] = _("Nomor halaman harus angka antara 1 dan %(n)d.", n=MAX_PAGE)
    f.page = page or 1
    slug = (args.get("badan") or "").strip()
    if slug and agencies is not None:
        f.agency = next((a for a in agencies if a.slug == slug), None)
        if f.agency is None:
            f.errors["badan"] = _("Badan publik yang dipilih tidak dikenal; ditampilkan semua "
                                  "badan publik.")
    if kind == "permohonan":
        f.state = _choice(args, "status", rules.RequestState, f.errors,
                          _("Status yang dipilih tidak dikenal; ditampilkan semua status."))
        f.outcome = _choice(args, "keputusan", rules.Outcome, f.errors,
                            _("Keputusan yang dipilih tidak dikenal; ditampilkan semua "
                              "keputusan."))
    else:
        raw = (args.get("putusan") or "").strip()
        if raw == PENDING:
            f.decision = PENDING
        else:
            f.decision = _choice(args, "putusan", rules.ObjectionDecision, f.errors,
                                 _("Tanggapan yang dipilih tidak dikenal; ditampilkan semua "
                                   "tanggapan."))
    return f


def _choice(args, name, enum, errors, message):
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    if enum.get(raw) is None:
        errors[name] = message
        return None
    return raw


# --- Selections ------------------------------------------------------------------------

def request_selection(f, *, agency_id=None):
    """The requests of the period, oldest first (a register is a ledger)."""
    stmt = (sa.select(InfoRequest)
            .where(InfoRequest.received_on >= f.start, InfoRequest.received_on <= f.end)
            .options(selectinload(InfoRequest.objections),
                     selectinload(InfoRequest.requester_user),
                     selectinload(InfoRequest.exemption))
            .order_by(InfoRequest.received_at, InfoRequest.id))
    agency_id = agency_id or (f.agency.id if f.agency is not None else None)
    if agency_id:
        stmt = stmt.where(InfoRequest.agency_id == agency_id)
    if f.state:
        stmt = stmt.where(InfoRequest.state == f.state)
    if f.outcome:
        stmt = stmt.where(InfoRequest.outcome == f.outcome)
    return stmt


def objection_selection(f, *, agency_id=None):
    """The objections of the period, oldest first."""
    stmt = (sa.select(Objection)
            .where(Objection.received_on >= f.start, Objection.received_on <= f.end)
            .options(selectinload(Objection.request).selectinload(InfoRequest.objections),
                     selectinload(Objection.request).selectinload(InfoRequest.requester_user),
                     selectinload(Objection.own_letters), selectinload(Objection.obligations),
                     selectinload(Objection.requester_user),
                     selectinload(Objection.decided_by))
            .order_by(Objection.received_at, Objection.id))
    agency_id = agency_id or (f.agency.id if f.agency is not None else None)
    if agency_id:
        stmt = stmt.where(Objection.agency_id == agency_id)
    if f.decision == PENDING:
        stmt = stmt.where(Objection.decision.is_(None))
    elif f.decision:
        stmt = stmt.where(Objection.decision == f.decision)
    return stmt


def count(stmt):
    return db.session.execute(
        sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()


# --- Rows ------------------------------------------------------------------------------

def _contact(req):
    email = req.email or (req.requester_user.email if req.requester_user else None)
    return "; ".join(x for x in (req.phone, email) if x) or None


def _name(req):
    if req.proxy_name:
        return _("%(name)s (melalui kuasa %(proxy)s)", name=req.requester_name,
                 proxy=req.proxy_name)
    return req.requester_name


def _refusal(req):
    if req.outcome not in (rules.DITOLAK, rules.DIKABULKAN_SEBAGIAN):
        return None
    parts = [_("Pasal 17 huruf %(l)s", l=x) + f" ({Pasal17.label_of(x)})"
             for x in req.exemption_letter_list]
    if req.other_statute:
        parts.append(req.other_statute)
    if req.exemption is not None:  # the DIK entry (consequence test) it rests on
        parts.append(_("DIK: %(n)s", n=req.exemption.decree_number))
    return "; ".join(parts) or None


def _cost(req):
    if req.total_cost is None:
        return None
    from ppid.info_requests.services import rupiah
    text = _("%(total)s (%(per_page)s × %(pages)d lembar + pengiriman %(delivery)s)",
             total=rupiah(req.total_cost), per_page=rupiah(req.cost_per_page),
             pages=req.pages or 0, delivery=rupiah(req.delivery_cost))
    if req.other_costs:
        text = _("%(total)s (%(per_page)s × %(pages)d lembar + pengiriman %(delivery)s + "
                 "biaya lain-lain %(other)s)", total=rupiah(req.total_cost),
                 per_page=rupiah(req.cost_per_page), pages=req.pages or 0,
                 delivery=rupiah(req.delivery_cost), other=rupiah(req.other_costs))
    if req.payment_method:
        text += "; " + str(rules.PaymentMethod.label_of(req.payment_method))
    return text


def _request_type(req):
    text = str(rules.ObtainMethod.label_of(req.obtain_method))
    if req.obtain_method == rules.ObtainMethod.SALINAN and req.copy_form:
        text += ": " + str(rules.CopyForm.label_of(req.copy_form))
    return text


def request_row(req, n, *, user, counter, today, consolidated):
    """The values of one request's row, by column key."""
    personal = auth.can(user, "view_request_personal", req)
    status = rules.information_status(req.outcome)
    days = None
    if req.outcome and req.closed_on:
        days = counter(req.effective_on, req.closed_on)
    row = {
        "no": n,
        "received_on": req.received_on,
        "number": req.registration_number,
        "name": _personal(req, personal, _name(req)),
        "address": _personal(req, personal, req.address),
        "contact": _personal(req, personal, _contact(req)),
        "occupation": _personal(req, personal, req.occupation),
        "information": req.information,
        "purpose": req.purpose,
        "info_status": status.label if status else None,
        "info_form": rules.InfoForm.label_of(req.info_form, None),
        "request_type": _request_type(req),
        "decision": (rules.Outcome.label_of(req.outcome) if req.outcome
                     else rules.RequestState.label_of(req.state)),
        "refusal": _refusal(req),
        "notice_on": req.closed_on if req.outcome else None,
        "cost": _cost(req),
        "days": days,
        "late": req.late_on(today),
    }
    if consolidated:
        row["agency"] = req.agency.short_name or req.agency.name
    return row


def _grounds(obj):
    return "; ".join(str(rules.ObjectionGround(g).lettered) if rules.ObjectionGround.get(g)
                     else g for g in obj.ground_list) or None


def _atasan(obj):
    """Who answered as atasan PPID: the signatory of the response letter as printed, else
    the agency's atasan."""
    letter = next((x for x in obj.own_letters
                   if x.kind == rules.LetterKind.PUTUSAN_KEBERATAN), None)
    if letter is not None and letter.signatory_name:
        name, position = letter.signatory_name, letter.signatory_position
    else:
        name = obj.agency.atasan_name or (obj.decided_by.name if obj.decided_by else None)
        position = obj.agency.atasan_position
    return ", ".join(x for x in (name, position) if x) or None


def _dispute(obj):
    """The Komisi Informasi step (ppid.disputes): the commission and its register number,
    the stage and outcome, and the latest court step if any."""
    d = getattr(obj, "dispute", None)
    if d is None:
        return None
    from ppid.disputes import rules as disputes
    parts = [_("Diajukan %(d)s ke %(c)s", d=dates.format(d.filed_on, "date_short"),
               c=disputes.DisputeCommission.label_of(d.commission))]
    if d.register_number:
        parts.append(_("register %(n)s", n=d.register_number))
    parts.append(f"{disputes.DisputeStage.label_of(d.stage)}: "
                 f"{rules.DisputeOutcome.label_of(obj.dispute_outcome)}")
    if d.court_cases:
        case = d.court_cases[-1]
        parts.append(f"{disputes.CourtLevel.label_of(case.level)}: " + (
            disputes.CourtOutcome.label_of(case.outcome) if case.outcome
            else _("belum diputus")))
    return "; ".join(str(p) for p in parts)


def objection_row(obj, n, *, user, today, consolidated):
    """The values of one objection's row, by column key.

    The requester's reply to the atasan's answer is not recorded as such: the register
    shows that they went to the Komisi Informasi when a dispute is recorded, and nothing
    otherwise (acceptance is not recorded); the dispute column gives the Komisi
    Informasi's register number, its stage and outcome and the latest court step.
    """
    req = obj.party  # the request, or (ground b, no request) the objection itself
    personal = auth.can(user, "view_objection_personal", obj)
    if obj.request is not None:
        concerned = (f"{req.registration_number}: "
                     f"{rules.public_subject(None, req.information)}")
    else:  # ground b: the agency's periodic obligations not provided
        concerned = _("Tanpa permohonan; informasi berkala tidak disediakan: %(o)s",
                      o="; ".join(f"{link.obligation.code}. {link.obligation.title}"
                                  for link in obj.obligations))
    row = {
        "no": n,
        "received_on": obj.received_on,
        "number": obj.registration_number,
        "name": _personal(req, personal, _name(req)),
        "address": _personal(req, personal, req.address),
        "contact": _personal(req, personal, _contact(req)),
        "request": concerned,
        "grounds": _grounds(obj),
        "statement": obj.statement,
        "atasan": _atasan(obj),
        "decision": (rules.ObjectionDecision.label_of(obj.decision) if obj.decision
                     else _("Belum diputus (batas %(d)s)",
                            d=dates.format(obj.due_on, "date_short"))),
        "decided_on": obj.decided_on,
        "reply": (_("Mengajukan sengketa ke Komisi Informasi") if obj.dispute_filed_on
                  else None),
        "dispute": _dispute(obj),
        "late": obj.late_on(today),
    }
    if consolidated:
        row["agency"] = obj.agency.short_name or obj.agency.name
    return row


def cell(value, *, csv=False):
    """A row value as the page, the PDF (``csv`` False) or the CSV prints it."""
    if value is None or value == "":
        return "" if csv else EMPTY
    if isinstance(value, date):
        return value.isoformat() if csv else dates.format(value, "date_short")
    return str(value)


def csv_rows(cols, rows):
    yield [str(c.label) for c in cols]
    for row in rows:
        yield [cell(row[c.key], csv=True) for c in cols]
