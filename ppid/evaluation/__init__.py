"""The yearly evaluation (issue #18): the citizens' satisfaction survey (IKM,
PermenPANRB 14/2017) of every closed request, its results per agency and for the
government. DOMAIN.md section 15."""


def init_app(app):
    from flask_babel import lazy_gettext as _l

    from ppid.core.hooks import hooks
    from ppid.evaluation import cli, demo, services, views  # noqa: F401  (cli: commands)
    from ppid.info_requests.services import request_closed

    app.register_blueprint(views.bp)
    # A Jinja global for the tracking page (the survey link of a closed request).
    app.jinja_env.globals["ikm_survey_link"] = views.survey_link
    request_closed.connect(services.on_request_closed)
    h = hooks(app)
    h.add_nav(_l("Survei kepuasan"), "evaluation.public_government")
    h.add_dashboard_section(views.dashboard_section)
    h.add_profile_section(views.profile_section)
    h.add_seeder(demo.seed_surveys)
