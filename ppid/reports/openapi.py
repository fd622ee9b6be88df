"""The OpenAPI 3.1 document of the public JSON API v1 (shared/spec/API.md).

It describes every /api/v1 endpoint of the app, the ones other features own included; a
test walks ``app.url_map`` and fails when an endpoint is missing here.
"""
import copy

from ppid.info_requests.rules import (CopyForm, DeliveryMethod, IdentityType, ObtainMethod,
                                      Outcome, RequestState)
from ppid.registry.rules import Category, DipForm, Status
from ppid.reports.rules import Band

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
                           "per_page": {"type": "integer", "minimum": 1, "maximum": 100}}}


PAGE_PARAMS = [
    {"name": "page", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 1, "maximum": 100000, "default": 1}},
    {"name": "per_page", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
]


def _query(name, schema, description, required=False):
    return {"name": name, "in": "query", "required": required, "description": description,
            "schema": schema}


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
        "properties": {"type": {"type": "string", "enum": ["dip", "request"]},
                       "id": {"type": ["integer", "string"]},
                       "registration_number": {"type": "string"},
                       "title": {"type": "string"}, "agency": {"type": "string"},
                       "snippet": {"type": "string",
                                   "description": "HTML with <mark> around matched words"},
                       "url": {"type": "string"}}},
    "NewRequest": {
        "type": "object",
        "required": ["name", "identity_number", "address", "email", "information", "purpose",
                     "obtain_method", "delivery", "agency"],
        "properties": {
            "name": {"type": "string", "maxLength": 200},
            "identity_type": {"type": "string", "enum": IdentityType.codes(),
                              "default": IdentityType.NIK.value},
            "identity_number": {"type": "string", "maxLength": 50},
            "address": {"type": "string", "maxLength": 500},
            "phone": {"type": "string", "maxLength": 30},
            "email": {"type": "string", "format": "email", "maxLength": 320},
            "occupation": {"type": "string", "maxLength": 100},
            "proxy_name": {"type": "string", "maxLength": 200},
            "information": {"type": "string"}, "purpose": {"type": "string"},
            "obtain_method": {"type": "string", "enum": ObtainMethod.codes()},
            "copy_form": {"type": "string", "enum": CopyForm.codes()},
            "delivery": {"type": "string", "enum": DeliveryMethod.codes()},
            "agency": {"type": "string", "description": "slug of the agency addressed"}}},
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
                       "agency": {"type": "string"}, "subject": {"type": "string"},
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
                       "working_days": {"type": "integer", "minimum": 1, "maximum": 60},
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
        "parameters": [{"name": "slug", "in": "path", "required": True,
                        "schema": {"type": "string"}}] + PAGE_PARAMS,
        "responses": {"200": _json(_list_of("#/components/schemas/Obligation"),
                                   "obligations"),
                      "400": BAD_PARAM, "404": NOT_FOUND}}},
    "/api/v1/dip": {"get": {
        "operationId": "listDip", "summary": "Published DIP items", "tags": ["registry"],
        "parameters": [
            _query("agency", {"type": "string", "maxLength": 80}, "agency slug"),
            _query("category", {"type": "string", "enum": CATEGORY_ENUM}, "category"),
            _query("obligation", {"type": "string", "maxLength": 10}, "obligation code"),
            _query("q", {"type": "string", "maxLength": 200}, "words in title or summary"),
        ] + PAGE_PARAMS,
        "responses": {"200": _json(_list_of("#/components/schemas/DipItem"), "DIP items"),
                      "400": BAD_PARAM}}},
    "/api/v1/search": {"get": {
        "operationId": "search", "summary": "Full-text search of the DIP and the register",
        "tags": ["search"],
        "parameters": [
            _query("q", {"type": "string"}, "search words", required=True),
            _query("type", {"type": "string", "enum": ["dip", "request", "all"]}, "what"),
            _query("agency", {"type": "string", "maxLength": 100}, "agency slug"),
            _query("category", {"type": "string", "maxLength": 100}, "category"),
            _query("year", {"type": "integer", "minimum": 1900, "maximum": 2200}, "year"),
            _query("sort", {"type": "string", "enum": ["relevance", "date"]}, "order"),
        ] + PAGE_PARAMS,
        "responses": {"200": _json(_list_of("#/components/schemas/SearchHit"), "hits"),
                      "400": BAD_PARAM}}},
    "/api/v1/requests": {"post": {
        "operationId": "submitRequest", "summary": "Submit an information request",
        "tags": ["requests"],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/NewRequest"}}}},
        "responses": {
            "201": _json({"$ref": "#/components/schemas/RequestReceipt"}, "registered"),
            "400": _error("the body is not a JSON object"),
            "422": _error("invalid fields; `fields` names each"),
            "429": _error("too many submissions from this address")}}},
    "/api/v1/requests/{registration_number}": {"get": {
        "operationId": "showRequest", "summary": "The public view of one request",
        "tags": ["requests"],
        "parameters": [{"name": "registration_number", "in": "path", "required": True,
                        "schema": {"type": "string"},
                        "description": "e.g. KALBAR/2026/00042 (slashes allowed)"}],
        "responses": {"200": _json({"$ref": "#/components/schemas/PublicRequest"},
                                   "the request"),
                      "404": NOT_FOUND}}},
    "/api/v1/deadline": {"get": {
        "operationId": "deadline", "summary": "A deadline in working days, with its working",
        "tags": ["calendar"],
        "parameters": [
            _query("from", {"type": "string", "format": "date"}, "start date", required=True),
            _query("working_days", {"type": "integer", "minimum": 1, "maximum": 60},
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


def document(server_url="/"):
    """The OpenAPI document as a dict (a fresh copy)."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Registri PPID API", "version": "1.0.0",
                 "description": "Public JSON API of the PPID registry. No endpoint returns "
                                "personal data. Errors are JSON {error, message, fields}."},
        "servers": [{"url": server_url}],
        "paths": copy.deepcopy(PATHS),
        "components": {"schemas": copy.deepcopy(SCHEMAS)},
    }
