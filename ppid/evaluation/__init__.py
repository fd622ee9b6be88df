"""The yearly evaluation (issue #18): the citizens' satisfaction survey (IKM,
PermenPANRB 14/2017) of every closed request, its results per agency and for the
government; and the E-Monev self-assessment (Perki 1/2022), computed from the registry
and attested with evidence, per agency, ranked, and for the government. DOMAIN.md
section 15."""


def init_app(app):
    from flask_babel import lazy_gettext as _l

    from ppid.core.hooks import hooks
    from ppid.core import auth
    from ppid.evaluation import cli, demo, services, views  # noqa: F401  (cli: commands)
    from ppid.evaluation import assessment, assessment_views, links, policies
    from ppid.evaluation.models import IkmSurvey
    from ppid.info_requests.services import request_closed

    app.register_blueprint(views.bp)
    from ppid.core import generations
    generations.register(services.GENERATION, lambda: (IkmSurvey,))
    # A Jinja global for the tracking page (the survey link of a closed request).
    app.jinja_env.globals["ikm_survey_link"] = views.survey_link
    request_closed.connect(services.on_request_closed)
    h = hooks(app)
    h.add_nav(_l("Survei kepuasan"), "evaluation.public_government", group="informasi")
    h.add_dashboard_section(views.dashboard_section)
    h.add_profile_section(views.profile_section)
    h.add_seeder(demo.seed_surveys)
    # The E-Monev self-assessment.
    auth.register_policies(app, policies)
    h.add_nav(_l("E-Monev"), "evaluation.emonev_index",
              lambda user: bool(user.agency_ids(auth.HELPER, auth.ATASAN))
              or auth.can(user, "view_all"), group="laporan")
    h.add_dashboard_section(assessment_views.dashboard_section)
    h.add_alert_source(assessment.attestation_alerts)
    h.add_alert_source(links.link_alerts)
    h.add_seeder(demo.seed_attestations)
