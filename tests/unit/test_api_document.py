"""The OpenAPI document states the constraints the server checks, from the same constants,
and its patterns accept exactly what the server's checks accept (no app needed)."""
import re

import jsonschema
import jsonschema_rs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ppid.api import common
from ppid.api import views as api_views
from ppid.core import patterns
from ppid.info_requests import api as requests_api
from ppid.info_requests import fields, rules
from ppid.registry import api as registry_api
from ppid.reports import openapi
from ppid.search import services as search_services
from ppid.search import views as search_views

DOC = openapi.document()
NEW = DOC["components"]["schemas"]["NewRequest"]


def _params(path):
    return {p["name"]: p for p in DOC["paths"][path]["get"]["parameters"]}


# --- The primitives ---------------------------------------------------------------------------

def test_whitespace_is_what_strip_removes_and_nothing_else():
    spaces = {chr(c) for c in range(0x110000) if chr(c).isspace()}
    cls = re.compile(f"[{patterns.WHITESPACE}]")
    assert {chr(c) for c in range(0x110000) if cls.fullmatch(chr(c))} == spaces


@pytest.mark.parametrize("lo,hi", [(1990, 2100), (1900, 2200), (2000, 2100), (0, 9), (10, 99),
                                   (1234, 1234), (1999, 2000)])
def test_number_range_matches_exactly_its_numbers(lo, hi):
    width = len(str(hi))
    body = re.compile(patterns.number_range(lo, hi))
    for n in range(10 ** (width - 1) if width > 1 else 0, 10 ** width):
        assert bool(body.fullmatch(str(n))) == (lo <= n <= hi), n


# --- Same constants -------------------------------------------------------------------------

def test_new_request_states_the_checks_constants():
    props = NEW["properties"]
    assert set(props) == set(fields.FIELDS)
    for name, limit in fields.LIMITS.items():
        assert props[name]["maxLength"] == limit, name
    for name, body in fields.PATTERNS.items():
        if name != "proxy_name":
            optional = name not in NEW["required"]
            assert props[name]["pattern"] == patterns.as_sent(body, optional=optional), name
    for name, codes in fields.CHOICES.items():
        assert [c for c in props[name]["enum"] if c not in ("", None)] == list(codes), name
    assert set(NEW["required"]) == set(fields.REQUIRED) | {"email", "obtain_method",
                                                            "delivery", "agency"}
    *identities, salinan = NEW["allOf"]
    stated = {}
    for rule in identities:  # one structure rule per identity type (absent or null: nik)
        kinds = rule["if"]["properties"]["identity_type"].get("enum") or [
            rule["if"]["properties"]["identity_type"]["const"]]
        for kind in kinds:
            stated[kind] = rule["then"]["properties"]["identity_number"]["pattern"]
    assert stated == {None: patterns.as_sent(fields.NIK), **{
        kind: patterns.as_sent(rules.IDENTITY_PATTERNS[kind])
        for kind in fields.CHOICES["identity_type"]}}
    assert salinan["then"]["required"] == ["copy_form"]
    assert "/permohonan/baru" in props["proxy_name"]["description"]


def test_parameters_state_the_servers_bounds():
    for path, max_page in (("/api/v1/agencies", common.MAX_PAGE),
                           ("/api/v1/dip", common.MAX_PAGE),
                           ("/api/v1/compliance", common.MAX_PAGE),
                           ("/api/v1/search", search_views.API_MAX_PAGE)):
        params = _params(path)
        assert params["page"]["schema"]["maximum"] == max_page, path
        assert params["per_page"]["schema"]["maximum"] == common.MAX_PER_PAGE, path
        assert params["per_page"]["schema"]["default"] == common.DEFAULT_PER_PAGE, path
    # The deepest page of a search is still within the depth it searches.
    assert (search_views.API_MAX_PAGE - 1) * common.MAX_PER_PAGE < \
        search_services.MAX_RESULT_DEPTH
    deadline = _params("/api/v1/deadline")
    lo, hi = api_views.DEADLINE_YEARS
    pattern = re.compile(deadline["from"]["schema"]["pattern"])
    assert pattern.search(f"{lo}-01-01") and pattern.search(f"{hi}-12-31")
    assert not pattern.search(f"{lo - 1}-12-31") and not pattern.search(f"{hi + 1}-01-01")
    assert deadline["working_days"]["schema"]["maximum"] == api_views.MAX_WORKING_DAYS
    search = _params("/api/v1/search")
    assert search["q"]["schema"] == {"type": "string",
                                     "maxLength": search_services.MAX_QUERY_CHARS,
                                     "pattern": search_views.QUERY_PATTERN}
    assert search["year"]["schema"]["minimum"], search["year"]["schema"]["maximum"] == \
        search_views.API_YEARS
    assert search["type"]["schema"]["enum"] == list(search_services.TYPES)
    assert search["sort"]["schema"]["enum"] == list(search_services.SORTS)
    dip = _params("/api/v1/dip")
    assert dip["agency"]["schema"]["maxLength"] == registry_api.MAX_SLUG
    assert dip["obligation"]["schema"]["maxLength"] == registry_api.MAX_CODE
    assert dip["q"]["schema"]["maxLength"] == registry_api.MAX_TEXT
    shown = DOC["paths"]["/api/v1/requests/{registration_number}"]["get"]["parameters"][0]
    assert shown["schema"]["maxLength"] == requests_api.MAX_NUMBER


