"""Authorisation matrix generated from the URL map: every GET route x every role, plus the
object-level check (agency A's officers and a citizen on agency B's / another citizen's
objects), and an "auditor changes nothing" sweep over every POST route.

Every endpoint must be classified in EXPECT (GET) or POST_ONLY: a new route that is not
fails test_every_endpoint_is_classified until someone decides who may open it.
"""
import pytest

from tests.security import ROLES, login_as, seed_world, table_counts

ANON_LOGIN = 302  # anonymous on an officer page: redirected to /masuk


def exp(default, **kw):
    unknown = set(kw) - set(ROLES)
    assert not unknown, unknown
    return {r: kw.get(r, default) for r in ROLES}


PUBLIC = exp(200)
LOGGED_IN = exp(200, anon=ANON_LOGIN)
ANON_ONLY = exp(302, anon=200)  # login/sign-up forms: a logged-in user is sent on


def allowed(*roles):
    """Officer page: anonymous to the login page, ``roles`` 200, everyone else 403."""
    return {r: (ANON_LOGIN if r == "anon" else 200 if r in roles else 403) for r in ROLES}


MANAGE_ACCOUNTS = allowed("main", "admin")          # policy manage_accounts
MANAGE_AGENCIES = allowed("main", "admin")          # policy manage_agencies
MANAGE_CATALOGUE = allowed("main")                  # policy manage_catalogue
VIEW_ALL = allowed("main", "auditor", "admin")      # policy view_all
VIEW_A = allowed("helper_a", "atasan_a", "main", "auditor")  # policy view on agency A
EDIT_A = allowed("helper_a", "main")                # policy edit on agency A
STAFF = allowed("helper_a", "atasan_a", "main", "auditor", "admin", "humas_a")
# The publication desk (issue #19): agency A's drafters (humas, helper officers), the desk.
DRAFTERS_A = allowed("helper_a", "humas_a")
PUBLICATION_A = allowed("helper_a", "humas_a", "main", "auditor")
# The request of A with an objection: its handlers, the atasan deciding the objection, and
# the requester (DOMAIN.md 11); never auditors or administrators (personal data).
REQUEST_A_PERSONAL = allowed("owner", "helper_a", "atasan_a", "main")
OBJECTION_A = allowed("helper_a", "atasan_a", "main")
# The auditor reads every request and objection page (read-only, personal data masked).
READ_REQUEST_A = {**allowed("helper_a", "main", "auditor"), "atasan_a": 302}
READ_OBJECTION_A = allowed("helper_a", "atasan_a", "main", "auditor")
# The registers of Perki 1/2021: one PPID's for its officers and atasan, the PPID Utama,
# the auditor and the administrator; the consolidated ones for the last three only.
REGISTER_A = allowed("helper_a", "atasan_a", "main", "auditor", "admin")
REGISTER_ALL = allowed("main", "auditor", "admin")

