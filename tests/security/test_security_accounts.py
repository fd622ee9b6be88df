"""Account management (issue 12, finding 1): who may change whose account.

The matrix is generated from the roles: every actor role x every kind of target account x
every account-management action, through the web test client, against the rule table
written out below (independently of ``ppid.core.auth``): a refused action answers 403 and
leaves the target's row, roles, pending e-mail changes, the outbox and the audit log as
they were; an allowed one does what it says. Then the reported takeover path, end to end.
"""
import re

import pytest
import sqlalchemy as sa
from werkzeug.security import check_password_hash

from ppid.accounts import services
from ppid.accounts.models import EmailChange, User
from ppid.core import auth
from ppid.core.mail import deliver_pending
from ppid.core.models import AuditEvent, OutboxMail
from ppid.extensions import db
from tests.conftest import TEST_PASSWORD, make_agency, make_user

NEW_PASSWORD = "Sandi-Matriks-2026"

# --- The rule table -----------------------------------------------------------------
# Who may manage an account holding (at most) a given role, and which roles each may grant
# or revoke. "none" is an account with no role yet (just created by an officer).
MAY_MANAGE = {
    auth.ADMIN: {"none", auth.CITIZEN, auth.HELPER, auth.ATASAN, auth.MAIN, auth.AUDITOR,
                 auth.ADMIN, auth.HUMAS},
    # Humas (an agency's public-relations staff, issue #19) ranks like a helper officer.
    auth.MAIN: {"none", auth.CITIZEN, auth.HELPER, auth.ATASAN, auth.HUMAS},
}
MAY_GRANT = {
    auth.ADMIN: set(auth.ROLES),
    auth.MAIN: {auth.CITIZEN, auth.HELPER, auth.ATASAN, auth.HUMAS},
}
TARGETS = ("none",) + auth.ROLES
ACTIONS = (("edit_email", "edit_name", "disable", "enable", "reset_password", "set_password")
           + tuple(f"grant:{r}" for r in auth.ROLES) + ("revoke",))


def test_the_rule_table_covers_every_role():
    """A new role must be placed in the table (and in ppid.core.auth's rank) deliberately."""
    assert set(auth.ROLES) == {auth.CITIZEN, auth.HELPER, auth.MAIN, auth.ATASAN, auth.AUDITOR,
                               auth.ADMIN, auth.HUMAS}, "a new role: add it to MAY_MANAGE / MAY_GRANT"


def expected(actor_role, target_role, action):
    if target_role not in MAY_MANAGE.get(actor_role, ()):
        return False
    if action.startswith("grant:"):
        return action.split(":", 1)[1] in MAY_GRANT[actor_role]
    if action == "revoke":
        return target_role in MAY_GRANT[actor_role]
    return True


def applies(target_role, action):
    if action == "revoke":
        return target_role != "none"
    if action.startswith("grant:"):
        # Granting a role the account already holds (for the same agency) changes nothing.
        return action.split(":", 1)[1] != target_role
    return True


# --- Helpers ------------------------------------------------------------------------

def _world(app):
    with app.app_context():
        agency = make_agency()
        actors = {role: make_user(role, agency if role in auth.AGENCY_BOUND_ROLES else None,
                                  email=f"aktor-{role}@uji.go.id") for role in auth.ROLES}
        db.session.commit()
        return agency.id, {role: u.email for role, u in actors.items()}


def _client(app, email):
    c = app.test_client()
    resp = c.post("/masuk", data={"email": email, "password": TEST_PASSWORD})
    assert resp.status_code == 302, email
    return c


def _target(app, agency_id, target_role, n, *, enabled=True):
    with app.app_context():
        from ppid.agencies.models import Agency
        agency = db.session.get(Agency, agency_id)
        role = None if target_role == "none" else target_role
        user = make_user(role, agency if role in auth.AGENCY_BOUND_ROLES else None,
                         email=f"sasaran-{n}@uji.go.id", name=f"Sasaran {n}")
        user.is_enabled = enabled
        db.session.commit()
        return user.id, user.email, user.name, (user.roles[0].id if user.roles else None)


