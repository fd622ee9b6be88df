import sqlalchemy as sa
from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ppid.accounts import rules, services, sessions
from ppid.accounts.forms import (EmailChangeForm, LoginForm, PasswordChangeForm,
                                 PasswordResetRequestForm, PasswordSetForm, ProfileForm,
                                 RoleForm, SignupForm, UserForm)
from ppid.accounts.models import RoleAssignment, User
from ppid.agencies.services import active_agencies
from ppid.core import auth
from ppid.core.forms import ConfirmForm
from ppid.core.mail import queue_mail
from ppid.core.web import (client_ip, external_url, filter_choice_arg, is_safe_redirect,
                           page_arg)
from ppid.extensions import db

bp = Blueprint("accounts", __name__)
bp.after_app_request(sessions.forget_refused_login)


def _landing():
    from ppid.accounts.navigation import landing_for
    return landing_for(current_user)


@bp.route("/masuk", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_landing())
    form = LoginForm()
    target = request.args.get("next", "")
    status = 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data, client_ip())
        except services.LoginThrottled:
            db.session.commit()
            flash(_("Terlalu banyak percobaan masuk yang gagal. Tunggu 15 menit atau atur "
                    "ulang kata sandi Anda."), "error")
            return render_template("accounts/login.html", form=form), 429
        db.session.commit()
        if user is not None:
            sessions.start(user, remember=form.remember.data)
            flash(_("Selamat datang, %(name)s.", name=user.name), "success")
            return redirect(target if is_safe_redirect(target) else _landing())
        flash(_("E-mail atau kata sandi salah."), "error")
        status = 401
    elif request.method == "POST":
        status = 422
    return render_template("accounts/login.html", form=form), status


