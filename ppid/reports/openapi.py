"""The OpenAPI 3.1 document of the public JSON API v1 (shared/spec/API.md).

It describes every /api/v1 endpoint of the app, the ones other features own included; a
test walks ``app.url_map`` and fails when an endpoint is missing here. Every constraint is
stated from the constant the server checks (limits, patterns, ranges, enumerations: see
``tests/unit/test_api_document.py``), and schemathesis runs over it against a real gunicorn
(``tests/security/test_api_contract_live.py``).
"""
import copy

from ppid.api import common
from ppid.api import views as api_views
from ppid.core import patterns
from ppid.info_requests import api as requests_api
from ppid.info_requests import fields
from ppid.info_requests.rules import IdentityType, ObtainMethod, Outcome, RequestState
from ppid.registry import api as registry_api
from ppid.registry.rules import Category, DipForm, Status
from ppid.reports.rules import Band
from ppid.search import views as search_views
from ppid.search.services import SORTS, TYPES

ERROR = {"$ref": "#/components/schemas/Error"}
DATE = {"type": "string", "format": "date"}
NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}


def _json(schema, description):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description):
    return _json(ERROR, description)


def _list_of(ref):
    return {"type": "object", "required": ["items", "total", "page", "per_page"],
            "properties": {"items": {"type": "array", "items": {"$ref": ref}},
                           "total": {"type": "integer", "minimum": 0},
                           "page": {"type": "integer", "minimum": 1},
                           "per_page": {"type": "integer", "minimum": 1,
                                        "maximum": common.MAX_PER_PAGE}}}


def _query(name, schema, description, required=False):
    return {"name": name, "in": "query", "required": required, "description": description,
            "schema": schema}


def _integer(lo, hi, **extra):
    return {"type": "integer", "minimum": lo, "maximum": hi, **extra}


def _page_params(max_page=common.MAX_PAGE):
    return [_query("page", _integer(1, max_page, default=1), "page number (given empty: 400)"),
            _query("per_page", _integer(1, common.MAX_PER_PAGE, default=common.DEFAULT_PER_PAGE),
                   "items per page (given empty: 400)")]


PAGE_PARAMS = _page_params()


def _filter(max_length, description, pattern=patterns.NO_CONTROL):
    """A free-text filter: given empty, it filters nothing."""
    return {"type": "string", "maxLength": max_length, "pattern": pattern,
            "description": description}


def _path(name, max_length, description):
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": {"type": "string", "minLength": 1, "maxLength": max_length}}


# The enumerations' codes, from their one definition (ppid.core.enums).
STATUS_ENUM = Status.codes()
CATEGORY_ENUM = Category.codes()
STATE_ENUM = RequestState.codes()
OUTCOME_ENUM = Outcome.codes()
BAND_ENUM = Band.codes()