def _snapshot(app, user_id):
    with app.app_context():
        u = db.session.get(User, user_id)
        snap = {
            "row": (u.email, u.email_normalised, u.name, u.is_enabled, u.password_hash,
                    u.session_version),
            "roles": sorted((r.role, r.agency_id) for r in u.roles),
            "email_changes": db.session.execute(sa.select(sa.func.count()).select_from(
                EmailChange).where(EmailChange.user_id == user_id)).scalar_one(),
            "outbox": db.session.execute(
                sa.select(sa.func.count()).select_from(OutboxMail)).scalar_one(),
            "audit": db.session.execute(
                sa.select(sa.func.count()).select_from(AuditEvent)).scalar_one(),
        }
        db.session.rollback()
        return snap


def _post(c, action, user_id, email, name, role_id, agency_id, n, *, enabled=True):
    base = f"/kelola/pengguna/{user_id}"
    keep = {"save": "1", "name": name, "email": email}
    if enabled:
        keep["is_enabled"] = "y"
    if action == "edit_email":
        return c.post(base, data={**keep, "email": f"baru-{n}@uji.go.id"})
    if action == "edit_name":
        return c.post(base, data={**keep, "name": f"Nama Baru {n}"})
    if action == "disable":
        return c.post(base, data={k: v for k, v in keep.items() if k != "is_enabled"})
    if action == "enable":
        return c.post(base, data={**keep, "is_enabled": "y"})
    if action == "reset_password":
        return c.post(f"{base}/atur-ulang-sandi")
    if action == "set_password":
        return c.post(f"{base}/sandi", data={"pw-password": NEW_PASSWORD,
                                             "pw-confirm": NEW_PASSWORD})
    if action.startswith("grant:"):
        role = action.split(":", 1)[1]
        return c.post(base, data={"add_role": "1", "role-role": role, "role-agency_id":
                                  str(agency_id) if role in auth.AGENCY_BOUND_ROLES else "0"})
    if action == "revoke":
        return c.post(f"{base}/peran/{role_id}/hapus")
    raise AssertionError(action)


def _check_effect(before, after, action, target_role, n, agency_id):
    """What an allowed action must have done (None when it did)."""
    email, normalised, name, enabled, pw_hash, version = after["row"]
    b_email, _n, b_name, b_enabled, b_hash, b_version = before["row"]
    if action == "edit_email":
        # Not at once: a pending change, confirmed from the new address.
        ok = email == b_email and after["email_changes"] == before["email_changes"] + 1
    elif action == "edit_name":
        ok = name == f"Nama Baru {n}" and email == b_email
    elif action == "disable":
        ok = enabled is False and version > b_version
    elif action == "enable":
        ok = enabled is True
    elif action == "reset_password":
        ok = pw_hash != b_hash and version > b_version and after["outbox"] > before["outbox"]
    elif action == "set_password":
        ok = check_password_hash(pw_hash, NEW_PASSWORD) and version > b_version
    elif action.startswith("grant:"):
        role = action.split(":", 1)[1]
        ok = any(r == role for r, _a in after["roles"])
    elif action == "revoke":
        ok = not any(r == target_role for r, _a in after["roles"])
    else:
        raise AssertionError(action)
    ok = ok and after["audit"] > before["audit"]  # every account change is audited
    return None if ok else f"effect missing: {before} -> {after}"


def test_account_management_matrix(app):
    """Every actor role x every target role x every account-management action."""
    agency_id, actor_emails = _world(app)
    clients = {role: _client(app, email) for role, email in actor_emails.items()}
    failures, n, allowed_count = [], 0, 0
    for actor_role in auth.ROLES:
        c = clients[actor_role]
        for target_role in TARGETS:
            for action in ACTIONS:
                if not applies(target_role, action):
                    continue
                n += 1
                enabled = action != "enable"
                user_id, email, name, role_id = _target(app, agency_id, target_role, n,
                                                        enabled=enabled)
                before = _snapshot(app, user_id)
                resp = _post(c, action, user_id, email, name, role_id, agency_id, n,
                             enabled=enabled)
                after = _snapshot(app, user_id)
                where = f"{actor_role} -> {target_role}: {action}"
                if expected(actor_role, target_role, action):
                    allowed_count += 1
                    if resp.status_code != 302:
                        failures.append(f"{where}: expected 302 (allowed), got "
                                        f"{resp.status_code}")
                        continue
                    problem = _check_effect(before, after, action, target_role, n, agency_id)
                    if problem:
                        failures.append(f"{where}: {problem}")
                else:
                    if resp.status_code != 403:
                        failures.append(f"{where}: expected 403 (refused), got "
                                        f"{resp.status_code}")
                    if after != before:
                        failures.append(f"{where}: refused but changed {before} -> {after}")
    assert n > 500 and allowed_count > 100, (n, allowed_count)
    assert not failures, f"{len(failures)} of {n}:\n" + "\n".join(failures)


