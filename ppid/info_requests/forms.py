"""Forms of requests and objections: input checks only, no business rules."""
import re
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (BooleanField, EmailField, HiddenField, IntegerField, RadioField,
                     SelectField, SelectMultipleField, StringField, TelField, TextAreaField,
                     ValidationError)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange
from wtforms.widgets import CheckboxInput, ListWidget

from ppid.core.forms import (BaseForm, DateField, DateTimeLocalField, max_length,
                             no_control_chars, optional, required, required_input)
from ppid.info_requests import fields, rules

LIMITS = {**fields.LIMITS, "website": 200}
SUBMISSION_KEY = re.compile("[A-Za-z0-9_-]{16,100}")  # secrets.token_urlsafe's alphabet

# Choices from the enumerations of ppid.info_requests.rules (codes and lazy labels).
IDENTITY_CHOICES = rules.IdentityType.choices()
OBTAIN_CHOICES = rules.ObtainMethod.choices()
COPY_CHOICES = [("", _l("— tidak perlu salinan —"))] + rules.CopyForm.choices()
DELIVERY_CHOICES = rules.DeliveryMethod.choices()
CHANNEL_CHOICES = rules.Channel.choices(rules.OFFICER_CHANNELS)
OUTCOME_CHOICES = rules.Outcome.choices()
INFO_FORM_CHOICES = [("", _l("— pilih —"))] + rules.InfoForm.choices()
PAYMENT_CHOICES = [("", _l("— pilih —"))] + rules.PaymentMethod.choices()
PASAL17_CHOICES = [(x.value, x.lettered) for x in rules.Pasal17]
GROUND_CHOICES = [(g.value, g.lettered) for g in rules.ObjectionGround]
DECISION_CHOICES = rules.ObjectionDecision.choices()