EXPECT = {
    # Public pages, feeds, exports and the public API: 200 for everybody.
    "core.home": PUBLIC,
    "core.calendar": PUBLIC,
    "core.theme_css": PUBLIC,
    "core.favicon": PUBLIC,  # the icon in the government's colour
    # The living style guide (issue #17): for the administrators.
    "core.style_guide": MANAGE_ACCOUNTS,
    # The header's language switch: a plain GET (no CSRF token on public pages), redirecting.
    "core.set_language": exp((302,)),
    "agencies.profile": PUBLIC,
    "registry.item": PUBLIC,
    "registry.download": PUBLIC,
    "registry.obligation_detail": PUBLIC,
    "registry.exemptions": PUBLIC,
    "registry.feed": PUBLIC,
    "registry.agency_feed": PUBLIC,
    "registry.dip_csv": PUBLIC,
    "registry.dip_pdf": PUBLIC,
    "search.search_page": PUBLIC,
    "requests.new": PUBLIC,
    "requests.register": PUBLIC,
    "requests.privacy": PUBLIC,
    "accounts.password_reset_request": PUBLIC,
    "accounts.password_reset": PUBLIC,  # a valid signed token is the capability
    "registry_api.agencies": PUBLIC,
    "registry_api.agency_obligations": PUBLIC,
    "registry_api.dip": PUBLIC,
    "reports_api.compliance": PUBLIC,
    "reports_api.openapi_document": PUBLIC,
    "api.deadline": PUBLIC,
    "requests_api.show": PUBLIC,
    "search_api.api_search": PUBLIC,
    "evaluation.public_government": PUBLIC,
    "evaluation.public_agency": PUBLIC,
    # The survey's keyed link is the capability (no login); the walk's "token" is a reset
    # token, never a survey's, so 404 for everyone (valid links: tests/web/test_evaluation_web).
    "evaluation.survey": exp(404),
    "evaluation.officer_agency": VIEW_A,
    # E-Monev: the way in sends each reader on (to the ranking, or to their own agency).
    "evaluation.emonev_index": {**allowed(), "helper_a": 302, "atasan_a": 302, "main": 302,
                                "auditor": 302, "admin": 302},
    "evaluation.emonev_ranking": VIEW_ALL,
    "evaluation.emonev_ranking_csv": VIEW_ALL,
    "evaluation.emonev_agency": VIEW_A,
    "evaluation.emonev_evidence": VIEW_A,
    "evaluation.emonev_pack": VIEW_A,
    "evaluation.emonev_weights": allowed("admin"),
    # The year's question set: the administrator (policy manage_emonev_weights).
    "evaluation.emonev_questions": allowed("admin"),
    # The publication desk: public news pages, photos, attachments and feeds ...
    "publications.news": PUBLIC,
    "publications.article": PUBLIC,
    "publications.photo": PUBLIC,
    "publications.thumbnail": PUBLIC,
    "publications.attachment": PUBLIC,
    "publications.feed_atom": PUBLIC,
    "publications.feed_json": PUBLIC,
    "publications.agency_feed_atom": PUBLIC,
    "publications.agency_feed_json": PUBLIC,
    # ... the agencies' drafts, and the PPID Utama's desk (A's publication is published:
    # only the desk changes it now).
    # Serta-merta broadcasts (issue #19): public pages and feeds; their agency's officers and
    # the PPID Utama manage them. Following: the form is public; a confirm or unsubscribe
    # link is the subscription's secret token (the matrix's token is none: 404).
    "broadcasts.index": PUBLIC,
    "broadcasts.crisis": PUBLIC,
    "broadcasts.feed_atom": PUBLIC,
    "broadcasts.feed_json": PUBLIC,
    "broadcasts.manage": allowed("helper_a", "humas_a", "main"),
    "broadcasts.follow": PUBLIC,
    "broadcasts.confirm": exp(404),
    "broadcasts.unsubscribe": exp(404),
    # Following a search (the walk gives it words); a person's own subscriptions (signed
    # in), or an address's through its signed link (the walk's is not signed: 404).
    "broadcasts.follow_search": PUBLIC,
    "broadcasts.subscriptions": LOGGED_IN,
    "broadcasts.manage_link": exp(404),
    "publications.mine": DRAFTERS_A,
    "publications.new": DRAFTERS_A,
    "publications.manage": PUBLICATION_A,
    "publications.edit": allowed("main"),
    "publications.desk": allowed("main"),
    # The publication calendar: every agency's for the PPID Utama and the auditor, agency
    # A's for its humas and helper officers; A's plan is changed by them and the PPID Utama.
    "publications.calendar": allowed("helper_a", "humas_a", "main", "auditor"),
    "publications.plan": allowed("helper_a", "humas_a", "main"),
    # Accounts.
    "accounts.login": ANON_ONLY,
    "accounts.signup": ANON_ONLY,
    "accounts.change_password": LOGGED_IN,
    "accounts.account": LOGGED_IN,
    # The matrix has no e-mail-change token (tests/security/test_security_accounts.py uses
    # real ones): an invalid link sends everyone to the login page with a message.
    "accounts.email_change": exp(302),
    "accounts.users": MANAGE_ACCOUNTS,
    "accounts.user_new": MANAGE_ACCOUNTS,
    "accounts.user_edit": MANAGE_ACCOUNTS,
    # Agencies.
    "agencies.manage": MANAGE_AGENCIES,
    # An agency's official channels: its helper officers and the PPID Utama (policy edit).
    "agencies.channels": EDIT_A,
    "agencies.channel_edit": EDIT_A,
    "agencies.new": MANAGE_AGENCIES,
    "agencies.edit": MANAGE_AGENCIES,
    "agencies.officers": VIEW_A,
    "dashboard.index": STAFF,
    # Registry (officers).
    "registry.manage": EDIT_A,
    "registry.item_new": EDIT_A,
    "registry.item_edit": EDIT_A,
    "registry.item_withdraw": EDIT_A,
    "registry.version_upload": EDIT_A,
    "registry.nil_new": EDIT_A,
    "registry.exemption_new": EDIT_A,
    "registry.exemption_edit": EDIT_A,
    "registry.matrix": VIEW_ALL,
    "registry.catalogue": MANAGE_CATALOGUE,
    "registry.obligation_new": MANAGE_CATALOGUE,
    "registry.obligation_edit": MANAGE_CATALOGUE,
    # Disputes: the body's officers and atasan record them; the auditor reads.
    "disputes.index": allowed("helper_a", "atasan_a", "main", "auditor"),
    "disputes.detail": allowed("helper_a", "atasan_a", "main", "auditor"),
    # Requests.
    "requests.mine": allowed("owner", "citizen"),
    "requests.queue": allowed("helper_a", "main", "auditor"),
    "requests.export_csv": allowed("helper_a", "main", "auditor"),
    "requests.enter": allowed("helper_a", "main"),
    "requests.objection_enter": allowed("helper_a", "main"),
    # Ground b without a request (issue #16): a signed-in citizen files online; the officers
    # register one received on paper; its tracking page and letters are its token's or its
    # citizen's (the matrix's ref is a request's id: no such objection, 404; the real
    # owner, token and foreign checks: tests/web/test_objection_ground_b.py).
    "requests.periodic_object": allowed("owner", "citizen"),
    "requests.periodic_objection_enter": allowed("helper_a", "main"),
    "requests.track_objection": exp(404, anon=ANON_LOGIN),
    "requests.track_objection_letter": exp(404, anon=ANON_LOGIN),
    # The proxy's power of attorney (A's objection is filed by a proxy online): whoever
    # sees the objector's data, never the auditor.
    "requests.objection_proxy_letter": allowed("owner", "helper_a", "atasan_a", "main"),
    # The atasan is sent from the request to the objection page they decide.
    "requests.detail": READ_REQUEST_A,
    # The decision's second step is for the request's handlers; A's request is decided
    # already, so they are sent back to the request's page (tests/web/test_request_page.py).
    "requests.decision": {**allowed("helper_a", "main"), "helper_a": 302, "main": 302},
    "requests.officer_letter": REQUEST_A_PERSONAL,
    "requests.officer_file": REQUEST_A_PERSONAL,
    "requests.track": REQUEST_A_PERSONAL,
    "requests.receipt": REQUEST_A_PERSONAL,
    "requests.track_letter": REQUEST_A_PERSONAL,
    "requests.track_file": REQUEST_A_PERSONAL,
    "requests.track_object": REQUEST_A_PERSONAL,
    "requests.objections": allowed("atasan_a", "main", "auditor"),
    "requests.objection_detail": READ_OBJECTION_A,
    "requests.objection_letter": OBJECTION_A,
    "requests.registers_index": REGISTER_A,
    "requests.register_requests": REGISTER_ALL,
    "requests.register_requests_csv": REGISTER_ALL,
    "requests.register_requests_pdf": REGISTER_ALL,
    "requests.register_objections": REGISTER_ALL,
    "requests.register_objections_csv": REGISTER_ALL,
    "requests.register_objections_pdf": REGISTER_ALL,
    "requests.agency_register_requests": REGISTER_A,
    "requests.agency_register_requests_csv": REGISTER_A,
    "requests.agency_register_requests_pdf": REGISTER_A,
    "requests.agency_register_objections": REGISTER_A,
    "requests.agency_register_objections_csv": REGISTER_A,
    "requests.agency_register_objections_pdf": REGISTER_A,
    "requests.officer_search": allowed("helper_a", "atasan_a", "main"),
    # Reports.
    "reports.compliance": VIEW_ALL,
    "reports.agency_compliance": VIEW_ALL,
    "reports.audit_report": VIEW_ALL,
    "reports.annual_consolidated": VIEW_ALL,
    "reports.index": allowed("helper_a", "atasan_a", "main", "auditor", "admin"),
    "reports.annual_agency": VIEW_A,
    "reports.annual_text": VIEW_A,
}