def test_refused_pages_offer_no_forms(app):
    """A main officer sees an administrator's account but gets no form to change it."""
    agency_id, actor_emails = _world(app)
    main = _client(app, actor_emails[auth.MAIN])
    with app.app_context():
        admin_id = services.find_user_by_email(actor_emails[auth.ADMIN]).id
        helper_id = services.find_user_by_email(actor_emails[auth.HELPER]).id
    html = main.get(f"/kelola/pengguna/{admin_id}").get_data(as_text=True)
    assert 'name="save"' not in html and 'name="add_role"' not in html
    assert "Anda tidak dapat mengubah akun ini" in html
    html = main.get(f"/kelola/pengguna/{helper_id}").get_data(as_text=True)
    assert 'name="save"' in html and 'name="add_role"' in html
    # Only the roles the main officer may grant are offered.
    offered = set(re.findall(r'<option value="(\w+)"', html.split('name="role-role"', 1)[1]
                             .split("</select>", 1)[0]))
    assert offered == {auth.CITIZEN, auth.HELPER, auth.ATASAN, auth.HUMAS}


def test_administrators_cannot_lock_themselves_out(app):
    _agency_id, actor_emails = _world(app)
    admin = _client(app, actor_emails[auth.ADMIN])
    with app.app_context():
        me = services.find_user_by_email(actor_emails[auth.ADMIN])
        my_id, role_id, name = me.id, me.roles[0].id, me.name
    resp = admin.post(f"/kelola/pengguna/{my_id}", data={
        "save": "1", "name": name, "email": actor_emails[auth.ADMIN]})
    assert resp.status_code == 422
    assert "Anda tidak dapat menonaktifkan akun Anda sendiri." in resp.get_data(as_text=True)
    resp = admin.post(f"/kelola/pengguna/{my_id}/peran/{role_id}/hapus")
    assert resp.status_code == 302
    with app.app_context():
        me = db.session.get(User, my_id)
        assert me.is_enabled and me.has_role(auth.ADMIN)


def test_main_officer_cannot_take_over_the_administrator(app, smtp_server):
    """The reported path: a main officer changes the administrator's e-mail to their own
    address, asks for a password reset there, and signs in as administrator."""
    with app.app_context():
        admin = make_user(auth.ADMIN, email="admin@uji.go.id", name="Admin")
        make_user(auth.MAIN, email="utama@uji.go.id")
        db.session.commit()
        admin_id = admin.id
    attacker = _client(app, "utama@uji.go.id")
    resp = attacker.post(f"/kelola/pengguna/{admin_id}", data={
        "save": "1", "name": "Admin", "email": "penyerang@jahat.example", "is_enabled": "y"})
    assert resp.status_code == 403
    resp = attacker.post(f"/kelola/pengguna/{admin_id}/atur-ulang-sandi")
    assert resp.status_code == 403
    resp = attacker.post(f"/kelola/pengguna/{admin_id}/sandi", data={
        "pw-password": NEW_PASSWORD, "pw-confirm": NEW_PASSWORD})
    assert resp.status_code == 403
    # The reset to the attacker's address sends nothing: it is no account's address.
    anon = app.test_client()
    anon.post("/lupa-sandi", data={"email": "penyerang@jahat.example"})
    with app.app_context():
        deliver_pending()
        assert db.session.get(User, admin_id).email == "admin@uji.go.id"
    assert not [m for m in smtp_server.messages if "penyerang@jahat.example" in m["to"]]
    resp = anon.post("/masuk", data={"email": "penyerang@jahat.example",
                                     "password": NEW_PASSWORD})
    assert resp.status_code == 401
    # The administrator still signs in with their own address and password.
    assert _client(app, "admin@uji.go.id").get("/kelola/pengguna").status_code == 200


