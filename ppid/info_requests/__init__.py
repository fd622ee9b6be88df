"""Information requests (permohonan informasi), objections (keberatan) and their letters."""
from flask_babel import lazy_gettext as _l


def init_app(app):
    from ppid.accounts.navigation import register_landing
    from ppid.agencies.views import register_profile_section
    from ppid.core import auth
    from ppid.core.alerts import register_alert_source
    from ppid.core.dashboard import register_dashboard_section
    from ppid.core.services import calendar_changed
    from ppid.core.web import register_nav
    from ppid.demo import register_seeder
    from ppid.info_requests import cli, hooks, policies, services  # noqa: F401
    from ppid.info_requests.api import bp as api_bp
    from ppid.info_requests.demo import seed_requests
    from ppid.info_requests.views import bp

    app.config.setdefault("REQUEST_NUMBER_FORMAT", services.DEFAULT_NUMBER_FORMAT)
    app.config.setdefault("OBJECTION_NUMBER_FORMAT", services.DEFAULT_OBJECTION_FORMAT)
    app.config.setdefault("REQUEST_RATELIMIT", services.DEFAULT_RATELIMIT)
    services.parse_rate(app.config["REQUEST_RATELIMIT"])  # a bad setting fails at start-up

    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    register_nav(_l("Ajukan permohonan"), "requests.new")
    register_nav(_l("Register permohonan"), "requests.register")
    register_nav(_l("Permohonan saya"), "requests.mine",
                 lambda user: user.has_role(auth.CITIZEN))
    register_nav(_l("Antrean permohonan"), "requests.queue",
                 lambda user: auth.can(user, "enter_request"))
    register_nav(_l("Keberatan"), "requests.objections",
                 lambda user: user.has_role(auth.ATASAN) or user.has_role(auth.MAIN))
    register_landing(auth.CITIZEN, "requests.mine")
    register_dashboard_section(hooks.dashboard_section)
    register_alert_source(hooks.alert_source)
    register_profile_section(hooks.profile_section)
    register_seeder(seed_requests)
    calendar_changed.connect(services.on_calendar_changed)
