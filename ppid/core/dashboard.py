"""The officers' dashboard: one page, sections contributed by features.

A section is ``fn(user) -> (template, context) or None``, added to
``hooks(app).dashboard_sections``; sections appear in registration order. Helper officers, the PPID Utama, atasan and auditors land here after logging in.
"""
from flask import Blueprint, render_template
from flask_login import current_user

from ppid.core import auth
from ppid.core.hooks import hooks

bp = Blueprint("dashboard", __name__)


@bp.get("/dasbor")
@auth.role_required(*auth.STAFF_ROLES)
def index():
    sections = [s for s in (fn(current_user) for fn in hooks().dashboard_sections) if s]
    return render_template("core/dashboard.html", sections=sections)
