"""Compliance auditing and reports (issue 6): the compliance indicator of every agency,
monthly snapshots, the annual service report (Perki 1/2021 Pasal 56), the Kominfo audit
report, GET /api/v1/compliance and the OpenAPI document of the whole API."""


def init_app(app):
    from flask_babel import lazy_gettext as _l

    from ppid.core.hooks import hooks
    from ppid.reports import cli  # noqa: F401  (registers `flask ppid snapshot`)
    from ppid.reports import rules, views
    from ppid.reports.api import bp as api_bp

    rules.check_weights(app.config["COMPLIANCE_WEIGHTS"])  # a bad setting fails at start-up
    app.register_blueprint(views.bp)
    app.register_blueprint(api_bp)
    h = hooks(app)
    from ppid.reports import demo
    h.add_seeder(demo.seed_snapshots)
    h.add_dashboard_section(views.dashboard_section)
    h.add_nav(_l("Kepatuhan"), "reports.compliance", views.can_view_all, group="laporan")
    h.add_nav(_l("Laporan"), "reports.index", views.can_view_all, group="laporan")