# Routes that answer POST only: covered by the CSRF test and the auditor sweep.
POST_ONLY = {
    "core.calendar_delete", "accounts.logout", "accounts.role_remove",
    "accounts.logout_everywhere", "accounts.user_reset_password", "accounts.user_set_password",
    "agencies.toggle", "registry.item_publish", "registry.exemption_approve",
    "requests_api.submit",
    "requests.act_attach", "requests.act_extend", "requests.act_process",
    "requests.act_redact", "requests.act_review_subject", "requests.act_withdraw", "requests.act_forward",
    "requests.act_assign", "requests.act_close", "requests.objection_decide",
    "requests.objection_carry_out",
    "disputes.file", "disputes.step", "disputes.received", "disputes.court",
    "disputes.court_decision", "disputes.execution", "requests.track_withdraw",
    "reports.publish_summary", "reports.record_submission",
    "reports.record_consolidated_submission", "evaluation.emonev_attest",
    "evaluation.emonev_withdraw", "evaluation.emonev_questions_save",
    "publications.photo_add", "publications.photo_remove", "publications.attachment_add",
    "publications.attachment_remove", "publications.submit", "publications.send_back",
    "publications.schedule", "publications.publish", "publications.withdraw",
    "requests.act_deliver", "accounts.profile",
    "broadcasts.post_update", "broadcasts.end", "agencies.channel_remove",
    # One's own subscription only (signed in, or the address's signed link): 404 otherwise.
    "broadcasts.subscription_change", "broadcasts.manage_link_change",
    "broadcasts.manage_link_renew",
}