@bp.route("/daftar", methods=["GET", "POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(_landing())
    form = SignupForm()
    if form.validate_on_submit():
        if form.website.data:
            abort(400)  # honeypot filled in: a bot
        if services.login_is_throttled("", client_ip()):
            flash(_("Terlalu banyak percobaan dari alamat Anda. Coba lagi nanti."), "error")
            return render_template("accounts/signup.html", form=form), 429
        # Sign-ups count with failed logins against the address's limit (abuse guard).
        services.record_login_attempt("", client_ip(), success=False)
        existing = services.find_user_by_email(form.email.data)
        if existing is not None:
            # Same answer as a new account, so the form does not reveal who is registered;
            # the owner of the address is told by e-mail instead.
            queue_mail(existing.email, _("Pendaftaran akun PPID"), _(
                "Seseorang mencoba mendaftarkan akun baru dengan alamat e-mail ini, yang sudah "
                "terdaftar. Jika itu Anda, silakan masuk atau atur ulang kata sandi:\n%(link)s",
                link=external_url("accounts.password_reset_request")))
        else:
            user = services.create_user(form.email.data, form.name.data, form.password.data,
                                        actor=None, roles=[(auth.CITIZEN, None)])
            queue_mail(user.email, _("Selamat datang di layanan informasi publik"), _(
                "Akun Anda telah dibuat. Masuk di %(link)s untuk mengajukan dan memantau "
                "permohonan informasi.", link=external_url("accounts.login")))
        db.session.commit()
        flash(_("Pendaftaran diterima. Periksa e-mail Anda, lalu masuk dengan alamat dan "
                "kata sandi yang Anda pilih."), "success")
        return redirect(url_for("accounts.login"))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/signup.html", form=form), status


@bp.post("/keluar")
def logout():
    if ConfirmForm().validate_on_submit():
        user = current_user._get_current_object() if current_user.is_authenticated else None
        sessions.end(user)
        db.session.commit()
        flash(_("Anda telah keluar."), "info")
    return redirect(url_for("core.home"))


def _queue_reset_mail(user, *, intro):
    token = services.make_reset_token(user)
    minutes = int(current_app.config["PASSWORD_RESET_MAX_AGE"]) // 60
    queue_mail(user.email, _("Atur ulang kata sandi PPID"), _(
        "%(intro)s\n\nBuka tautan ini dalam %(minutes)d menit untuk membuat kata sandi baru:\n"
        "%(link)s\n\nAbaikan e-mail ini jika Anda tidak memintanya.", intro=intro,
        minutes=minutes, link=external_url("accounts.password_reset", token=token)))


@bp.route("/lupa-sandi", methods=["GET", "POST"])
def password_reset_request():
    form = PasswordResetRequestForm()
    if form.validate_on_submit():
        # Recorded and throttled whatever the answer: one mail per address per 15 minutes.
        user = services.password_reset_target(form.email.data, client_ip())
        if user is not None:
            _queue_reset_mail(user, intro=_(
                "Seseorang (semoga Anda) meminta pengaturan ulang kata sandi akun PPID Anda."))
        db.session.commit()
        # Same answer whether the account exists or the request was throttled.
        flash(_("Jika alamat itu terdaftar, kami telah mengirim tautan untuk mengatur ulang "
                "kata sandi. Periksa kotak masuk Anda."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_request.html", form=form)


@bp.route("/atur-sandi/<token>", methods=["GET", "POST"])
def password_reset(token):
    user = services.user_for_reset_token(token)
    if user is None:
        flash(_("Tautan pengaturan ulang tidak berlaku atau sudah kedaluwarsa. "
                "Silakan minta tautan baru."), "error")
        return redirect(url_for("accounts.password_reset_request"))
    form = PasswordSetForm()
    if form.validate_on_submit():
        services.set_password(user, form.password.data, actor=user)
        db.session.commit()
        flash(_("Kata sandi diperbarui. Silakan masuk."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form)


# --- The owner's own account ------------------------------------------------------------

def _current_password_ok(form):
    """Check the owner's current password, counted against the login throttle."""
    user = current_user._get_current_object()
    key = rules.canonical_email(user.email)
    if services.login_is_throttled(key, client_ip()):
        form.current_password.errors.append(_(
            "Terlalu banyak percobaan yang gagal. Tunggu 15 menit lalu coba lagi."))
        return False
    if services.password_matches(user, form.current_password.data):
        return True
    services.record_login_attempt(key, client_ip(), success=False)
    db.session.commit()
    form.current_password.errors.append(_("Kata sandi saat ini salah."))
    return False


@bp.route("/akun", methods=["GET", "POST"])
@login_required
def account():
    user = current_user._get_current_object()
    form = EmailChangeForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit() and _current_password_ok(form):
            try:
                change = services.request_email_change(user, form.new_email.data, actor=user)
            except services.EmailTaken:
                # The same answer as for a free address (no account discovery); the holder
                # of the address is told instead.
                change = None
                queue_mail(rules.stored_email(form.new_email.data), _(
                    "Alamat e-mail ini sudah terdaftar di PPID"), _(
                    "Seseorang meminta agar alamat e-mail ini dipakai untuk akun PPID lain. "
                    "Alamat ini sudah dipakai akun Anda, jadi tidak ada yang berubah. Abaikan "
                    "e-mail ini jika Anda tidak mengenali permintaan itu."))
            else:
                if change is None:
                    flash(_("Itu sudah alamat e-mail akun Anda."), "info")
                    return redirect(url_for("accounts.account"))
                _queue_email_change_mails(change, actor=user)
            db.session.commit()
            flash(_("Kami telah mengirim tautan konfirmasi ke %(email)s. Alamat e-mail akun "
                    "Anda berubah setelah tautan itu dibuka; sampai saat itu Anda tetap masuk "
                    "dengan alamat yang lama.",
                    email=rules.stored_email(form.new_email.data)), "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/account.html", form=form, user=user,
                           pending=services.pending_email_changes(user),
                           end_form=ConfirmForm(),
                           profile_form=ProfileForm(formdata=None, obj=user)
                           if _signs_letters(user) else None), status


def _signs_letters(user):
    """Officers whose actions issue letters: PPID officers and the atasan."""
    return any(user.has_role(r) for r in (auth.HELPER, auth.MAIN, auth.ATASAN))


@bp.post("/akun/profil")
@login_required
def profile():
    """An officer's position and NIP, for the letters they sign (DOMAIN.md section 13)."""
    user = current_user._get_current_object()
    if not _signs_letters(user):
        abort(403)  # (the auditor is read-only; citizens and administrators sign nothing)
    form = ProfileForm()
    if not form.validate_on_submit():
        return render_template("accounts/account.html", form=EmailChangeForm(), user=user,
                               pending=services.pending_email_changes(user),
                               end_form=ConfirmForm(), profile_form=form), 422
    services.update_profile(user, {"position": form.position.data, "nip": form.nip.data},
                            actor=user)
    db.session.commit()
    flash(_("Jabatan dan NIP disimpan."), "success")
    return redirect(url_for("accounts.account"))


@bp.route("/akun/sandi", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit() and _current_password_ok(form):
            user = current_user._get_current_object()
            services.set_password(user, form.password.data, actor=user)
            sessions.restart(user)  # this device stays signed in; every other one is not
            db.session.commit()
            flash(_("Kata sandi diperbarui. Semua perangkat lain telah dikeluarkan dari akun "
                    "Anda."), "success")
            return redirect(_landing())
    return render_template("accounts/reset.html", form=form), status


@bp.post("/akun/keluar-semua")
@login_required
def logout_everywhere():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.end_all_sessions(current_user._get_current_object(), actor=current_user)
    sessions.end(None)
    db.session.commit()
    flash(_("Anda telah keluar dari semua perangkat. Silakan masuk lagi."), "info")
    return redirect(url_for("accounts.login"))


def _queue_email_change_mails(change, *, actor):
    """The confirmation link to the new address; the notice (who asked, how to react, a
    cancel link) to the old one."""
    user = change.user
    if actor is not None and actor.id == user.id:
        who = _("pemilik akun sendiri, setelah masuk dengan kata sandinya")
    elif actor is not None:
        who = _("%(name)s (%(email)s), pengelola akun", name=actor.name, email=actor.email)
    else:
        who = _("sistem")
    hours = int(current_app.config["EMAIL_CHANGE_MAX_AGE"]) // 3600
    queue_mail(change.new_email, _("Konfirmasi alamat e-mail akun PPID"), _(
        "Yth. %(name)s,\n\nAlamat ini diminta menjadi alamat e-mail akun PPID Anda "
        "(menggantikan %(old)s). Permintaan dibuat oleh %(who)s.\n\nBuka tautan ini dalam "
        "%(hours)d jam untuk mengonfirmasi:\n%(link)s\n\nAbaikan e-mail ini jika Anda tidak "
        "memintanya; tidak ada yang berubah tanpa konfirmasi.", name=user.name,
        old=change.old_email, who=who, hours=hours,
        link=external_url("accounts.email_change",
                          token=services.make_email_change_token(change, "confirm"))))
    queue_mail(change.old_email, _("Permintaan perubahan e-mail akun PPID"), _(
        "Yth. %(name)s,\n\nAda permintaan untuk mengganti alamat e-mail akun PPID Anda "
        "menjadi %(new)s. Permintaan dibuat oleh %(who)s.\n\nAlamat ini tetap menjadi alamat "
        "masuk dan tujuan pengaturan ulang kata sandi sampai perubahan dikonfirmasi dari "
        "alamat baru.\n\nJika Anda tidak memintanya, batalkan melalui tautan ini:\n%(link)s\n"
        "lalu ganti kata sandi Anda dan hubungi administrator PPID.", name=user.name,
        new=change.new_email, who=who,
        link=external_url("accounts.email_change",
                          token=services.make_email_change_token(change, "cancel"))))


@bp.route("/akun/email/<token>", methods=["GET", "POST"])
def email_change(token):
    """Confirm (from the new address) or cancel (from the old one) an e-mail change: the
    link opens a page with a button, so a mail scanner following it changes nothing."""
    found = services.email_change_for_token(token)
    if found is None:
        flash(_("Tautan perubahan e-mail tidak berlaku atau sudah kedaluwarsa."), "error")
        return redirect(url_for("accounts.login"))
    change, purpose = found
    form = ConfirmForm()
    if form.validate_on_submit():
        if purpose == "cancel":
            services.cancel_email_change(change)
            db.session.commit()
            flash(_("Permintaan perubahan e-mail dibatalkan. Alamat akun Anda tetap "
                    "%(email)s.", email=change.user.email), "success")
        elif services.confirm_email_change(change):
            db.session.commit()
            flash(_("Alamat e-mail akun Anda sekarang %(email)s.", email=change.new_email),
                  "success")
        else:
            db.session.commit()
            flash(_("Alamat %(email)s sudah dipakai akun lain; e-mail akun Anda tidak diubah.",
                    email=change.new_email), "error")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/email_change.html", change=change, purpose=purpose,
                           form=form)


# --- Account management (administrator and PPID Utama) ----------------------------------
#
# What the actor may do to each account is auth.may_manage_account's decision, asked for
# every change below; the page offers only the forms of the actions allowed.

@bp.get("/kelola/pengguna")
def users():
    auth.authorize("manage_accounts")
    q = (request.args.get("q") or "").strip()[:100]
    stmt = sa.select(User).order_by(User.name)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(sa.or_(sa.func.lower(User.name).like(like), User.email.like(like)))
    errors = {}
    role = filter_choice_arg("role", errors, auth.ROLES,
                             message=_("Peran tidak dikenal. Pilih dari daftar."))
    if role:
        stmt = stmt.where(User.roles.any(RoleAssignment.role == role))
    page = db.paginate(stmt, page=page_arg(), per_page=current_app.config["PER_PAGE"],
                       error_out=False)
    return render_template("accounts/users.html", page=page, q=q, role=role,
                           errors=errors), 400 if errors else 200


@bp.route("/kelola/pengguna/baru", methods=["GET", "POST"])
def user_new():
    auth.authorize("manage_accounts")
    form = UserForm()
    pw_form = PasswordSetForm(prefix="pw")
    if form.validate_on_submit() & pw_form.validate_on_submit():
        if services.find_user_by_email(form.email.data):
            form.email.errors.append(_("E-mail ini sudah dipakai akun lain."))
        else:
            user = services.create_user(form.email.data, form.name.data, pw_form.password.data,
                                        actor=current_user)
            user.is_enabled = form.is_enabled.data
            db.session.commit()
            flash(_("Akun %(email)s dibuat. Tambahkan perannya di bawah.", email=user.email),
                  "success")
            return redirect(url_for("accounts.user_edit", user_id=user.id))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/user_form.html", form=form, pw_form=pw_form,
                           user=None), status


def _rights(user):
    may = {a: auth.may_manage_account(current_user, user, a) for a in (
        auth.EDIT_IDENTITY, auth.SET_ENABLED, auth.RESET_PASSWORD, auth.SET_PASSWORD)}
    grantable = auth.grantable_roles(current_user, user)
    revocable = {r.id for r in user.roles
                 if auth.may_manage_account(current_user, user, auth.REVOKE_ROLE, r.role)}
    return {**may, "grant": grantable, "revoke": revocable,
            "any": any(may.values()) or bool(grantable) or bool(revocable)}


def _user_page(user, *, form=None, role_form=None, set_pw_form=None, status=200):
    rights = _rights(user)
    form = form or UserForm(formdata=None, obj=user)
    role_form = role_form or RoleForm(active_agencies(), prefix="role")
    role_form.role.choices = [c for c in role_form.role.choices if c[0] in rights["grant"]]
    return render_template(
        "accounts/user_form.html", user=user, form=form, role_form=role_form,
        set_pw_form=set_pw_form or PasswordSetForm(prefix="pw"), rights=rights,
        remove_form=ConfirmForm(), pending=services.pending_email_changes(user)), status


def _managed_user_or_404(user_id):
    auth.authorize("manage_accounts")
    return db.get_or_404(User, user_id)


@bp.route("/kelola/pengguna/<int:user_id>", methods=["GET", "POST"])
def user_edit(user_id):
    user = _managed_user_or_404(user_id)
    if request.method == "POST" and "save" in request.form:
        return _save_user(user)
    if request.method == "POST" and "add_role" in request.form:
        return _add_role(user)
    if request.method == "POST":
        abort(400)
    return _user_page(user)


def _save_user(user):
    rights = _rights(user)
    if not (rights[auth.EDIT_IDENTITY] or rights[auth.SET_ENABLED]):
        abort(403)
    form = UserForm()
    if not form.validate_on_submit():
        return _user_page(user, form=form, status=422)
    renamed = form.name.data != user.name
    new_email = rules.canonical_email(form.email.data) != user.email_normalised
    enabled = bool(form.is_enabled.data)
    if (renamed or new_email) and not rights[auth.EDIT_IDENTITY]:
        abort(403)
    if enabled != user.is_enabled and not rights[auth.SET_ENABLED]:
        abort(403)
    if new_email and services.email_is_taken(form.email.data, by_other_than=user):
        form.email.errors.append(_("E-mail ini sudah dipakai akun lain."))
        return _user_page(user, form=form, status=422)
    if user.id == current_user.id and not enabled:
        form.is_enabled.errors.append(_("Anda tidak dapat menonaktifkan akun Anda sendiri."))
        return _user_page(user, form=form, status=422)
    services.update_user(user, name=form.name.data, is_enabled=enabled, actor=current_user)
    change = None
    if new_email:
        change = services.request_email_change(user, form.email.data, actor=current_user)
        _queue_email_change_mails(change, actor=current_user)
    db.session.commit()
    flash(_("Akun disimpan."), "success")
    if change is not None:
        flash(_("Alamat e-mail baru (%(email)s) berlaku setelah dikonfirmasi dari alamat itu; "
                "alamat lama telah diberi tahu.", email=change.new_email), "info")
    return redirect(url_for("accounts.user_edit", user_id=user.id))


def _add_role(user):
    if not _rights(user)["any"]:
        abort(403)
    role_form = RoleForm(active_agencies(), prefix="role")
    if not role_form.validate_on_submit():
        return _user_page(user, role_form=role_form, status=422)
    # Nobody grants a role above their own (only an administrator: admin, auditor, main).
    auth.authorize_account(user, auth.GRANT_ROLE, role_form.role.data)
    services.add_role(user, role_form.role.data, role_form.agency_id.data or None,
                      actor=current_user)
    db.session.commit()
    flash(_("Peran ditambahkan."), "success")
    return redirect(url_for("accounts.user_edit", user_id=user.id))


@bp.post("/kelola/pengguna/<int:user_id>/peran/<int:role_id>/hapus")
def role_remove(user_id, role_id):
    user = _managed_user_or_404(user_id)
    assignment = db.get_or_404(RoleAssignment, role_id)
    if assignment.user_id != user.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    auth.authorize_account(user, auth.REVOKE_ROLE, assignment.role)
    if assignment.user_id == current_user.id and assignment.role in (auth.ADMIN, auth.MAIN):
        flash(_("Anda tidak dapat mencabut peran pengelola dari akun Anda sendiri."), "error")
        return redirect(url_for("accounts.user_edit", user_id=user_id))
    services.remove_role(assignment, actor=current_user)
    db.session.commit()
    flash(_("Peran dicabut."), "success")
    return redirect(url_for("accounts.user_edit", user_id=user_id))


@bp.post("/kelola/pengguna/<int:user_id>/sandi")
def user_set_password(user_id):
    user = _managed_user_or_404(user_id)
    auth.authorize_account(user, auth.SET_PASSWORD)
    form = PasswordSetForm(prefix="pw")
    if not form.validate_on_submit():
        return _user_page(user, set_pw_form=form, status=422)
    services.set_password(user, form.password.data, actor=current_user)
    db.session.commit()
    flash(_("Kata sandi akun diganti; semua sesinya telah diakhiri."), "success")
    return redirect(url_for("accounts.user_edit", user_id=user.id))


@bp.post("/kelola/pengguna/<int:user_id>/atur-ulang-sandi")
def user_reset_password(user_id):
    user = _managed_user_or_404(user_id)
    auth.authorize_account(user, auth.RESET_PASSWORD)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.force_password_reset(user, actor=current_user)
    _queue_reset_mail(user, intro=_(
        "%(name)s, pengelola akun PPID, mengatur ulang kata sandi akun Anda. Kata sandi lama "
        "tidak berlaku lagi dan semua sesi Anda telah diakhiri.", name=current_user.name))
    db.session.commit()
    flash(_("Kata sandi lama tidak berlaku lagi, semua sesi akun diakhiri, dan tautan untuk "
            "membuat kata sandi baru dikirim ke %(email)s.", email=user.email), "success")
    return redirect(url_for("accounts.user_edit", user_id=user.id))
