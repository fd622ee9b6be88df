"""E-mail addresses (issue 12, findings 1 and 8): look-alike addresses mixing scripts are
refused wherever an address is set; addresses are compared NFKC-normalised and case-folded
(login, sign-up, reset, e-mail change); an owner's own e-mail change is confirmed from the
new address and announced to the old one, which can cancel it.
"""
import re

import pytest
import sqlalchemy as sa

from ppid.accounts import rules
from ppid.accounts.models import EmailChange, User
from ppid.accounts.services import find_user_by_email
from ppid.core import auth
from ppid.core.mail import deliver_pending
from ppid.extensions import db
from tests.conftest import TEST_PASSWORD, make_user

CYRILLIC_A = "\u0430"
LOOKALIKE = f"w{CYRILLIC_A}rga@uji.go.id"          # wаrga: Latin w, r, g + Cyrillic а
FULLWIDTH = "ｗａｒｇａ@ｕｊｉ.ｇｏ.ｉｄ"
MIXED_MESSAGE = "mencampur huruf dari beberapa aksara"


# --- The rules (pure functions) ---------------------------------------------------------

@pytest.mark.parametrize("address, canonical", [
    ("Warga@Uji.Go.Id", "warga@uji.go.id"),
    (FULLWIDTH, "warga@uji.go.id"),
    ("  warga@uji.go.id ", "warga@uji.go.id"),
    ("STRASSE@uji.de", "strasse@uji.de"),
    ("straße@uji.de", "strasse@uji.de"),
])
def test_canonical_form(address, canonical):
    assert rules.canonical_email(address) == canonical


@pytest.mark.parametrize("address", [
    LOOKALIKE,
    f"warga@uj{CYRILLIC_A}.go.id",                 # in the domain
    "p\u0430ypal@uji.go.id",
    "w\u03b1rga@uji.go.id",                        # Greek alpha
])
def test_mixed_scripts_are_refused(address):
    assert rules.email_problem(address) == rules.MIXED_SCRIPTS


@pytest.mark.parametrize("address", [
    "warga@uji.go.id", "warga.123+tag@uji.go.id", FULLWIDTH,
    "почта@пример.рф",                             # one script per part: a real address
    "warga@пример.рф",
])
def test_single_script_addresses_pass(address):
    assert rules.email_problem(address) is None


def test_an_address_too_long_once_normalised_is_refused():
    # U+FDFA expands to 18 characters under NFKC.
    assert rules.email_problem("a" + "\ufdfa" * 20 + "@uji.go.id") == rules.TOO_LONG


# --- Sign-up, login, officer forms -----------------------------------------------------

def test_signup_refuses_a_lookalike_address(client):
    resp = client.post("/daftar", data={"name": "Peniru", "email": LOOKALIKE,
                                        "password": "Sandi-Warga-2026",
                                        "confirm": "Sandi-Warga-2026"})
    assert resp.status_code == 422
    assert MIXED_MESSAGE in resp.get_data(as_text=True)
    assert db.session.execute(sa.select(sa.func.count()).select_from(User)).scalar_one() == 0


@pytest.mark.parametrize("variant", ["WARGA@uji.go.id", FULLWIDTH, "Warga@UJI.go.id"])
def test_signup_with_a_variant_of_a_registered_address_makes_no_second_account(
        client, factories, variant, smtp_server):
    factories.user(auth.CITIZEN, email="warga@uji.go.id", name="Pemilik")
    db.session.commit()
    resp = client.post("/daftar", data={"name": "Orang Lain", "email": variant,
                                        "password": "Sandi-Warga-2026",
                                        "confirm": "Sandi-Warga-2026"})
    assert resp.status_code == 302
    assert db.session.execute(sa.select(sa.func.count()).select_from(User)).scalar_one() == 1
    deliver_pending()
    assert [m["to"] for m in smtp_server.messages] == [["warga@uji.go.id"]]


def test_the_database_refuses_two_accounts_differing_only_in_case(ctx):
    make_user(auth.CITIZEN, email="dua@uji.go.id")
    db.session.commit()
    db.session.add(User(email="DUA@uji.go.id", email_normalised="dua@uji.go.id", name="x",
                        password_hash="x"))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("variant", ["WARGA@UJI.GO.ID", FULLWIDTH, " warga@uji.go.id"])
def test_login_with_a_variant(client, factories, variant):
    factories.user(auth.CITIZEN, email="warga@uji.go.id")
    db.session.commit()
    resp = client.post("/masuk", data={"email": variant, "password": TEST_PASSWORD})
    assert resp.status_code == 302


def test_login_throttle_counts_variants_as_one_account(client, factories, app):
    factories.user(auth.CITIZEN, email="warga@uji.go.id")
    db.session.commit()
    variants = ["warga@uji.go.id", "WARGA@uji.go.id", FULLWIDTH, "Warga@Uji.go.id",
                "warga@UJI.GO.ID"]
    for v in variants[:app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]]:
        client.post("/masuk", data={"email": v, "password": "salah-sekali-1"})
    resp = client.post("/masuk", data={"email": "warga@uji.go.id", "password": TEST_PASSWORD})
    assert resp.status_code == 429