def test_an_allowed_email_change_waits_for_the_new_address(app, smtp_server):
    """Even an administrator's change of an account's e-mail waits for confirmation from
    the new address; the old address is told who asked, and stays the login and the reset
    target until then."""
    with app.app_context():
        make_user(auth.ADMIN, email="admin@uji.go.id", name="Admin Satu")
        citizen = make_user(auth.CITIZEN, email="lama@uji.go.id", name="Warga")
        db.session.commit()
        citizen_id = citizen.id
    admin = _client(app, "admin@uji.go.id")
    resp = admin.post(f"/kelola/pengguna/{citizen_id}", data={
        "save": "1", "name": "Warga", "email": "baru@uji.go.id", "is_enabled": "y"})
    assert resp.status_code == 302
    with app.app_context():
        deliver_pending()
        assert db.session.get(User, citizen_id).email == "lama@uji.go.id"
    to_old = [m for m in smtp_server.messages if m["to"] == ["lama@uji.go.id"]]
    to_new = [m for m in smtp_server.messages if m["to"] == ["baru@uji.go.id"]]
    assert len(to_old) == 1 and len(to_new) == 1
    assert "Admin Satu" in to_old[0]["body"] and "baru@uji.go.id" in to_old[0]["body"]
    # Until confirmed: the old address logs in and receives resets; the new one neither.
    anon = app.test_client()
    assert anon.post("/masuk", data={"email": "baru@uji.go.id",
                                     "password": TEST_PASSWORD}).status_code == 401
    n = len(smtp_server.messages)
    anon.post("/lupa-sandi", data={"email": "baru@uji.go.id"})
    with app.app_context():
        deliver_pending()
    assert len(smtp_server.messages) == n
    _client(app, "lama@uji.go.id")
    # Confirmation from the new address: a page with a button (a mail scanner's GET
    # changes nothing), then the change.
    link = re.search(r"https?://\S+/akun/email/\S+", to_new[0]["body"]).group(0)
    path = link.split("localhost", 1)[1]
    assert anon.get(path).status_code == 200
    with app.app_context():
        assert db.session.get(User, citizen_id).email == "lama@uji.go.id"
    resp = anon.post(path)
    assert resp.status_code == 302
    with app.app_context():
        assert db.session.get(User, citizen_id).email == "baru@uji.go.id"
        actions = db.session.execute(sa.select(AuditEvent.action).where(
            AuditEvent.object_id == str(citizen_id))).scalars().all()
        assert "user.email_change_request" in actions and "user.email_change_confirm" in actions
    _client(app, "baru@uji.go.id")
    assert anon.post("/masuk", data={"email": "lama@uji.go.id",
                                     "password": TEST_PASSWORD}).status_code == 401
    # The link is spent.
    assert anon.post(path).status_code == 302


def test_services_refuse_what_the_policy_refuses(app):
    """Defence in depth: the services ask the same policy as the views."""
    with app.app_context():
        main = make_user(auth.MAIN, email="utama@uji.go.id")
        admin = make_user(auth.ADMIN, email="admin@uji.go.id")
        citizen = make_user(auth.CITIZEN, email="warga@uji.go.id")
        db.session.commit()
        for call in (
                lambda: services.request_email_change(admin, "x@jahat.example", actor=main),
                lambda: services.update_user(admin, name="X", is_enabled=True, actor=main),
                lambda: services.update_user(admin, name=admin.name, is_enabled=False,
                                             actor=main),
                lambda: services.set_password(admin, NEW_PASSWORD, actor=main),
                lambda: services.force_password_reset(admin, actor=main),
                lambda: services.end_all_sessions(admin, actor=main),
                lambda: services.add_role(citizen, auth.ADMIN, None, actor=main),
                lambda: services.add_role(citizen, auth.MAIN, None, actor=main),
                lambda: services.remove_role(admin.roles[0], actor=main)):
            with pytest.raises(PermissionError):
                call()
            db.session.rollback()
        # Allowed: the owner's own password and e-mail, the policy's own yes.
        services.set_password(main, NEW_PASSWORD, actor=main)
        services.add_role(citizen, auth.HELPER, make_agency().id, actor=main)
        services.request_email_change(citizen, "baru@uji.go.id", actor=main)
        db.session.rollback()