SCHEMAS = {
    "Error": {
        "type": "object", "required": ["error", "message", "fields"],
        "properties": {
            "error": {"type": "string", "description": "machine-readable code"},
            "message": {"type": "string", "description": "explanation (Bahasa Indonesia)"},
            "fields": {"type": "object", "additionalProperties": {"type": "string"},
                       "description": "field or parameter -> what is wrong with it"}}},
    "Agency": {
        "type": "object", "required": ["slug", "name", "kind", "parent"],
        "properties": {"slug": {"type": "string"}, "name": {"type": "string"},
                       "kind": {"type": "string", "enum": ["utama", "pembantu"]},
                       "parent": {"type": ["string", "null"]}}},
    "Obligation": {
        "type": "object",
        "required": ["code", "title", "category", "period_months", "status",
                     "last_published_on", "due_on"],
        "properties": {"code": {"type": "string"}, "title": {"type": "string"},
                       "category": {"type": "string", "enum": CATEGORY_ENUM},
                       "period_months": {"type": "integer", "minimum": 1},
                       "status": {"type": "string", "enum": STATUS_ENUM},
                       "last_published_on": NULLABLE_DATE, "due_on": NULLABLE_DATE}},
    "Version": {
        "type": "object",
        "required": ["number", "published_at", "sha256", "size", "media_type", "download_url"],
        "properties": {"number": {"type": "integer", "minimum": 1},
                       "published_at": {"type": "string", "format": "date-time"},
                       "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                       "size": {"type": "integer", "minimum": 0},
                       "media_type": {"type": "string"},
                       "download_url": {"type": "string", "format": "uri"}}},
    "DipItem": {
        "type": "object",
        "required": ["id", "agency", "title", "summary", "category", "obligation",
                     "holding_unit", "responsible", "made_at_place", "made_on", "form",
                     "retention", "versions"],
        "properties": {"id": {"type": "integer"}, "agency": {"type": "string"},
                       "title": {"type": "string"}, "summary": {"type": "string"},
                       "category": {"type": "string", "enum": CATEGORY_ENUM},
                       "obligation": {"type": ["string", "null"]},
                       "holding_unit": {"type": "string"}, "responsible": {"type": "string"},
                       "made_at_place": {"type": "string"}, "made_on": NULLABLE_DATE,
                       "form": {"type": "string",
                                "enum": DipForm.codes()},
                       "retention": {"type": "string"},
                       "versions": {"type": "array",
                                    "items": {"$ref": "#/components/schemas/Version"}}}},
    "SearchHit": {
        "type": "object", "required": ["type", "title", "agency", "snippet", "url"],
        # "publication": the publication desk's news (issue #19), a search source too.
        "properties": {"type": {"type": "string", "enum": ["dip", "request", "publication"]},
                       "id": {"type": ["integer", "string"]},
                       "registration_number": {"type": "string"},
                       "title": {"type": "string"}, "agency": {"type": "string"},
                       "snippet": {"type": "string",
                                   "description": "HTML with <mark> around matched words"},
                       "url": {"type": "string"}}},
    "NewRequest": None,  # below: built from ppid.info_requests.fields
    "RequestReceipt": {
        "type": "object",
        "required": ["registration_number", "received_on", "due_on", "status", "tracking_url"],
        "properties": {"registration_number": {"type": "string"}, "received_on": DATE,
                       "due_on": DATE, "status": {"type": "string", "enum": STATE_ENUM},
                       "tracking_url": {"type": "string", "format": "uri"}}},
    "PublicRequest": {
        "type": "object",
        "required": ["registration_number", "agency", "subject", "status", "outcome",
                     "received_on", "due_on", "extended_due_on", "closed_on", "is_late"],
        "properties": {"registration_number": {"type": "string"},
                       "agency": {"type": "string"},
                       "subject": {"type": "string", "description": (
                           "as the public register shows it: the officer's redaction, or "
                           "the request text; 'Menunggu peninjauan petugas' (Accept-"
                           "Language en: 'Awaiting officer review') until an officer has "
                           "reviewed a new request's subject")},
                       "status": {"type": "string", "enum": STATE_ENUM},
                       "outcome": {"type": ["string", "null"],
                                   "enum": OUTCOME_ENUM + [None]},
                       "received_on": DATE, "due_on": DATE,
                       "extended_due_on": NULLABLE_DATE, "closed_on": NULLABLE_DATE,
                       "is_late": {"type": "boolean"}}},
    "Deadline": {
        "type": "object",
        "required": ["from", "effective_start", "working_days", "due_on", "skipped"],
        "properties": {"from": DATE, "effective_start": DATE,
                       "working_days": _integer(1, api_views.MAX_WORKING_DAYS),
                       "due_on": DATE,
                       "skipped": {"type": "array", "items": {
                           "type": "object", "required": ["date", "reason"],
                           "properties": {"date": DATE, "reason": {"type": "string"}}}}}},
    "Compliance": {
        "type": "object",
        "required": ["agency", "name", "score", "band", "obligations", "requests"],
        "properties": {
            "agency": {"type": "string", "description": "agency slug"},
            "name": {"type": "string"},
            "score": {"type": ["number", "null"], "minimum": 0, "maximum": 100,
                      "description": "registry's indicator; null when nothing can be scored"},
            "band": {"type": ["string", "null"], "enum": BAND_ENUM + [None]},
            "band_label": {"type": ["string", "null"]},
            "obligations": {"type": "object",
                            "required": STATUS_ENUM,
                            "properties": {s: {"type": "integer", "minimum": 0}
                                           for s in STATUS_ENUM}},
            "requests": {"type": "object",
                         "required": ["total", "on_time", "late", "open", "median_days"],
                         "properties": {
                             "total": {"type": "integer", "minimum": 0},
                             "on_time": {"type": "integer", "minimum": 0},
                             "late": {"type": "integer", "minimum": 0},
                             "open": {"type": "integer", "minimum": 0},
                             "median_days": {"type": ["number", "null"], "minimum": 0}}}}},
}