# --- Same answers ---------------------------------------------------------------------------

SPECIAL = (" ", "\t", "\n", "\r", "\x0b", "\x1c", "\x85", "\xa0", "\u2003", "\u3000",
           "\x00", "\x07", "\x1b", "\x7f", "\u200b", "\ufeff", "@", ".", "-", "/", "+", "(", ")",
           "#", "é", "\u0661", "Ａ")
ATOMS = st.one_of(st.sampled_from(SPECIAL), st.sampled_from("aZ09 _"),
                  st.characters(codec="utf-8"))  # no lone surrogates: JSON Schema has none


# Numbers one step from a rule: each type's near misses (and the other types' numbers).
NEAR_NUMBERS = ["1111111111111111", "1111111111111112", "6171012902000001",
                "6171012902010001", "6171016902960001", "6171013104850001",
                "6171017104850001", "6171010203850000", "9971010203850001",
                "C1234567", "C0000000", "C 000000 1", "-C.123456.", "ABC123456", "C123456",
                "1234-5678-9012", "0000-0000-0000", "111111111112", "123456789012345",
                "AHU-0012345.AH.01.04/2020", "AHU-000.AH", "123456789", "A 100", "A 010"]


def _padded(body):
    space = st.text(alphabet=st.sampled_from(" \t\n\u3000\xa0"), max_size=2)
    return st.builds(lambda a, v, b: a + v + b, space, st.from_regex(body, fullmatch=True),
                     space)


def _value(name):
    limit = fields.LIMITS.get(name, 5)
    candidates = [st.none(), st.integers(), st.just(""), st.text(ATOMS, max_size=12),
                  st.builds(lambda pad, n, end: pad * n + end, st.sampled_from(["a", " ", "1"]),
                            st.sampled_from([limit - 2, limit - 1, limit]),
                            st.sampled_from(["", "1", " "]))]
    body = {"identity_number": fields.NIK}.get(name) or fields.PATTERNS.get(name)
    if body:
        candidates.append(_padded(body))
    if name == "identity_number":  # every type's rule, and numbers near them
        candidates += [_padded(p) for p in rules.IDENTITY_PATTERNS.values()]
        candidates.append(st.sampled_from(NEAR_NUMBERS))
    if name in fields.CHOICES:
        candidates.append(st.sampled_from(["", *fields.CHOICES[name]]))
    return st.one_of(candidates)


BODIES = st.fixed_dictionaries({}, optional={
    name: _value(name) for name in fields.FIELDS if name != "agency"}).map(
        lambda d: {**d, "agency": "dinkes"})
VALIDATORS = [jsonschema.Draft202012Validator(NEW), jsonschema_rs.validator_for(NEW)]


@settings(max_examples=1000, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(BODIES)
def test_the_documents_schema_accepts_exactly_what_the_check_accepts(body):
    checked = fields.check(body, agencies={"dinkes"}, has_power_of_attorney=False)
    for validator in VALIDATORS:
        assert validator.is_valid(body) == checked.ok, (body, dict(checked.errors))


QUERY = [jsonschema.Draft202012Validator({"type": "string",
                                          "pattern": search_views.QUERY_PATTERN}),
         jsonschema_rs.validator_for({"type": "string", "pattern": search_views.QUERY_PATTERN})]


@settings(max_examples=1000, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(st.one_of(st.text(ATOMS, max_size=60),
                 st.lists(st.text(ATOMS, min_size=1, max_size=3), max_size=45).map(" ".join)))
def test_the_search_query_pattern_is_the_apis_word_count(q):
    words = len(search_services._CONTROL_RE.sub(" ", q).split())
    for validator in QUERY:
        assert validator.is_valid(q) == (1 <= words <= search_services.MAX_QUERY_WORDS), q


def test_the_longest_documented_url_fits_in_the_servers_request_line():
    """A URL of every parameter at its longest (each character 4 UTF-8 bytes, each byte
    percent-encoded) is taken by gunicorn, so no schema-valid request meets its 414."""
    import importlib.util
    from pathlib import Path
    conf = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"
    spec = importlib.util.spec_from_file_location("gunicorn_conf", conf)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.limit_request_line == common.MAX_REQUEST_LINE

    def longest(schema):
        if "enum" in schema:
            return max(len(str(v)) for v in schema["enum"] if v is not None)
        if schema["type"] == "integer":
            return max(len(str(schema["minimum"])), len(str(schema["maximum"])))
        if schema.get("format") == "date":
            return len("2026-03-16")
        return schema["maxLength"] * 12  # every string parameter has a maxLength

    for path, operations in DOC["paths"].items():
        for method, op in operations.items():
            url, query = path, []
            for p in op.get("parameters", []):
                if p["in"] == "path":
                    url = url.replace("{" + p["name"] + "}", "x" * longest(p["schema"]))
                elif p["in"] == "query":
                    query.append(f"{p['name']}={'x' * longest(p['schema'])}")
            line = f"{method.upper()} {url}{'?' if query else ''}{'&'.join(query)} HTTP/1.1"
            assert len(line) <= common.MAX_REQUEST_LINE, (path, len(line))
