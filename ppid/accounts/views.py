import sqlalchemy as sa
from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ppid.accounts import services
from ppid.accounts.forms import (LoginForm, PasswordResetRequestForm, PasswordSetForm, RoleForm,
                                 SignupForm, UserForm)
from ppid.accounts.models import RoleAssignment, User
from ppid.agencies.services import active_agencies
from ppid.core import auth
from ppid.core.forms import ConfirmForm
from ppid.core.mail import queue_mail
from ppid.core.web import client_ip, external_url, is_safe_redirect
from ppid.extensions import db

bp = Blueprint("accounts", __name__)


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
            login_user(user, remember=form.remember.data)
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
        if services.find_user_by_email(form.email.data):
            # Same answer as a new account, so the form does not reveal who is registered;
            # the owner of the address is told by e-mail instead.
            existing = services.find_user_by_email(form.email.data)
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
        logout_user()
        flash(_("Anda telah keluar."), "info")
    return redirect(url_for("core.home"))


@bp.route("/lupa-sandi", methods=["GET", "POST"])
def password_reset_request():
    form = PasswordResetRequestForm()
    if form.validate_on_submit():
        user = services.find_user_by_email(form.email.data)
        if user is not None and user.is_enabled:
            token = services.make_reset_token(user)
            link = external_url("accounts.password_reset", token=token)
            minutes = int(current_app.config["PASSWORD_RESET_MAX_AGE"]) // 60
            queue_mail(user.email, _("Atur ulang kata sandi PPID"), _(
                "Seseorang (semoga Anda) meminta pengaturan ulang kata sandi akun PPID Anda.\n\n"
                "Buka tautan ini dalam %(minutes)d menit untuk membuat kata sandi baru:\n"
                "%(link)s\n\nAbaikan e-mail ini jika Anda tidak memintanya.",
                minutes=minutes, link=link))
            db.session.commit()
        # Same answer whether or not the account exists: no account discovery.
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


@bp.route("/akun/sandi", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordSetForm()
    if form.validate_on_submit():
        services.set_password(current_user, form.password.data, actor=current_user)
        db.session.commit()
        flash(_("Kata sandi diperbarui."), "success")
        return redirect(_landing())
    return render_template("accounts/reset.html", form=form)


# --- Account management (administrator and PPID Utama) ----------------------------------

@bp.get("/kelola/pengguna")
def users():
    auth.authorize("manage_accounts")
    q = (request.args.get("q") or "").strip()[:100]
    stmt = sa.select(User).order_by(User.name)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(sa.or_(sa.func.lower(User.name).like(like), User.email.like(like)))
    role = request.args.get("role")
    if role in auth.ROLES:
        stmt = stmt.where(User.roles.any(RoleAssignment.role == role))
    page = db.paginate(stmt, per_page=current_app.config["PER_PAGE"], error_out=False)
    return render_template("accounts/users.html", page=page, q=q, role=role)


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
    return render_template("accounts/user_form.html", form=form, pw_form=pw_form, user=None)


@bp.route("/kelola/pengguna/<int:user_id>", methods=["GET", "POST"])
def user_edit(user_id):
    auth.authorize("manage_accounts")
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=user)
    agencies = active_agencies()
    role_form = RoleForm(agencies, prefix="role")
    if request.method == "POST" and "save" in request.form and form.validate_on_submit():
        other = services.find_user_by_email(form.email.data)
        if other is not None and other.id != user.id:
            form.email.errors.append(_("E-mail ini sudah dipakai akun lain."))
        elif user.id == current_user.id and not form.is_enabled.data:
            form.is_enabled.errors.append(_("Anda tidak dapat menonaktifkan akun Anda sendiri."))
        else:
            services.update_user(user, name=form.name.data, email=form.email.data,
                                 is_enabled=form.is_enabled.data, actor=current_user)
            db.session.commit()
            flash(_("Akun disimpan."), "success")
            return redirect(url_for("accounts.user_edit", user_id=user.id))
    elif request.method == "POST" and "add_role" in request.form:
        if role_form.validate_on_submit():
            _check_role_grant(role_form.role.data)
            services.add_role(user, role_form.role.data, role_form.agency_id.data or None,
                              actor=current_user)
            db.session.commit()
            flash(_("Peran ditambahkan."), "success")
            return redirect(url_for("accounts.user_edit", user_id=user.id))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/user_form.html", form=form, role_form=role_form, user=user,
                           remove_form=ConfirmForm()), status


def _check_role_grant(role):
    # Only an administrator hands out the administrator and auditor roles.
    if role in (auth.ADMIN, auth.AUDITOR) and not current_user.has_role(auth.ADMIN):
        abort(403)


@bp.post("/kelola/pengguna/<int:user_id>/peran/<int:role_id>/hapus")
def role_remove(user_id, role_id):
    auth.authorize("manage_accounts")
    assignment = db.get_or_404(RoleAssignment, role_id)
    if assignment.user_id != user_id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    _check_role_grant(assignment.role)
    if assignment.user_id == current_user.id and assignment.role in (auth.ADMIN, auth.MAIN):
        flash(_("Anda tidak dapat mencabut peran pengelola dari akun Anda sendiri."), "error")
        return redirect(url_for("accounts.user_edit", user_id=user_id))
    services.remove_role(assignment, actor=current_user)
    db.session.commit()
    flash(_("Peran dicabut."), "success")
    return redirect(url_for("accounts.user_edit", user_id=user_id))
