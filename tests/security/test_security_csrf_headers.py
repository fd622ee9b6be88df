"""CSRF on every POST route, open redirects, security headers and cookie flags, throttles."""
import pytest

from tests.conftest import TEST_PASSWORD, base_config
from tests.security import login_as, seed_world, table_counts
from tests.security.test_security_authz import build, primary_params, rules_by_endpoint

# Who has the right to post to a route (the CSRF check must still stop them).
POSTER = {"requests.objection_decide": "atasan_a", "requests.track_withdraw": "owner",
          "requests.track_object": "owner", "accounts.login": "anon", "accounts.signup": "anon",
          "accounts.password_reset_request": "anon", "accounts.password_reset": "anon"}


# A mail client's one-click unsubscribe (RFC 8058) posts without a form token: the secret
# token in the address is the capability, and it can only stop mail.
CSRF_EXEMPT = {"broadcasts.unsubscribe"}


def test_csrf_is_enforced_on_every_post_route(app):
    w = seed_world(app)
    prim = primary_params(w)
    clients = {role: login_as(app, w, role) for role in ("anon", "main", "atasan_a", "owner")}
    before = table_counts(app)
    failures = []
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        for endpoint, rule in sorted(rules_by_endpoint(app, "POST").items()):
            if rule.rule.startswith("/api/v1/"):
                continue  # cookie-less JSON API, CSRF-exempt by design
            if endpoint in CSRF_EXEMPT:
                continue
            c = clients[POSTER.get(endpoint, "main")]
            data = {"note": "x", "reason": "x", "lang": "en", "email": w.emails["main"],
                    "password": TEST_PASSWORD, "name": "x", "title": "x", "decision": "x"}
            resp = c.post(build(app, rule, prim), data=data)
            body = resp.get_data(as_text=True)
            if resp.status_code != 400 or "CSRF" not in body:
                failures.append(f"{endpoint}: {resp.status_code}")
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert not failures, "\n".join(failures)
    assert table_counts(app) == before


def test_csrf_token_from_the_page_is_accepted(app):
    """The positive control: the same post with the page's token goes through."""
    from tests.conftest import csrf_token_from
    w = seed_world(app)
    main = login_as(app, w, "main")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        token = csrf_token_from(main.get("/kalender").get_data(as_text=True))
        assert token
        resp = main.post("/kalender", data={"csrf_token": token, "day_on": "2026-12-30",
                                            "reason": "Cuti bersama"})
        assert resp.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


EVIL = ["//evil.example", "//evil.example/x", "https://evil.example", "https://evil.example/",
        "http://evil.example", "/\\evil.example", "\\\\evil.example", "javascript:alert(1)",
        "JavaScript:alert(1)", " //evil.example", "/%09/evil.example", "https:evil.example",
        "///evil.example", "http://localhost@evil.example/"]


def _location_is_local(resp):
    """The raw Location header names this host: a path ("/x", never "//x" or "/\\x") or
    an absolute URL on localhost; never another scheme."""
    from urllib.parse import urlsplit
    loc = resp.headers.get("Location", "")
    if loc.startswith("http://localhost/"):
        return True
    parts = urlsplit(loc)
    return (loc.startswith("/") and not loc.startswith(("//", "/\\"))
            and not parts.scheme and not parts.netloc
            and all(ord(ch) > 32 for ch in loc))


@pytest.mark.parametrize("evil", EVIL)
def test_login_next_refuses_foreign_targets(app, evil):
    w = seed_world(app)
    c = login_as(app, w, "anon")
    resp = c.post("/masuk", query_string={"next": evil},
                  data={"email": w.emails["citizen"], "password": TEST_PASSWORD})
    assert resp.status_code == 302
    assert _location_is_local(resp), resp.headers["Location"]


@pytest.mark.parametrize("evil", EVIL)
def test_language_switch_refuses_foreign_targets(app, evil):
    c = app.test_client()
    resp = c.post("/bahasa", data={"lang": "en", "next": evil})
    assert resp.status_code == 302
    assert _location_is_local(resp), resp.headers["Location"]


def test_language_switch_keeps_a_local_target(app):
    resp = app.test_client().post("/bahasa", data={"lang": "en", "next": "/kalender?year=2026"})
    assert resp.headers["Location"].endswith("/kalender?year=2026")