def _text(name, body, *, required):
    """A text field as fields.check takes it: null or absent is no value (if optional),
    whitespace around it is ignored, its limit counts every character sent."""
    schema = {"type": "string" if required else ["string", "null"],
              "maxLength": fields.LIMITS[name],
              "pattern": patterns.as_sent(body, optional=not required)}
    return schema


def _choice(name, *, optional=False, blank=False):
    codes = list(fields.CHOICES[name])
    if not optional:
        return {"type": "string", "enum": codes}
    return {"type": ["string", "null"], "enum": ([""] if blank else []) + codes + [None]}


IDENTITY_DESCRIPTION = (
    "Checked for its structure by identity_type (the patterns of allOf state each rule "
    "exactly). nik: 16 digits: a province code (the first two), regency/city and district "
    "codes not 00, the date of birth DDMMYY (day + 40 for women; 29 February only in a year "
    "divisible by four), a serial not 0000, not one digit repeated. paspor: one or two "
    "letters and 6 or 7 digits, not all zeros. sim: 12 to 14 digits, not one digit "
    "repeated. paspor and sim numbers may have spaces, '.' and '-' between their characters. "
    "badan_hukum: the ratification decree's number: letters, digits, spaces, '.', '/', '-', "
    "with a letter and a number of at least three digits, not 000 (e.g. "
    "AHU-0012345.AH.01.04/2020). A refused number is a 422 saying what is wrong.")


def _new_request():
    salinan = ObtainMethod.SALINAN.value
    nik = IdentityType.NIK.value
    properties = {
        "name": _text("name", fields.TEXT, required=True),
        "identity_type": {**_choice("identity_type", optional=True), "default": nik,
                          "description": "null or absent: nik"},
        "identity_number": {"type": "string", "maxLength": fields.LIMITS["identity_number"],
                            "description": IDENTITY_DESCRIPTION},
        "address": _text("address", fields.TEXT, required=True),
        "phone": _text("phone", fields.PHONE, required=False),
        "email": _text("email", fields.EMAIL, required=True),
        "occupation": _text("occupation", fields.TEXT, required=False),
        "proxy_name": {
            "type": ["string", "null"], "maxLength": fields.LIMITS["proxy_name"],
            "pattern": f"^[{patterns.WHITESPACE}]*$",
            "description": "A request through a proxy (kuasa) needs the signed power of "
                           "attorney (surat kuasa), which this API does not take: submit it "
                           "with the web form /permohonan/baru, which does. Here proxy_name "
                           "can only be absent, null or empty; anything else is a 422 saying "
                           "so."},
        "information": _text("information", fields.TEXT, required=True),
        "purpose": _text("purpose", fields.TEXT, required=True),
        "obtain_method": _choice("obtain_method"),
        "copy_form": {**_choice("copy_form", optional=True, blank=True),
                      "description": f"required when obtain_method is {salinan}"},
        "delivery": _choice("delivery"),
        "agency": {"type": "string",
                   "description": "slug of an active agency (GET /api/v1/agencies); with the "
                                  "other fields valid, an unknown one is a 404"},
    }
    required = [n for n in fields.FIELDS if n in fields.REQUIRED] + [
        "email", "obtain_method", "delivery", "agency"]
    example = {"name": "Siti Pemohon", "identity_type": nik,
               "identity_number": "6171010203850001", "address": "Jl. Gajah Mada 12, Pontianak",
               "phone": "0812 3456 7890", "email": "siti@contoh.id",
               "information": "Data kasus DBD per kabupaten tahun 2025",
               "purpose": "Penelitian", "obtain_method": salinan, "copy_form": "softcopy",
               "delivery": "email", "agency": "diskominfo"}
    return {
        "type": "object",
        "examples": [example],
        "description": "Text fields: whitespace around a value is ignored, and a value of only "
                       "whitespace is no value; maxLength counts every character sent. No "
                       "control characters other than tab and line breaks.",
        "required": required,
        "properties": properties,
        "allOf": [
            # The identity number's structure rule of its type (absent or null: nik), the
            # same as the server's (rules.IDENTITY_PATTERNS and identity_number_problem).
            {"if": {"properties": {"identity_type": {"enum": [nik, None]}}},
             "then": {"properties": {"identity_number": {
                 "pattern": patterns.as_sent(fields.identity_pattern(nik))}}}},
            *({"if": {"required": ["identity_type"],
                      "properties": {"identity_type": {"const": kind}}},
               "then": {"properties": {"identity_number": {
                   "pattern": patterns.as_sent(fields.identity_pattern(kind))}}}}
              for kind in fields.CHOICES["identity_type"] if kind != nik),
            {"if": {"required": ["obtain_method"],
                    "properties": {"obtain_method": {"const": salinan}}},
             "then": {"required": ["copy_form"],
                      "properties": {"copy_form": {"enum": list(fields.CHOICES["copy_form"])}}}},
        ],
    }