def test_officer_forms_refuse_lookalikes_and_variants(app):
    with app.app_context():
        make_user(auth.ADMIN, email="admin@uji.go.id")
        target = make_user(auth.CITIZEN, email="warga@uji.go.id", name="Warga")
        make_user(auth.CITIZEN, email="lain@uji.go.id")
        db.session.commit()
        target_id = target.id
    c = app.test_client()
    assert c.post("/masuk", data={"email": "admin@uji.go.id",
                                  "password": TEST_PASSWORD}).status_code == 302
    new = {"name": "Baru", "is_enabled": "y", "pw-password": "Sandi-Kuat-2026",
           "pw-confirm": "Sandi-Kuat-2026"}
    resp = c.post("/kelola/pengguna/baru", data={**new, "email": LOOKALIKE})
    assert resp.status_code == 422 and MIXED_MESSAGE in resp.get_data(as_text=True)
    resp = c.post("/kelola/pengguna/baru", data={**new, "email": "LAIN@uji.go.id"})
    assert resp.status_code == 422
    assert "E-mail ini sudah dipakai akun lain." in resp.get_data(as_text=True)
    edit = {"save": "1", "name": "Warga", "is_enabled": "y"}
    resp = c.post(f"/kelola/pengguna/{target_id}", data={**edit, "email": LOOKALIKE})
    assert resp.status_code == 422 and MIXED_MESSAGE in resp.get_data(as_text=True)
    resp = c.post(f"/kelola/pengguna/{target_id}", data={**edit, "email": "Lain@Uji.go.id"})
    assert resp.status_code == 422
    assert "E-mail ini sudah dipakai akun lain." in resp.get_data(as_text=True)
    # The same address in another case or width is no change at all.
    resp = c.post(f"/kelola/pengguna/{target_id}", data={**edit, "email": FULLWIDTH})
    assert resp.status_code == 302
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(
            EmailChange)).scalar_one() == 0
        assert db.session.get(User, target_id).email == "warga@uji.go.id"


def test_services_refuse_a_lookalike_too(ctx):
    with pytest.raises(rules.InvalidEmail):
        make_user(auth.ADMIN, email=LOOKALIKE)


# --- The owner's own e-mail change -----------------------------------------------------

def _signed_in(app, email, password=TEST_PASSWORD):
    c = app.test_client()
    assert c.post("/masuk", data={"email": email, "password": password}).status_code == 302
    return c


def _link(smtp_server, to, pattern=r"https?://\S+/akun/email/\S+"):
    """The path of the newest link matching ``pattern`` mailed to ``to``, and its mail."""
    mails = [m for m in smtp_server.messages if m["to"] == [to] and re.search(pattern, m["body"])]
    assert mails, f"no mail to {to} with {pattern}"
    return re.search(pattern, mails[-1]["body"]).group(0).split("localhost", 1)[1], mails[-1]


def test_owner_changes_their_email_with_confirmation(app, smtp_server):
    with app.app_context():
        user = make_user(auth.CITIZEN, email="lama@uji.go.id", name="Warga Pemilik")
        db.session.commit()
        user_id = user.id
    c = _signed_in(app, "lama@uji.go.id")
    assert c.get("/akun").status_code == 200
    # The current password is asked for (a stolen session alone cannot move the account).
    resp = c.post("/akun", data={"new_email": "baru@uji.go.id", "current_password": "salah-1234"})
    assert resp.status_code == 422
    assert "Kata sandi saat ini salah." in resp.get_data(as_text=True)
    resp = c.post("/akun", data={"new_email": LOOKALIKE, "current_password": TEST_PASSWORD})
    assert resp.status_code == 422 and MIXED_MESSAGE in resp.get_data(as_text=True)
    resp = c.post("/akun", data={"new_email": "baru@uji.go.id",
                                 "current_password": TEST_PASSWORD}, follow_redirects=True)
    assert "Kami telah mengirim tautan konfirmasi ke baru@uji.go.id" in resp.get_data(as_text=True)
    with app.app_context():
        deliver_pending()
        assert db.session.get(User, user_id).email == "lama@uji.go.id"
    path, _mail = _link(smtp_server, "baru@uji.go.id")
    _cancel, notice = _link(smtp_server, "lama@uji.go.id")
    assert "Warga Pemilik" in notice["body"] and "baru@uji.go.id" in notice["body"]
    assert "pemilik akun sendiri" in notice["body"]
    # The account page shows the pending change.
    assert "baru@uji.go.id" in c.get("/akun").get_data(as_text=True)
    page = app.test_client().get(path).get_data(as_text=True)
    assert "baru@uji.go.id" in page and 'type="submit"' in page
    resp = app.test_client().post(path, follow_redirects=True)
    assert "Alamat e-mail akun Anda sekarang baru@uji.go.id" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, user_id).email == "baru@uji.go.id"


