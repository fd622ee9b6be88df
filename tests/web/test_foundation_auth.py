"""Accounts, login throttling, password reset, safe redirects, per-agency authorisation."""
import re

from ppid.core import auth
from ppid.core.mail import deliver_pending
from ppid.extensions import db
from tests.conftest import TEST_PASSWORD, login


def test_login_and_logout(client, factories):
    user = factories.user(auth.HELPER, factories.agency())
    db.session.commit()
    resp = login(client, user)
    assert resp.headers["Location"].endswith("/dasbor")
    assert client.get("/dasbor").status_code == 200
    resp = client.post("/keluar")
    assert resp.status_code == 302
    assert client.get("/dasbor").status_code == 302  # back to the login page


def test_wrong_password_is_refused_in_indonesian(client, factories):
    user = factories.user(auth.CITIZEN)
    db.session.commit()
    resp = client.post("/masuk", data={"email": user.email, "password": "salah-sekali-1"})
    assert resp.status_code == 401
    assert "E-mail atau kata sandi salah." in resp.get_data(as_text=True)


def test_login_is_throttled_per_account(client, factories, app):
    user = factories.user(auth.CITIZEN)
    db.session.commit()
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit):
        client.post("/masuk", data={"email": user.email, "password": "salah-sekali-1"})
    # Even the right password is refused while the account is throttled.
    resp = client.post("/masuk", data={"email": user.email, "password": TEST_PASSWORD})
    assert resp.status_code == 429
    assert "Terlalu banyak percobaan" in resp.get_data(as_text=True)


def test_login_is_throttled_per_address(client, factories, app):
    app.config["LOGIN_MAX_FAILURES_PER_IP"] = 3
    try:
        user = factories.user(auth.CITIZEN)
        db.session.commit()
        for i in range(3):
            client.post("/masuk", data={"email": f"tidak-ada-{i}@uji.go.id", "password": "x1234567890"})
        resp = client.post("/masuk", data={"email": user.email, "password": TEST_PASSWORD})
        assert resp.status_code == 429
    finally:
        app.config["LOGIN_MAX_FAILURES_PER_IP"] = 30


def test_passwords_are_hashed(ctx, factories):
    user = factories.user(auth.CITIZEN)
    assert TEST_PASSWORD not in user.password_hash
    assert user.password_hash.startswith(("pbkdf2:", "scrypt:"))


def test_safe_next_redirect(client, factories):
    user = factories.user(auth.CITIZEN)
    db.session.commit()
    for evil in ("https://evil.example/", "//evil.example/x", "\\\\evil.example", "javascript:alert(1)"):
        resp = client.post(f"/masuk?next={evil}", data={"email": user.email, "password": TEST_PASSWORD})
        assert resp.status_code == 302
        assert "evil" not in resp.headers["Location"] and "javascript" not in resp.headers["Location"]
        client.post("/keluar")
    resp = client.post("/masuk?next=/kalender", data={"email": user.email, "password": TEST_PASSWORD})
    assert resp.headers["Location"].endswith("/kalender")


def test_password_reset_over_real_smtp(client, factories, smtp_server):
    user = factories.user(auth.CITIZEN, email="lupa@uji.go.id")
    db.session.commit()
    resp = client.post("/lupa-sandi", data={"email": "lupa@uji.go.id"})
    assert resp.status_code == 302
    deliver_pending()
    assert len(smtp_server.messages) == 1
    mail = smtp_server.messages[0]
    assert mail["to"] == ["lupa@uji.go.id"]
    link = re.search(r"https?://\S+/atur-sandi/\S+", mail["body"]).group(0)
    path = link.split("localhost", 1)[1]
    resp = client.post(path, data={"password": "Sandi-Baru-2026", "confirm": "Sandi-Baru-2026"})
    assert resp.status_code == 302
    assert client.post("/masuk", data={"email": user.email, "password": "Sandi-Baru-2026"}).status_code == 302
    client.post("/keluar")
    # The token dies once used: the password it was made for has changed.
    resp = client.post(path, data={"password": "Sandi-Lain-2026", "confirm": "Sandi-Lain-2026"})
    assert resp.status_code == 302 and "lupa-sandi" in resp.headers["Location"]


def test_reset_for_unknown_address_says_the_same_and_sends_nothing(client, smtp_server):
    resp = client.post("/lupa-sandi", data={"email": "siapa@uji.go.id"}, follow_redirects=True)
    assert "Jika alamat itu terdaftar" in resp.get_data(as_text=True)
    deliver_pending()
    assert smtp_server.messages == []


def test_helper_of_one_agency_cannot_see_another_agencys_officers(client, factories):
    mine, theirs = factories.agency(), factories.agency()
    user = factories.user(auth.HELPER, mine)
    db.session.commit()
    login(client, user)
    assert client.get(f"/kelola/badan-publik/{mine.slug}/petugas").status_code == 200
    assert client.get(f"/kelola/badan-publik/{theirs.slug}/petugas").status_code == 403
    assert client.get(f"/kelola/badan-publik/{theirs.slug}/ubah").status_code == 403