def _header_problems(resp, where):
    h, problems = resp.headers, []
    csp = h.get("Content-Security-Policy", "")
    directives = {d.strip().split(" ")[0]: d.strip() for d in csp.split(";") if d.strip()}
    script = directives.get("script-src") or directives.get("default-src", "")
    if not script or "'unsafe-inline'" in script or "'unsafe-eval'" in script:
        problems.append(f"{where}: script-src allows inline script or is missing ({csp!r})")
    if "'unsafe-inline'" in directives.get("default-src", ""):
        problems.append(f"{where}: default-src has 'unsafe-inline'")
    if directives.get("frame-ancestors") != "frame-ancestors 'none'":
        problems.append(f"{where}: no frame-ancestors 'none' in {csp!r}")
    if h.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"{where}: X-Content-Type-Options {h.get('X-Content-Type-Options')!r}")
    if h.get("Referrer-Policy") not in ("same-origin", "no-referrer",
                                        "strict-origin-when-cross-origin"):
        problems.append(f"{where}: Referrer-Policy {h.get('Referrer-Policy')!r}")
    return problems


def _check_headers(resp, where):
    problems = _header_problems(resp, where)
    assert not problems, "\n".join(problems)


def test_security_headers_on_every_kind_of_response(app):
    w = seed_world(app)
    anon = login_as(app, w, "anon")
    helper = login_as(app, w, "helper_a")
    cases = {
        "public page": anon.get(f"/badan/{w.a}"),
        "officer page": helper.get("/dasbor"),
        "json api": anon.get("/api/v1/agencies"),
        "json error": anon.get("/api/v1/agencies/tidak-ada/obligations"),
        "file download": anon.get(f"/badan/{w.a}/dip/{w.item_a}/versi/1"),
        "csv export": anon.get(f"/badan/{w.a}/dip.csv"),
        "atom feed": anon.get("/dip.atom"),
        "error page": anon.get("/tidak-ada"),
        "letter": helper.get(f"/kelola/permohonan/{w.req_a}/surat/{w.letter_a}"),
    }
    problems = []
    for where, resp in cases.items():
        assert resp.status_code in (200, 404), (where, resp.status_code)
        problems += _header_problems(resp, where)
    # Officers' pages are not cached by shared caches.
    assert "no-store" in cases["officer page"].headers.get("Cache-Control", "")
    # A download is never sniffed into HTML.
    assert cases["file download"].headers["Content-Type"].startswith("application/pdf")
    assert not problems, "\n".join(problems)