def test_old_address_cancels_a_pending_change(app, smtp_server):
    with app.app_context():
        make_user(auth.CITIZEN, email="lama@uji.go.id")
        db.session.commit()
    c = _signed_in(app, "lama@uji.go.id")
    c.post("/akun", data={"new_email": "pencuri@jahat.example", "current_password": TEST_PASSWORD})
    with app.app_context():
        deliver_pending()
    confirm, _m = _link(smtp_server, "pencuri@jahat.example")
    cancel, _m = _link(smtp_server, "lama@uji.go.id")
    assert confirm != cancel
    resp = app.test_client().post(cancel, follow_redirects=True)
    assert "Permintaan perubahan e-mail dibatalkan" in resp.get_data(as_text=True)
    resp = app.test_client().post(confirm, follow_redirects=True)
    assert "tidak berlaku" in resp.get_data(as_text=True)
    with app.app_context():
        assert find_user_by_email("lama@uji.go.id") is not None
        assert find_user_by_email("pencuri@jahat.example") is None


def test_a_newer_request_supersedes_the_older_link(app, smtp_server):
    with app.app_context():
        make_user(auth.CITIZEN, email="lama@uji.go.id")
        db.session.commit()
    c = _signed_in(app, "lama@uji.go.id")
    c.post("/akun", data={"new_email": "satu@uji.go.id", "current_password": TEST_PASSWORD})
    c.post("/akun", data={"new_email": "dua@uji.go.id", "current_password": TEST_PASSWORD})
    with app.app_context():
        deliver_pending()
    first, _m = _link(smtp_server, "satu@uji.go.id")
    second, _m = _link(smtp_server, "dua@uji.go.id")
    assert "tidak berlaku" in app.test_client().post(first, follow_redirects=True).get_data(
        as_text=True)
    app.test_client().post(second)
    with app.app_context():
        assert find_user_by_email("dua@uji.go.id") is not None


def test_an_address_taken_meanwhile_is_not_confirmed(app, smtp_server):
    with app.app_context():
        make_user(auth.CITIZEN, email="lama@uji.go.id")
        db.session.commit()
    c = _signed_in(app, "lama@uji.go.id")
    c.post("/akun", data={"new_email": "rebutan@uji.go.id", "current_password": TEST_PASSWORD})
    with app.app_context():
        deliver_pending()
        make_user(auth.CITIZEN, email="REBUTAN@uji.go.id")
        db.session.commit()
    path, _m = _link(smtp_server, "rebutan@uji.go.id")
    resp = app.test_client().post(path, follow_redirects=True)
    assert "sudah dipakai akun lain" in resp.get_data(as_text=True)
    with app.app_context():
        assert find_user_by_email("lama@uji.go.id") is not None


def test_self_service_change_to_a_registered_address_reveals_nothing(app, smtp_server):
    """The answer is the same as for a free address; the new address is told instead."""
    with app.app_context():
        make_user(auth.CITIZEN, email="lama@uji.go.id")
        make_user(auth.CITIZEN, email="terdaftar@uji.go.id")
        db.session.commit()
    c = _signed_in(app, "lama@uji.go.id")
    resp = c.post("/akun", data={"new_email": "Terdaftar@uji.go.id",
                                 "current_password": TEST_PASSWORD}, follow_redirects=True)
    assert "Kami telah mengirim tautan konfirmasi ke terdaftar@uji.go.id" in resp.get_data(
        as_text=True)
    with app.app_context():
        deliver_pending()
        assert db.session.execute(sa.select(sa.func.count()).select_from(
            EmailChange)).scalar_one() == 0
    mails = [m for m in smtp_server.messages if m["to"] == ["terdaftar@uji.go.id"]]
    assert len(mails) == 1 and "/akun/email/" not in mails[0]["body"]


def test_reset_links_die_when_the_address_changes(app, smtp_server):
    with app.app_context():
        make_user(auth.CITIZEN, email="lama@uji.go.id")
        db.session.commit()
    app.test_client().post("/lupa-sandi", data={"email": "lama@uji.go.id"})
    c = _signed_in(app, "lama@uji.go.id")
    c.post("/akun", data={"new_email": "baru@uji.go.id", "current_password": TEST_PASSWORD})
    with app.app_context():
        deliver_pending()
    reset, _m = _link(smtp_server, "lama@uji.go.id", r"https?://\S+/atur-sandi/\S+")
    confirm, _m = _link(smtp_server, "baru@uji.go.id")
    app.test_client().post(confirm)
    resp = app.test_client().post(reset, data={"password": "Sandi-Lain-2026",
                                               "confirm": "Sandi-Lain-2026"})
    assert resp.status_code == 302 and "lupa-sandi" in resp.headers["Location"]


def test_create_admin_refuses_a_lookalike_and_a_variant(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["ppid", "create-admin", "--email", LOOKALIKE,
                                 "--password", "Sandi-Admin-2026"])
    assert result.exit_code != 0 and MIXED_MESSAGE in result.output
    result = runner.invoke(args=["ppid", "create-admin", "--email", "admin@uji.go.id",
                                 "--password", "Sandi-Admin-2026"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["ppid", "create-admin", "--email", "ADMIN@Uji.go.id",
                                 "--password", "Sandi-Admin-2026"])
    assert result.exit_code != 0 and "sudah dipakai" in result.output