def primary_params(w):
    """URL parameters by name, all pointing at agency A's objects."""
    return {"slug": w.a, "item_id": w.item_a, "number": 1, "code": "a",
            "obligation_id": w.ob_id, "exemption_id": w.ex_a, "objection_id": w.obj_a,
            "letter_id": w.letter_a, "att_id": w.att_a, "request_id": w.req_a,
            "ref": str(w.req_a), "registration_number": w.number_a, "year": w.year,
            "fmt": "csv", "token": w.reset_token, "user_id": w.users["owner"],
            "role_id": w.role_id, "entry_id": w.entry_id, "attestation_id": w.ev_a,
            "pub_id": w.pub_a, "photo_id": w.photo_a, "file_id": w.file_a,
            "dispute_id": w.dispute_a, "case_id": w.case_a, "broadcast_id": w.broadcast_a,
            "sub_id": w.sub_a, "signed": "ohne-signatur", "channel_id": w.ch_a,
            "indicator": "jenis_informasi"}


def foreign_params(w):
    """The same names pointing at agency B's objects / the other citizen's request."""
    return {"slug": w.b, "item_id": w.item_b, "exemption_id": w.ex_b, "objection_id": w.obj_b,
            "letter_id": w.letter_b, "att_id": w.att_b, "request_id": w.req_b,
            "ref": str(w.req_b), "attestation_id": w.ev_b, "pub_id": w.pub_b,
            "dispute_id": w.dispute_b, "case_id": w.case_b, "broadcast_id": w.broadcast_b,
            "channel_id": w.ch_b}