SCHEMAS["NewRequest"] = _new_request()

IDEMPOTENCY_DESCRIPTION = (
    "Retries are safe with an `Idempotency-Key` header (one key per submission, made by the "
    "client, e.g. a UUID; IETF draft-ietf-httpapi-idempotency-key-header). Keys are scoped "
    "to the client (its address) and kept for IDEMPOTENCY_KEY_HOURS (24 by default). Within "
    "that time the same key with the same body answers 201 with the same "
    "registration_number, dates and tracking_url as the first answer, and the header "
    "`Idempotent-Replayed: true`; no second request is registered and no number is used. "
    "The same key with a different body is refused with 409 `idempotency_key_reused`. Two "
    "identical submissions sent at the same moment register one request. Without the "
    "header, every submission registers a request.")

BAD_PARAM = _error("invalid parameter")
NOT_FOUND = _error("not found")

PATHS = {
    "/api/v1/openapi.json": {"get": {
        "operationId": "openapi", "summary": "This OpenAPI document", "tags": ["meta"],
        "responses": {"200": _json({"type": "object"}, "the OpenAPI 3.1 document")}}},
    "/api/v1/agencies": {"get": {
        "operationId": "listAgencies", "summary": "Agencies (PPID Utama and Pembantu)",
        "tags": ["registry"], "parameters": PAGE_PARAMS,
        "responses": {"200": _json(_list_of("#/components/schemas/Agency"), "agencies"),
                      "400": BAD_PARAM}}},
    "/api/v1/agencies/{slug}/obligations": {"get": {
        "operationId": "agencyObligations",
        "summary": "An agency's applicable obligations with their staleness status",
        "tags": ["registry"],
        "parameters": [_path("slug", registry_api.MAX_SLUG, "agency slug")] + PAGE_PARAMS,
        "responses": {"200": _json(_list_of("#/components/schemas/Obligation"),
                                   "obligations"),
                      "400": BAD_PARAM, "404": NOT_FOUND}}},
    "/api/v1/dip": {"get": {
        "operationId": "listDip", "summary": "Published DIP items", "tags": ["registry"],
        "parameters": [
            _query("agency", _filter(registry_api.MAX_SLUG, "empty: every agency"),
                   "agency slug (an unknown one: 404)"),
            _query("category", {"type": "string", "enum": CATEGORY_ENUM}, "category"),
            _query("obligation", _filter(registry_api.MAX_CODE, "empty: any"),
                   "obligation code (an unknown one: 404)"),
            _query("q", _filter(registry_api.MAX_TEXT, "empty: no text filter"),
                   "words in title or summary"),
        ] + PAGE_PARAMS,
        "responses": {"200": _json(_list_of("#/components/schemas/DipItem"), "DIP items"),
                      "400": BAD_PARAM,
                      "404": _error("no active agency, or no obligation, with that code")}}},
    "/api/v1/search": {"get": {
        "operationId": "search", "summary": "Full-text search of the DIP and the register",
        "tags": ["search"],
        "parameters": [
            _query("q", {"type": "string", "maxLength": search_views.services.MAX_QUERY_CHARS,
                         "pattern": search_views.QUERY_PATTERN},
                   f"search words: 1 to {search_views.services.MAX_QUERY_WORDS} words "
                   f"(runs of characters other than whitespace and control characters), "
                   f"at most {search_views.services.MAX_QUERY_CHARS} characters as sent",
                   required=True),
            _query("type", {"type": "string", "enum": list(TYPES), "default": "all"}, "what"),
            _query("agency", _filter(search_views.API_MAX_FILTER, "empty: every agency",
                                     search_views.FILTER_PATTERN), "agency slug"),
            _query("category", _filter(search_views.API_MAX_FILTER, "empty: every category",
                                       search_views.FILTER_PATTERN), "category"),
            _query("year", _integer(*search_views.API_YEARS), "year"),
            _query("sort", {"type": "string", "enum": list(SORTS), "default": "relevance"},
                   "order"),
        ] + _page_params(search_views.API_MAX_PAGE),
        "responses": {"200": _json(_list_of("#/components/schemas/SearchHit"), "hits"),
                      "400": BAD_PARAM,
                      "503": _error("the search index cannot be used now")}}},
    "/api/v1/requests": {"post": {
        "operationId": "submitRequest", "summary": "Submit an information request",
        "tags": ["requests"],
        "description": IDEMPOTENCY_DESCRIPTION,
        "parameters": [{
            "name": requests_api.IDEMPOTENCY_HEADER, "in": "header", "required": False,
            "description": "one key per submission, made by the client (e.g. a UUID): the "
                           "same key with the same body answers with the same request and "
                           "number; with another body, 409",
            "schema": {"type": "string", "minLength": 1, "maxLength": 255,
                       "pattern": f"^{requests_api.IDEMPOTENCY_KEY}$"}}],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/NewRequest"}}}},
        "responses": {
            "201": {**_json({"$ref": "#/components/schemas/RequestReceipt"},
                            "registered, or (with Idempotent-Replayed: true) registered "
                            "before under the same Idempotency-Key and body"),
                    "headers": {"Location": {
                        "description": "the request's public view (showRequest)",
                        "schema": {"type": "string", "format": "uri-reference"}},
                        "Idempotent-Replayed": {
                            "description": "true when this is the answer given before to "
                                           "the same Idempotency-Key; absent otherwise",
                            "schema": {"type": "string", "enum": ["true"]}}},
                    "links": {"ShowRequest": {
                        "operationId": "showRequest",
                        "parameters": {"registration_number":
                                       "$response.body#/registration_number"}}}},
            "400": _error("the body is not a JSON object, or the Idempotency-Key header "
                          "is not 1 to 255 visible ASCII characters"),
            "404": _error("every field is valid but no active agency has that slug"),
            "409": _error("the Idempotency-Key was used by this client for a submission "
                          "with another body (error idempotency_key_reused): nothing is "
                          "registered; use a new key for a new request"),
            "422": _error("invalid fields; `fields` names each"),
            "429": _error("too many submissions from this address")}}},
    "/api/v1/requests/{registration_number}": {"get": {
        "operationId": "showRequest", "summary": "The public view of one request",
        "tags": ["requests"],
        "parameters": [_path("registration_number", requests_api.MAX_NUMBER,
                             "e.g. KALBAR/2026/00042 (slashes allowed)")],
        "responses": {"200": _json({"$ref": "#/components/schemas/PublicRequest"},
                                   "the request"),
                      "404": NOT_FOUND}}},
    "/api/v1/deadline": {"get": {
        "operationId": "deadline", "summary": "A deadline in working days, with its working",
        "tags": ["calendar"],
        "parameters": [
            _query("from", {"type": "string", "format": "date", "pattern": (
                f"^{patterns.number_range(*api_views.DEADLINE_YEARS)}-[0-9]{{2}}-[0-9]{{2}}$")},
                "start date, YYYY-MM-DD, in the years {} to {}".format(
                    *api_views.DEADLINE_YEARS), required=True),
            _query("working_days", _integer(1, api_views.MAX_WORKING_DAYS),
                   "number of working days", required=True)],
        "responses": {"200": _json({"$ref": "#/components/schemas/Deadline"}, "deadline"),
                      "400": BAD_PARAM}}},
    "/api/v1/compliance": {"get": {
        "operationId": "compliance", "summary": "Compliance indicator of every agency",
        "tags": ["reports"],
        "parameters": [
            _query("band", {"type": "string", "enum": BAND_ENUM}, "only this E-Monev band"),
        ] + PAGE_PARAMS,
        "responses": {"200": _json(_list_of("#/components/schemas/Compliance"),
                                   "agencies, best score first"),
                      "400": BAD_PARAM}}},
}