def options(pairs):
    """WTForms choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def one_of(choices, message):
    values = {str(v) for v, _label in choices}

    def check(form, field):
        if field.data not in values:
            raise ValidationError(message)
    return check


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class _Checked:
    """Marks a field of :class:`RequestForm` that ``fields.check`` checks (once, for all
    fields, in ``RequestForm.validate``); it only gives the field the HTML flags of the same
    rules (required, maxlength)."""

    def __init__(self, name, *, required=False):
        self.field_flags = {"required": True} if required else {}
        if name in fields.LIMITS:
            self.field_flags["maxlength"] = fields.LIMITS[name]

    def __call__(self, form, field):
        pass


class RequestForm(BaseForm):
    """The citizen's request form (Perki 1/2021). Its fields are checked by ``fields.check``,
    as the API's submissions are: the form gives it what was sent."""

    online = True  # the citizen's own submission; OfficerRequestForm is an officer's entry

    name = StringField(_l("Nama lengkap"), validators=[_Checked("name", required=True)],
                       description=_l("Sesuai kartu identitas."))
    identity_type = SelectField(_l("Jenis identitas"), choices=options(IDENTITY_CHOICES),
                                default=rules.IdentityType.NIK.value, validate_choice=False,
                                validators=[_Checked("identity_type")])
    identity_number = StringField(_l("Nomor identitas"), validators=[
        _Checked("identity_number", required=True)],
        description=_l("NIK 16 angka dari KTP; atau nomor paspor/SIM; untuk badan hukum, "
                       "nomor SK pengesahannya."))
    address = TextAreaField(_l("Alamat"), validators=[_Checked("address", required=True)],
                            render_kw={"rows": 3, "autocomplete": "street-address"})
    phone = TelField(_l("Nomor telepon"), validators=[_Checked("phone")],
                     description=_l("Boleh dikosongkan jika mengisi e-mail."),
                     render_kw={"autocomplete": "tel", "inputmode": "tel"})
    email = EmailField(_l("Alamat e-mail"), validators=[_Checked("email", required=True)],
                       description=_l("Tanda bukti dan tautan pelacakan dikirim ke alamat ini."),
                       render_kw={"autocomplete": "email"})
    occupation = StringField(_l("Pekerjaan"), validators=[_Checked("occupation")],
                             description=_l("Tidak wajib."))
    proxy_name = StringField(_l("Nama kuasa (jika diajukan melalui kuasa)"), validators=[
        _Checked("proxy_name")],
        description=_l("Isi hanya jika Anda mengajukan atas nama orang lain; lampirkan surat "
                       "kuasa."))
    proxy_letter = FileField(_l("Surat kuasa (PDF atau gambar)"),
                             description=_l("Wajib jika mengisi nama kuasa."))
    information = TextAreaField(_l("Rincian informasi yang dibutuhkan"), validators=[
        _Checked("information", required=True)],
        description=_l("Jelaskan informasi yang Anda minta sejelas mungkin, misalnya nama "
                       "dokumen, tahun, dan kegiatan."), render_kw={"rows": 6})
    purpose = TextAreaField(_l("Tujuan penggunaan informasi"), validators=[
        _Checked("purpose", required=True)], render_kw={"rows": 3})
    obtain_method = SelectField(_l("Cara memperoleh informasi"), choices=options(OBTAIN_CHOICES),
                                validate_choice=False, validators=[_Checked("obtain_method")])
    copy_form = SelectField(_l("Bentuk salinan"), choices=options(COPY_CHOICES),
                            validate_choice=False, validators=[_Checked("copy_form")],
                            description=_l("Wajib jika memilih mendapatkan salinan."))
    delivery = SelectField(_l("Cara mendapatkan salinan informasi"),
                           choices=options(DELIVERY_CHOICES), validate_choice=False,
                           validators=[_Checked("delivery")])
    agency = SelectField(_l("Ditujukan kepada"), validate_choice=False,
                         validators=[_Checked("agency")],
                         description=_l("Pilih PPID Utama jika Anda tidak tahu badan publik "
                                        "mana yang menguasai informasinya; PPID Utama akan "
                                        "meneruskannya."))
    # The form's one-time key (issue #15, section 4): set when the form is shown, so that the
    # same form posted twice (a double click, a refresh, a retry) registers one request.
    submission_key = HiddenField()
    # Honeypot: hidden from people by CSS and from screen readers; bots fill it in.
    website = StringField(_l("Jangan isi kolom ini"), validators=[max_length(LIMITS["website"])],
                          render_kw={"tabindex": "-1", "autocomplete": "off"})

    def __init__(self, agencies, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._agencies = {a.slug: a for a in agencies}
        self.agency.choices = options([(a.slug, (a.name + (" — PPID Utama (seluruh pemerintah)"
                                                            if a.is_utama else "")))
                                       for a in agencies])
        self.checked = None

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        upload = self.proxy_letter.data
        # What was sent, not the stripped data: the check strips, as it does for the API.
        self.checked = fields.check(
            {name: self[name].raw_data[0] if self[name].raw_data else None
             for name in fields.FIELDS},
            agencies=self._agencies, online=self.online,
            has_power_of_attorney=bool(getattr(upload, "filename", "")))
        for name, message in self.checked.errors.items():
            self[name].errors = [*self[name].errors, message]
        return ok and self.checked.ok

    def service_data(self):
        values = self.checked.values
        return {**values, "agency": self._agencies[values["agency"]]}

    # What the form submits, for the content hash of its one-time key.
    submitted_fields = fields.FIELDS

    def key_sent(self):
        """The one-time key sent with the form, or None (absent or not one the form gives:
        such a post is simply registered without one)."""
        key = (self.submission_key.raw_data or [None])[0]
        if isinstance(key, str) and SUBMISSION_KEY.fullmatch(key):
            return key
        return None

    def content_sent(self, request):
        """What was submitted, as sent (the key keeps a keyed hash of it)."""
        content = {name: request.form.get(name) for name in self.submitted_fields}
        upload = request.files.get("proxy_letter")
        content["proxy_letter"] = getattr(upload, "filename", None) or None
        return content


class OfficerRequestForm(RequestForm):
    """An officer enters a request received in person, by post, e-mail or phone."""

    online = False  # the requester may have no e-mail: a telephone number is enough
    submitted_fields = fields.FIELDS + ("channel", "received_at")

    channel = SelectField(_l("Saluran penerimaan"), choices=options(CHANNEL_CHOICES),
                          validate_choice=False,
                          validators=[one_of(CHANNEL_CHOICES, _l("Pilih saluran yang valid."))])
    # Bounded below only: the service refuses a time in the future or older than the
    # backdating limit, with its own message (UU KIP Pasal 22's clock starts at receipt).
    received_at = DateTimeLocalField(_l("Waktu diterima sebenarnya"), format="%Y-%m-%dT%H:%M",
                                     validators=[required_input(
                                         _l("Isi tanggal dan jam penerimaan yang valid."))],
                                     description=_l("Waktu setempat saat permohonan diterima."),
                                     latest=date.max)
    email = EmailField(_l("Alamat e-mail"), validators=[_Checked("email")],
                       description=_l("Jika ada, pemohon menerima tanda bukti dan tautan "
                                      "pelacakan."))


class ForwardForm(BaseForm):
    agency = SelectField(_l("Teruskan kepada"), validate_choice=False)
    # (its own id: the request page holds the note of several forms)
    note = TextAreaField(_l("Catatan"), id="forward_note",
                         validators=[optional(), max_length(1000)], render_kw={"rows": 2})

    def __init__(self, agencies, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._agencies = {a.slug: a for a in agencies}
        self.agency.choices = options([(a.slug, a.name) for a in agencies])

    def validate_agency(self, field):
        if field.data not in self._agencies:
            raise ValidationError(_l("Badan publik tidak dikenal."))

    @property
    def target(self):
        return self._agencies.get(self.agency.data)


class AssignForm(BaseForm):
    officer = SelectField(_l("Petugas"), validate_choice=False)

    def __init__(self, officers, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._officers = {str(u.id): u for u in officers}
        self.officer.choices = options([(str(u.id), u.name) for u in officers])

    def validate_officer(self, field):
        if field.data not in self._officers:
            raise ValidationError(_l("Pilih petugas dari daftar."))

    @property
    def chosen(self):
        return self._officers.get(self.officer.data)


class ExtendForm(BaseForm):
    new_due_on = DateField(_l("Jatuh tempo baru"), validators=[optional()],
                           description=_l("Kosongkan untuk batas terjauh: 7 hari kerja setelah "
                                          "jatuh tempo semula."))
    reason = TextAreaField(_l("Alasan perpanjangan (tertulis)"),
                           validators=[required(), max_length(2000)], render_kw={"rows": 3})


class CloseForm(BaseForm):
    # The outcome is chosen first (nothing preselected); its fields follow (decision page).
    outcome = SelectField(_l("Keputusan"), validate_choice=False,
                          choices=options([("", _l("— pilih keputusan —"))] + OUTCOME_CHOICES),
                          render_kw={"data-reveal-control": True},
                          validators=[one_of(OUTCOME_CHOICES, _l("Pilih keputusan yang valid."))])
    response_note = TextAreaField(_l("Informasi yang diberikan"),
                                  validators=[optional(), max_length(3000)],
                                  description=_l("Dikabulkan (sebagian): apa yang diberikan."),
                                  render_kw={"rows": 3})
    info_form = SelectField(_l("Bentuk informasi"), choices=options(INFO_FORM_CHOICES),
                            validate_choice=False)
    cost_per_page = IntegerField(_l("Biaya salinan per lembar (Rp)"), validators=[
        optional(), NumberRange(min=0, max=1_000_000, message=_l("Antara 0 dan 1.000.000."))])
    pages = IntegerField(_l("Jumlah lembar"), validators=[
        optional(), NumberRange(min=0, max=100_000, message=_l("Antara 0 dan 100.000."))])
    delivery_cost = IntegerField(_l("Biaya pengiriman (Rp)"), validators=[
        optional(), NumberRange(min=0, max=10_000_000, message=_l("Antara 0 dan 10.000.000."))])
    other_costs = IntegerField(_l("Biaya lain-lain (Rp)"), validators=[
        optional(), NumberRange(min=0, max=10_000_000, message=_l("Antara 0 dan 10.000.000."))])
    payment_method = SelectField(_l("Cara pembayaran"), choices=options(PAYMENT_CHOICES),
                                 validate_choice=False)
    available_on = DateField(_l("Waktu penyediaan informasi"), validators=[optional()])
    exemption_letters = MultiCheckboxField(_l("Pasal 17 UU KIP huruf"),
                                           choices=options(PASAL17_CHOICES),
                                           description=_l("Ditolak / dikabulkan sebagian."))
    exemption_consequence = TextAreaField(_l("Konsekuensi apabila informasi dibuka"),
                                          validators=[optional(), max_length(3000)],
                                          render_kw={"rows": 3})
    other_statute = StringField(_l("Undang-undang lain (jika ada)"),
                                validators=[optional(), max_length(500)])
    redacted_parts = TextAreaField(_l("Bagian yang dihitamkan"),
                                   validators=[optional(), max_length(2000)],
                                   render_kw={"rows": 2})
    redaction_reason = TextAreaField(_l("Alasan penghitaman"),
                                     validators=[optional(), max_length(2000)],
                                     render_kw={"rows": 2})
    # The DIK entry the refusal (or the withheld part) rests on, or a new one made now.
    exemption_id = SelectField(_l("Entri Daftar Informasi yang Dikecualikan (DIK)"),
                               validate_choice=False, choices=[],
                               description=_l("Ditolak / dikabulkan sebagian: entri DIK badan "
                                              "publik ini yang menjadi dasar, atau buat entri "
                                              "baru dari uji konsekuensi di bawah."))
    exemption_information = StringField(_l("Entri DIK baru: informasi yang dikecualikan"),
                                        validators=[optional(), max_length(500)],
                                        description=_l("Tampil di DIK publik: sebut jenis "
                                                       "informasinya, bukan isinya."))
    exemption_document = StringField(_l("Entri DIK baru: dokumen yang memuatnya"),
                                     validators=[optional(), max_length(300)])
    exemption_public_interest = TextAreaField(
        _l("Entri DIK baru: pertimbangan kepentingan publik"),
        validators=[optional(), max_length(3000)], render_kw={"rows": 2})
    exemption_tested_on = DateField(_l("Entri DIK baru: tanggal uji konsekuensi"),
                                    validators=[optional()],
                                    description=_l("Kosong: tanggal keputusan penetapannya."))
    exemption_decree_number = StringField(
        _l("Entri DIK baru: nomor keputusan penetapan"), validators=[optional(), max_length(120)],
        description=_l("Ditolak: kosongkan bila ditetapkan dengan SK penolakan ini."))
    exemption_decree_on = DateField(_l("Entri DIK baru: tanggal keputusan"),
                                    validators=[optional()])
    exemption_end_on = DateField(_l("Entri DIK baru: berlaku sampai"), validators=[optional()],
                                 description=_l("Wajib untuk Pasal 17 huruf a sampai f "
                                                "(UU KIP Pasal 20)."))
    holding_body = StringField(_l("Badan publik yang menguasai informasi (jika diketahui)"),
                               validators=[optional(), max_length(300)])
    documented_on = DateField(_l("Akan didokumentasikan paling lambat"),
                              validators=[optional()])

    def __init__(self, exemptions=(), **kw):
        super().__init__(**kw)
        self.exemption_id.choices = options(
            [("0", _l("— buat entri DIK baru dari uji konsekuensi ini —"))]
            + [(str(e.id), f"{e.decree_number} · {e.information}"[:150]
                + ("" if e.approved_on else " " + str(_l("(menunggu persetujuan)"))))
               for e in exemptions])

    def outcome_fields(self):
        data = {name: getattr(self, name).data
                for name in (*rules.OUTCOME_FIELDS, *rules.EXEMPTION_ENTRY_FIELDS[1:])}
        data["payment_method"] = data["payment_method"] or None
        try:
            data["exemption_id"] = int(self.exemption_id.data or 0) or None
        except (TypeError, ValueError):
            data["exemption_id"] = -1  # not an entry: the service refuses it
        return data


class DeliveryForm(BaseForm):
    """"Informasi diserahkan": when and how the granted information was handed over."""

    delivered_on = DateField(_l("Tanggal diserahkan"), validators=[required_input()])
    delivered_via = SelectField(_l("Cara penyerahan"), choices=options(DELIVERY_CHOICES),
                                validate_choice=False,
                                validators=[one_of(DELIVERY_CHOICES,
                                                   _l("Pilih cara penyerahan yang valid."))])
    note = StringField(_l("Keterangan"), id="delivery_note",
                       validators=[optional(), max_length(300), no_control_chars])


class RedactForm(BaseForm):
    redacted_subject = StringField(_l("Pokok permohonan yang ditampilkan di register publik"),
                                   validators=[optional(), max_length(300), no_control_chars],
                                   description=_l("Kosongkan untuk menampilkan rincian "
                                                  "permohonan apa adanya."))


class ReviewSubjectForm(BaseForm):
    """An officer's review of the subject the public register shows (DOMAIN.md 11)."""

    decision = RadioField(_l("Tinjauan"), choices=options(rules.SubjectReview.choices()),
                          validate_choice=False,
                          validators=[required(_l("Pilih tinjauan: tampilkan apa adanya atau "
                                                  "samarkan.")),
                                      one_of(rules.SubjectReview.choices(),
                                             _l("Pilih tinjauan yang valid."))])
    redacted_subject = StringField(_l("Teks pengganti (jika disamarkan)"),
                                   validators=[optional(), max_length(300), no_control_chars],
                                   description=_l("Ditampilkan di register publik, API dan "
                                                  "pencarian sebagai pengganti rincian "
                                                  "permohonan. Jangan memuat data pribadi."))


class AttachForm(BaseForm):
    file = FileField(_l("Berkas informasi"))
    note = StringField(_l("Keterangan"), id="attach_note",
                       validators=[optional(), max_length(300)])


class NoteForm(BaseForm):
    note = TextAreaField(_l("Catatan"), validators=[optional(), max_length(1000)],
                         render_kw={"rows": 2})


class WithdrawForm(NoteForm):
    # Nothing reopens a withdrawn request: the requester says they know (issue #15).
    confirm = BooleanField(_l("Saya mengerti bahwa penarikan tidak dapat dibatalkan: untuk "
                              "informasi yang sama saya harus mengajukan permohonan baru."))

    def validate_confirm(self, field):
        if not field.data:
            raise ValidationError(_l("Centang pernyataan bahwa penarikan tidak dapat "
                                     "dibatalkan untuk menarik permohonan."))


class ObjectionForm(BaseForm):
    grounds = MultiCheckboxField(_l("Alasan keberatan (UU KIP Pasal 35 ayat 1)"),
                                 choices=options(GROUND_CHOICES))
    statement = TextAreaField(_l("Kasus posisi (uraian keberatan)"), validators=[
        required(), max_length(5000), no_control_chars],
        description=_l("Jelaskan apa yang terjadi dan apa yang Anda minta."),
        render_kw={"rows": 6})
    purpose = TextAreaField(_l("Tujuan penggunaan informasi"), validators=[
        optional(), max_length(2000), no_control_chars],
        description=_l("Kosongkan bila sama dengan tujuan dalam permohonan."),
        render_kw={"rows": 2})

    # A proxy filing (online too, issue #16): their identity and the power of attorney.
    proxy_name = StringField(_l("Nama kuasa pemohon"), validators=[
        optional(), max_length(200), no_control_chars],
        description=_l("Isi bila keberatan diajukan oleh kuasa; kosongkan bila oleh pemohon "
                       "sendiri."))
    proxy_identity_number = StringField(_l("Nomor identitas kuasa (NIK/paspor)"), validators=[
        optional(), max_length(50), no_control_chars])
    proxy_address = StringField(_l("Alamat kuasa"), validators=[
        optional(), max_length(500), no_control_chars])
    proxy_occupation = StringField(_l("Pekerjaan kuasa"), validators=[
        optional(), max_length(100), no_control_chars])
    proxy_phone = TelField(_l("Nomor telepon kuasa"), validators=[
        optional(), max_length(30), no_control_chars])
    proxy_letter = FileField(_l("Surat kuasa (PDF atau gambar)"),
                             description=_l("Wajib bila keberatan diajukan oleh kuasa."))

    def proxy_data(self):
        return {name: self[name].data for name in (
            "proxy_name", "proxy_identity_number", "proxy_address", "proxy_occupation",
            "proxy_phone")}

    def validate_grounds(self, field):
        if not field.data:
            raise ValidationError(_l("Pilih paling sedikit satu alasan keberatan."))


class DecideForm(BaseForm):
    decision = SelectField(_l("Putusan"), choices=options(DECISION_CHOICES), validate_choice=False,
                           validators=[one_of(DECISION_CHOICES, _l("Pilih putusan yang valid."))])
    reasons = TextAreaField(_l("Alasan putusan (tertulis)"),
                            validators=[required(), max_length(5000)], render_kw={"rows": 5})


EXECUTION_CHOICES = rules.OrderExecution.choices()


class CarryOutForm(BaseForm):
    """How the PPID carried out the atasan's order (UU KIP Pasal 36; DOMAIN.md 14)."""

    execution = SelectField(_l("Cara pelaksanaan"), choices=options(EXECUTION_CHOICES),
                            validate_choice=False,
                            validators=[one_of(EXECUTION_CHOICES,
                                               _l("Pilih cara pelaksanaan yang valid."))])
    carried_out_on = DateField(_l("Tanggal pelaksanaan"), validators=[required_input()])
    note = TextAreaField(_l("Uraian pelaksanaan"), validators=[
        optional(), max_length(2000), no_control_chars], render_kw={"rows": 3},
        description=_l("Apa yang dilakukan PPID: pemberitahuan yang diterbitkan, informasi "
                       "yang dibuka, cara penyerahan."))
    corrected_total = IntegerField(_l("Biaya setelah dikoreksi (Rp)"), validators=[
        optional(), NumberRange(min=0, max=1_000_000_000,
                                message=_l("Harus bilangan bulat 0 atau lebih."))],
        description=_l("Hanya untuk koreksi biaya."))
    delivered_via = SelectField(_l("Cara penyerahan"),
                                choices=options([("", _l("— pilih —"))] + DELIVERY_CHOICES),
                                validate_choice=False, validators=[optional()])
    file = FileField(_l("Berkas informasi yang dibuka"),
                     description=_l("Hanya bila informasi dibuka: berkasnya dilampirkan pada "
                                    "permohonan."))
    # An order to publish periodic information (ground b): the DIP versions that did.
    versions = MultiCheckboxField(_l("Versi dokumen DIP yang mengumumkan informasinya"),
                                  choices=[], validate_choice=False,
                                  description=_l("Hanya untuk perintah mengumumkan informasi "
                                                 "berkala: satu versi untuk setiap informasi "
                                                 "yang diperintahkan."))


OBJECTION_CHANNEL_CHOICES = rules.Channel.choices(rules.OFFICER_OBJECTION_CHANNELS)


class ObjectionLookupForm(BaseForm):
    """The request an objection received in person, by post or e-mail is about."""

    permohonan = StringField(_l("Nomor pendaftaran permohonan"), validators=[
        required(), max_length(60), no_control_chars],
        description=_l("Contoh: KALBAR/2026/00042."))


class OfficerObjectionForm(ObjectionForm):
    """An officer registers an objection received in person, by post or e-mail (DOMAIN.md
    section 14), by the requester or their proxy with a power of attorney."""

    channel = SelectField(_l("Saluran penerimaan"), choices=options(OBJECTION_CHANNEL_CHOICES),
                          validate_choice=False,
                          validators=[one_of(OBJECTION_CHANNEL_CHOICES,
                                             _l("Pilih saluran yang valid."))])
    received_at = DateTimeLocalField(_l("Waktu diterima sebenarnya"), format="%Y-%m-%dT%H:%M",
                                     validators=[required_input(
                                         _l("Isi tanggal dan jam penerimaan yang valid."))],
                                     description=_l("Waktu setempat saat keberatan diterima: "
                                                    "tenggat dan jangka waktu alasan "
                                                    "keberatan dihitung dari tanggal itu."),
                                     latest=date.max)


class PeriodicObjectionForm(BaseForm):
    """An objection on ground b naming no request (UU KIP Pasal 35(1) huruf b; Perki 1/2021
    formulir keberatan): the agency's periodic obligations not provided, the objector's
    identity as the request form asks it (checked by ``fields.check_identity``), the
    purpose, the statement of facts, and a proxy with a power of attorney if any."""

    online = True

    obligations = MultiCheckboxField(_l("Informasi berkala yang tidak disediakan"),
                                     choices=[], validate_choice=False)
    name = StringField(_l("Nama lengkap"), validators=[_Checked("name", required=True)],
                       description=_l("Sesuai kartu identitas."))
    identity_type = SelectField(_l("Jenis identitas"), choices=options(IDENTITY_CHOICES),
                                default=rules.IdentityType.NIK.value, validate_choice=False,
                                validators=[_Checked("identity_type")])
    identity_number = StringField(_l("Nomor identitas"), validators=[
        _Checked("identity_number", required=True)],
        description=_l("NIK 16 angka dari KTP; atau nomor paspor/SIM; untuk badan hukum, "
                       "nomor SK pengesahannya."))
    address = TextAreaField(_l("Alamat"), validators=[_Checked("address", required=True)],
                            render_kw={"rows": 3, "autocomplete": "street-address"})
    phone = TelField(_l("Nomor telepon"), validators=[_Checked("phone")],
                     render_kw={"autocomplete": "tel", "inputmode": "tel"})
    email = EmailField(_l("Alamat e-mail"), validators=[_Checked("email", required=True)],
                       description=_l("Tanda bukti dan tanggapan atasan PPID dikirim ke "
                                      "alamat ini."), render_kw={"autocomplete": "email"})
    occupation = StringField(_l("Pekerjaan"), validators=[_Checked("occupation")])
    purpose = TextAreaField(_l("Tujuan penggunaan informasi"), validators=[
        required(), max_length(2000), no_control_chars], render_kw={"rows": 2})
    statement = TextAreaField(_l("Kasus posisi (uraian keberatan)"), validators=[
        required(), max_length(5000), no_control_chars],
        description=_l("Jelaskan informasi berkala apa yang tidak Anda temukan dan sejak "
                       "kapan."), render_kw={"rows": 6})
    proxy_name = ObjectionForm.proxy_name
    proxy_identity_number = ObjectionForm.proxy_identity_number
    proxy_address = ObjectionForm.proxy_address
    proxy_occupation = ObjectionForm.proxy_occupation
    proxy_phone = ObjectionForm.proxy_phone
    proxy_letter = ObjectionForm.proxy_letter

    def set_obligations(self, windows):
        """The agency's periodic obligations, each with its staleness (PeriodicWindow)."""
        self.obligations.choices = options([(str(w.obligation.id),
                                             f"{w.obligation.code}. {w.obligation.title}")
                                            for w in windows])
        self._known = {str(w.obligation.id) for w in windows}

    def validate_obligations(self, field):
        if not field.data:
            raise ValidationError(_l("Pilih paling sedikit satu informasi berkala yang tidak "
                                     "disediakan."))
        if any(x not in getattr(self, "_known", set()) for x in field.data):
            raise ValidationError(_l("Pilih informasi berkala dari daftar."))

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        self.checked = fields.check_identity(
            {name: self[name].raw_data[0] if self[name].raw_data else None
             for name in fields.IDENTITY_FIELDS}, online=self.online)
        for name, message in self.checked.errors.items():
            self[name].errors = [*self[name].errors, message]
        return ok and self.checked.ok

    def identity_data(self):
        v = self.checked.values
        return {"requester_name": v["name"], "identity_type": v["identity_type"],
                "identity_number": v["identity_number"], "address": v["address"],
                "phone": v["phone"], "email": v["email"], "occupation": v["occupation"]}

    proxy_data = ObjectionForm.proxy_data


class OfficerPeriodicObjectionForm(PeriodicObjectionForm):
    """An officer registers an objection on ground b received in person, by post or
    e-mail, with the real time of receipt."""

    online = False

    channel = OfficerObjectionForm.channel
    received_at = OfficerObjectionForm.received_at
    email = EmailField(_l("Alamat e-mail"), validators=[_Checked("email")],
                       description=_l("Jika ada, pengaju menerima tanda bukti dan tautan "
                                      "pelacakan."))