QUERY = {"api.deadline": "?from=2026-03-16&working_days=10",
         "search_api.api_search": "?q=profil",
         "broadcasts.follow_search": "?q=profil"}


def rules_by_endpoint(app, method):
    out = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint != "static" and method in rule.methods:
            out.setdefault(rule.endpoint, rule)
    return out


def build(app, rule, params):
    missing = [a for a in rule.arguments if a not in params]
    assert not missing, (f"{rule.endpoint}: no seeded value for URL parameter(s) {missing}; "
                         f"add them to primary_params()")
    with app.test_request_context():
        from flask import url_for
        url = url_for(rule.endpoint, **{a: params[a] for a in rule.arguments})
    return url.replace("http://localhost", "") + QUERY.get(rule.endpoint, "")


def test_every_endpoint_is_classified(app):
    gets = set(rules_by_endpoint(app, "GET"))
    posts = set(rules_by_endpoint(app, "POST"))
    unclassified = sorted((gets - set(EXPECT)) | ((posts - gets) - POST_ONLY))
    assert not unclassified, f"new routes to classify in tests/security: {unclassified}"
    stale = sorted((set(EXPECT) - gets) | (POST_ONLY - (posts - gets)))
    assert not stale, f"routes in the security table that no longer exist: {stale}"


def _check(resp, expected, where):
    status = resp.status_code
    ok = status in expected if isinstance(expected, (set, tuple)) else status == expected
    if ok and status == ANON_LOGIN and expected == ANON_LOGIN and where[1] == "anon":
        ok = "/masuk" in resp.headers.get("Location", "")
    return None if ok else f"{where}: expected {expected}, got {status}"


def test_authorisation_matrix(app):
    """One walk over every GET route as every role (one seeded world for the whole walk)."""
    w = seed_world(app)
    rules = rules_by_endpoint(app, "GET")
    prim, foreign = primary_params(w), foreign_params(w)
    clients = {role: login_as(app, w, role) for role in ROLES}
    failures, object_checks = [], 0
    for endpoint in sorted(rules):
        rule = rules[endpoint]
        url = build(app, rule, prim)
        expected = EXPECT[endpoint]
        for role in ROLES:
            resp = clients[role].get(url)
            failures.append(_check(resp, expected[role], (endpoint, role, url)))
        # Object level: the same route on agency B's objects / another citizen's request.
        if not set(rule.arguments) & set(foreign) or expected == PUBLIC:
            continue
        furl = build(app, rule, {**prim, **foreign})
        for role in ("owner", "helper_a", "atasan_a"):
            resp = clients[role].get(furl)
            want = {403, 404} if expected[role] in (200, 302) else expected[role]
            failures.append(_check(resp, want, (endpoint, role, furl)))
            object_checks += 1
    assert object_checks > 60  # the object-level variants really ran
    failures = [f for f in failures if f]
    assert not failures, "\n".join(failures)


def test_tracking_token_is_a_capability_but_a_wrong_one_is_404(app):
    w = seed_world(app)
    for role in ("anon", "citizen", "auditor"):
        c = login_as(app, w, role)
        assert c.get(f"/lacak/{w.token}").status_code == 200
        assert c.get(f"/lacak/{w.token}x").status_code == 404
        # A token opens its own request only: not another one's files or letters.
        assert c.get(f"/lacak/{w.token}/berkas/{w.att_a}").status_code == 404
        assert c.get(f"/lacak/{w.token}/surat/{w.letter_a}").status_code == 404


