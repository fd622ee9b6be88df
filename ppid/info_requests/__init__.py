"""Information requests (permohonan informasi), objections (keberatan) and their letters."""
from flask_babel import lazy_gettext as _l


def init_app(app):
    from ppid.core import auth
    from ppid.core.hooks import hooks
    from ppid.core.services import calendar_changed
    from ppid.info_requests import cli, policies, search, services  # noqa: F401 (commands)
    from ppid.info_requests import hooks as request_hooks
    from ppid.info_requests.api import bp as api_bp
    from ppid.info_requests.demo import seed_requests
    from ppid.info_requests.views import bp

    services.parse_rate(app.config["REQUEST_RATELIMIT"])  # a bad setting fails at start-up
    from ppid.info_requests import rules
    rules.check_letter_number_format(app.config["LETTER_NUMBER_FORMAT"],
                                     app.config["LETTER_KIND_CODES"])

    auth.register_policies(app, policies)
    search.register(app)  # the public register in search
    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    from ppid.core import jobs
    jobs.register_kind(app, services.letter_pdf_job())  # letters' PDFs, after commit
    h = hooks(app)
    h.add_nav(_l("Ajukan permohonan"), "requests.new")
    h.add_nav(_l("Register permohonan"), "requests.register", group="layanan")
    h.add_nav(_l("Permohonan saya"), "requests.mine",
              lambda user: user.has_role(auth.CITIZEN), group="layanan")
    h.add_nav(_l("Antrean permohonan"), "requests.queue",
              lambda user: auth.can(user, "read_request_queue"), group="layanan")
    h.add_nav(_l("Keberatan"), "requests.objections",
              lambda user: auth.can(user, "read_objection_queue"),
              group="layanan")
    h.add_nav(_l("Register PPID"), "requests.registers_index",
              lambda user: auth.can(user, "read_registers"), group="laporan")
    h.set_landing(auth.CITIZEN, "requests.mine")
    h.add_dashboard_section(request_hooks.dashboard_section)
    h.add_alert_source(request_hooks.alert_source)
    h.add_profile_section(request_hooks.profile_section)
    h.add_seeder(seed_requests)
    calendar_changed.connect(services.on_calendar_changed)