def test_session_cookie_flags_in_testing_and_production(app, tmp_path):
    from ppid import create_app
    from ppid.extensions import db

    w = seed_world(app)
    resp = app.test_client().post("/masuk", data={"email": w.emails["citizen"],
                                                  "password": TEST_PASSWORD})
    cookie = next(c for c in resp.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie

    cfg = base_config(tmp_path / "data", f"sqlite:///{tmp_path / 'prod.sqlite3'}")
    cfg.update(ENV="production", TESTING=False, SECRET_KEY="k" * 40, WTF_CSRF_ENABLED=True)
    prod = create_app(cfg)
    with prod.app_context():
        db.create_all()
    resp = prod.test_client().get("/masuk", base_url="https://localhost")
    assert resp.status_code == 200
    cookie = next(c for c in resp.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "max-age" in resp.headers.get("Strict-Transport-Security", "")
    _check_headers(resp, "production login page")
    with prod.app_context():
        db.session.remove()
        db.engine.dispose()


# --- Throttles ----------------------------------------------------------------------------

def test_spoofed_forwarded_for_does_not_reset_the_login_throttle(app):
    """With TRUSTED_PROXIES=0 the X-Forwarded-For header is the client's word: it must not
    give an attacker a fresh address per attempt."""
    assert int(app.config["TRUSTED_PROXIES"]) == 0
    w = seed_world(app)
    app.config["LOGIN_MAX_FAILURES_PER_IP"] = 3
    try:
        c = app.test_client()
        for i in range(3):
            resp = c.post("/masuk", data={"email": f"tidak-ada-{i}@uji.go.id",
                                          "password": "salah-sekali-1"},
                          headers={"X-Forwarded-For": f"203.0.113.{i}",
                                   "X-Real-IP": f"203.0.113.{i}"})
            assert resp.status_code == 401
        resp = c.post("/masuk", data={"email": w.emails["citizen"], "password": TEST_PASSWORD},
                      headers={"X-Forwarded-For": "198.51.100.7", "X-Real-IP": "198.51.100.7"})
        assert resp.status_code == 429
        # Nor does a spoofed header reset the count of one account.
        app.config["LOGIN_MAX_FAILURES_PER_IP"] = 1000
        target = w.emails["owner"]
        for i in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
            c.post("/masuk", data={"email": target, "password": "salah-sekali-1"},
                   headers={"X-Forwarded-For": f"192.0.2.{i}"},
                   environ_base={"REMOTE_ADDR": f"10.0.0.{i + 1}"})
        resp = c.post("/masuk", data={"email": target, "password": TEST_PASSWORD},
                      environ_base={"REMOTE_ADDR": "10.9.9.9"})
        assert resp.status_code == 429
    finally:
        app.config["LOGIN_MAX_FAILURES_PER_IP"] = 30


def _request_form(agency_slug, **kw):
    data = {"name": "Warga Uji", "identity_type": "nik", "identity_number": "6171010203850001",
            "address": "Jl. Uji 1", "phone": "081234567890", "email": "warga@uji.id",
            "information": "Data anggaran 2025", "purpose": "Penelitian",
            "obtain_method": "salinan", "copy_form": "softcopy", "delivery": "email",
            "agency": agency_slug}
    data.update(kw)
    return data


def test_request_submission_rate_limit_holds_for_form_api_and_spoofed_headers(app):
    from ppid.extensions import db
    from ppid.info_requests.models import InfoRequest

    w = seed_world(app)
    before = table_counts(app)["info_request"]
    app.config.update(RATELIMIT_ENABLED=True, REQUEST_RATELIMIT="2 per hour")
    try:
        c = app.test_client()
        for _ in range(2):
            assert c.post("/permohonan/baru", data=_request_form(w.a)).status_code == 303
        resp = c.post("/permohonan/baru", data=_request_form(w.a),
                      headers={"X-Forwarded-For": "198.51.100.9"})
        assert resp.status_code == 429
        resp = c.post("/api/v1/requests", json={**_request_form(w.a), "agency": w.a},
                      headers={"X-Forwarded-For": "198.51.100.10"})
        assert resp.status_code == 429 and resp.json["error"] == "rate_limited"
        # Another real address is not affected.
        resp = c.post("/permohonan/baru", data=_request_form(w.a),
                      environ_base={"REMOTE_ADDR": "192.0.2.55"})
        assert resp.status_code == 303
    finally:
        app.config.update(RATELIMIT_ENABLED=False)
    with app.app_context():
        assert db.session.query(InfoRequest).count() == before + 3
        db.session.remove()


def test_mailed_links_do_not_follow_a_forged_host_header(tmp_path):
    """Password-reset poisoning: the link mailed to the account's owner must point at the
    registry (BASE_URL), not at whatever Host the requester sent. Checked on an app
    without SERVER_NAME, as deployed (the test app's SERVER_NAME would hide it)."""
    from ppid import create_app
    from ppid.core.models import OutboxMail
    from ppid.extensions import db
    from tests.conftest import make_user

    cfg = base_config(tmp_path / "data", f"sqlite:///{tmp_path / 'host.sqlite3'}")
    del cfg["SERVER_NAME"]
    cfg["BASE_URL"] = "https://ppid.kalbarprov.go.id"
    host_app = create_app(cfg)
    with host_app.app_context():
        db.create_all()
        make_user("citizen", email="korban@uji.go.id")
        db.session.commit()
    c = host_app.test_client()
    resp = c.post("/lupa-sandi", data={"email": "korban@uji.go.id"},
                  headers={"Host": "evil.example"})
    assert resp.status_code == 302
    # Signing up with a registered address mails its owner a link too.
    resp = c.post("/daftar", data={"name": "Korban", "email": "korban@uji.go.id",
                                   "password": "Sandi-Panjang-2026",
                                   "confirm": "Sandi-Panjang-2026"},
                  headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"})
    assert resp.status_code == 302
    with host_app.app_context():
        bodies = [m.body_text for m in db.session.query(OutboxMail).all()]
        db.session.remove()
        db.engine.dispose()
    assert len(bodies) == 2, bodies
    assert any("https://ppid.kalbarprov.go.id/atur-sandi/" in b for b in bodies), bodies
    for body in bodies:
        assert "evil.example" not in body, body