def test_auditor_changes_nothing(app):
    """The auditor POSTs to every POST route with empty and with minimal data: no 5xx and
    no row anywhere changes."""
    w = seed_world(app)
    auditor = login_as(app, w, "auditor")
    prim = primary_params(w)
    rules = rules_by_endpoint(app, "POST")
    # /keluar and /akun/keluar-semua last: they end the auditor's own session (recording
    # that: the ended login, the audit event), which changes nothing else.
    session_ending = ("accounts.logout", "accounts.logout_everywhere")
    order = sorted(rules, key=lambda e: (e in session_ending, e))
    minimal = {"note": "x", "reason": "x", "reasons": "x", "decision": "menguatkan",
               "outcome": "tidak_dikuasai", "holding_body": "x", "lang": "en",
               "name": "x", "title": "x", "summary": "x", "statement": "x",
               "grounds": "a", "day_on": "2026-12-30", "redacted_subject": "x",
               "new_due_on": "2030-01-01", "filed_on": "2026-01-01", "save": "1"}
    failures = []
    before = table_counts(app)
    for endpoint in order:
        url = build(app, rules[endpoint], prim)
        for data in ({}, minimal):
            resp = auditor.post(url, data=data)
            if resp.status_code >= 500:
                failures.append(f"{endpoint} {url}: {resp.status_code}")
            officer_route = url.startswith("/kelola/") or endpoint in (
                "core.calendar", "core.calendar_delete")
            if officer_route and resp.status_code != 403:
                failures.append(f"{endpoint} {url}: {resp.status_code}, expected 403")
            after = table_counts(app)
            changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
            if changed and (endpoint not in session_ending
                            or set(changed) - {"ended_login", "audit_event"}):
                failures.append(f"{endpoint} {url} ({resp.status_code}) changed {changed}")
                before = after
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ["anon", "citizen"])
def test_outsiders_cannot_post_to_officer_routes(app, role):
    """Every officer POST route refuses anonymous users (login) and citizens (403)."""
    w = seed_world(app)
    c = login_as(app, w, role)
    prim = primary_params(w)
    before = table_counts(app)
    failures = []
    for endpoint, rule in sorted(rules_by_endpoint(app, "POST").items()):
        if not rule.rule.startswith("/kelola/") and endpoint not in (
                "core.calendar", "core.calendar_delete"):
            continue
        resp = c.post(build(app, rule, prim), data={"note": "x", "reason": "x"})
        want = (302, 401) if role == "anon" else (403,)
        if resp.status_code not in want:
            failures.append(f"{endpoint} as {role}: {resp.status_code}")
    assert table_counts(app) == before
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ["helper_a", "atasan_a", "humas_a"])
def test_agency_a_officers_cannot_post_on_agency_b_objects(app, role):
    """Object-level checks on writes: every officer POST route, pointed at agency B's
    objects by changing the id or slug, refuses agency A's officers and changes nothing."""
    w = seed_world(app)
    c = login_as(app, w, role)
    params = {**primary_params(w), **foreign_params(w)}
    before = table_counts(app)
    failures, checked = [], 0
    for endpoint, rule in sorted(rules_by_endpoint(app, "POST").items()):
        if not rule.rule.startswith("/kelola/") or not set(rule.arguments) & set(
                foreign_params(w)):
            continue
        resp = c.post(build(app, rule, params), data={
            "note": "x", "reason": "x", "reasons": "x", "decision": "menguatkan",
            "redacted_subject": "x", "outcome": "tidak_dikuasai", "holding_body": "x"})
        checked += 1
        if resp.status_code not in (403, 404):
            failures.append(f"{endpoint} as {role}: {resp.status_code}")
    assert checked >= 12
    assert not failures, "\n".join(failures)
    assert table_counts(app) == before