def test_auditor_reads_but_changes_nothing(client, factories):
    agency = factories.agency()
    auditor = factories.user(auth.AUDITOR)
    db.session.commit()
    login(client, auditor)
    assert client.get(f"/kelola/badan-publik/{agency.slug}/petugas").status_code == 200
    for method, url, data in [
        ("post", "/kelola/badan-publik/baru", {"name": "X", "slug": "x", "kind": "pembantu", "parent_id": 0}),
        ("post", f"/kelola/badan-publik/{agency.slug}/ubah", {"name": "X", "slug": "x"}),
        ("post", f"/kelola/badan-publik/{agency.slug}/status", {}),
        ("post", "/kelola/pengguna/baru", {}),
        ("post", "/kalender", {"day_on": "2026-12-01", "reason": "x"}),
        ("get", "/kelola/pengguna", None),
        ("get", "/kelola/badan-publik/baru", None),
    ]:
        resp = getattr(client, method)(url, data=data)
        assert resp.status_code == 403, (method, url)
    db.session.expire_all()
    assert db.session.get(type(agency), agency.id).is_active


def test_anonymous_is_sent_to_login(client):
    resp = client.get("/kelola/badan-publik")
    assert resp.status_code == 302 and "/masuk" in resp.headers["Location"]


def test_officer_management(client, factories):
    agency = factories.agency()
    main = factories.user(auth.MAIN)
    db.session.commit()
    login(client, main)
    resp = client.post("/kelola/pengguna/baru", data={
        "name": "Petugas Baru", "email": "baru@uji.go.id", "is_enabled": "y",
        "pw-password": "Sandi-Kuat-2026", "pw-confirm": "Sandi-Kuat-2026"})
    assert resp.status_code == 302
    from ppid.accounts.services import find_user_by_email
    new = find_user_by_email("baru@uji.go.id")
    # A helper role needs an agency.
    resp = client.post(f"/kelola/pengguna/{new.id}", data={"add_role": "1", "role-role": "helper",
                                                         "role-agency_id": "0"})
    assert resp.status_code == 422
    assert "harus terikat pada satu badan publik" in resp.get_data(as_text=True)
    resp = client.post(f"/kelola/pengguna/{new.id}", data={"add_role": "1", "role-role": "helper",
                                                         "role-agency_id": str(agency.id)})
    assert resp.status_code == 302
    db.session.expire_all()
    assert find_user_by_email("baru@uji.go.id").has_role(auth.HELPER, agency.id)
    # Only an administrator hands out the auditor role.
    resp = client.post(f"/kelola/pengguna/{new.id}", data={"add_role": "1", "role-role": "auditor",
                                                         "role-agency_id": "0"})
    assert resp.status_code == 403


def test_citizen_signs_up_and_logs_in(client, smtp_server):
    resp = client.post("/daftar", data={"name": "Warga Baru", "email": "Warga@Uji.go.id",
                                        "password": "Sandi-Warga-2026",
                                        "confirm": "Sandi-Warga-2026"})
    assert resp.status_code == 302
    from ppid.accounts.services import find_user_by_email
    user = find_user_by_email("warga@uji.go.id")
    assert user.has_role(auth.CITIZEN) and len(user.roles) == 1
    deliver_pending()
    assert smtp_server.messages[0]["to"] == ["warga@uji.go.id"]
    assert client.post("/masuk", data={"email": "warga@uji.go.id",
                                       "password": "Sandi-Warga-2026"}).status_code == 302


def test_signup_bad_input_and_existing_address(client, factories):
    factories.user(auth.CITIZEN, email="ada@uji.go.id")
    db.session.commit()
    resp = client.post("/daftar", data={"name": "", "email": "tanpa-at", "password": "pendek",
                                        "confirm": "lain"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "Wajib diisi." in html and "Alamat e-mail tidak valid" in html
    assert "Kata sandi minimal 10 karakter." in html and "Kedua kata sandi tidak sama." in html
    # An existing address gets the same answer (no account discovery) and no second account.
    resp = client.post("/daftar", data={"name": "Orang Lain", "email": "ada@uji.go.id",
                                        "password": "Sandi-Warga-2026",
                                        "confirm": "Sandi-Warga-2026"})
    assert resp.status_code == 302
    from ppid.accounts.services import find_user_by_email
    assert find_user_by_email("ada@uji.go.id").name != "Orang Lain"


def test_signup_honeypot(client):
    resp = client.post("/daftar", data={"name": "Bot", "email": "bot@uji.go.id",
                                        "password": "Sandi-Warga-2026",
                                        "confirm": "Sandi-Warga-2026", "website": "http://spam"})
    assert resp.status_code == 400
    from ppid.accounts.services import find_user_by_email
    assert find_user_by_email("bot@uji.go.id") is None