# Answered by the HTTP server (gunicorn, or nginx in front) before the application sees the
# request, hence HTML. Every documented parameter fits (tests/unit/test_api_document.py).
URI_TOO_LONG = {"description": f"the request line is longer than the HTTP server takes "
                               f"({common.MAX_REQUEST_LINE} bytes); answered by the server, "
                               f"in HTML",
                "content": {"text/html": {"schema": {"type": "string"}}}}
for _operations in PATHS.values():
    for _operation in _operations.values():
        _operation["responses"]["414"] = URI_TOO_LONG


PRIVACY_NOTICE = (
    "Privacy notice (UU 27/2022 Pasal 21). Collected: the requester's name, identity type and "
    "number, address, phone and/or e-mail, occupation, the proxy's name, and the request "
    "itself. Why: to register and answer the request, send its receipt, notices and "
    "letters, handle objections and disputes, and count it (without identity) in the "
    "service reports. Legal basis: legal obligation and public service (UU 27/2022 Pasal 20 "
    "ayat (2) huruf c and e): UU 14/2008 Pasal 22, PP 61/2010, Perki 1/2021. Who sees it: "
    "only the PPID officers handling the request (its agency and the PPID Utama), the "
    "atasan PPID on an objection, the Komisi Informasi in a dispute; never a public page, "
    "search, this API, a feed or a public export. Kept: while the request, its objections "
    "and disputes are open, then {years} year(s) after they all closed; then erased, "
    "leaving an anonymous record. Rights: access and a copy, correction, erasure after the "
    "retention period, complaint to the PPID or the personal-data protection authority. "
    "Controller: the PPID Utama of {government}. Full notice: {url}\n\n"
    "Pemberitahuan pelindungan data pribadi (UU 27/2022 Pasal 21). Data yang dikumpulkan: "
    "nama, jenis dan nomor identitas, alamat, telepon dan/atau e-mail, pekerjaan, nama "
    "kuasa, dan isi permohonan. Tujuan: mendaftarkan dan menjawab permohonan, mengirim "
    "tanda bukti, pemberitahuan dan surat, memeriksa keberatan dan sengketa, dan "
    "menghitungnya (tanpa identitas) dalam laporan layanan. Dasar hukum: kewajiban hukum "
    "dan pelayanan publik (UU 27/2022 Pasal 20 ayat (2) huruf c dan e): UU 14/2008 Pasal "
    "22, PP 61/2010, Perki 1/2021. Yang melihat: hanya petugas PPID yang menangani "
    "permohonan (badan publiknya dan PPID Utama), atasan PPID bila ada keberatan, Komisi "
    "Informasi bila ada sengketa; tidak pernah di halaman publik, pencarian, API ini, feed "
    "atau ekspor publik. Disimpan: selama permohonan, keberatan dan sengketanya berjalan, "
    "lalu {years} tahun sesudah semuanya selesai; kemudian dihapus, tersisa catatan tanpa "
    "identitas. Hak: akses dan salinan, perbaikan, penghapusan setelah masa retensi, "
    "pengaduan kepada PPID atau lembaga pelindungan data pribadi. Pengendali: PPID Utama "
    "{government}. Selengkapnya: {url}")


def privacy_notice(years, government, url):
    """The submission's privacy notice in both languages (the operation's description)."""
    return PRIVACY_NOTICE.format(years=years, government=government, url=url)


def document(server_url="/", *, privacy=None):
    """The OpenAPI document as a dict (a fresh copy); ``privacy`` is the privacy notice
    the submission's description carries (:func:`privacy_notice`)."""
    paths = copy.deepcopy(PATHS)
    if privacy:
        paths["/api/v1/requests"]["post"]["description"] = privacy
    return {
        "openapi": "3.1.0",
        "info": {"title": "Registri PPID API", "version": "1.0.0",
                 "description": "Public JSON API of the PPID registry. No endpoint returns "
                                "personal data. Errors are JSON {error, message, fields}."},
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {"schemas": copy.deepcopy(SCHEMAS)},
    }
