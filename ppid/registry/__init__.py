"""Proactive disclosure (issue 3): the DIP, versioned documents, the obligations catalogue,
staleness, nil declarations, exempt information, alerts, exports, feeds and the API."""


def init_app(app):
    from flask_babel import lazy_gettext as _l

    from ppid.core import auth
    from ppid.core.hooks import hooks
    from ppid.registry import cli  # noqa: F401  (registers `flask ppid send-alerts`)
    from ppid.registry import demo, search, services, views
    from ppid.registry.api import bp as api_bp

    from ppid.registry import fragments
    fragments.install_listeners()
    app.register_blueprint(views.bp)
    search.register(app)  # published items in search
    app.register_blueprint(api_bp)
    h = hooks(app)
    h.add_dashboard_section(views.dashboard_section)
    h.add_profile_section(views.profile_section)
    h.add_alert_source(services.registry_alerts)
    h.add_seeder(demo.seed_registry)
    from ppid.core import jobs
    jobs.register_kind(app, services.document_text_job())  # text for search, after commit
    h.add_nav(_l("Informasi dikecualikan"), "registry.exemptions", group="informasi")
    h.add_nav(_l("Matriks kepatuhan"), "registry.matrix",
              lambda user: auth.can(user, "view_all"), group="laporan")
    h.add_nav(_l("Katalog kewajiban"), "registry.catalogue",
              lambda user: auth.can(user, "manage_catalogue"), group="pengaturan")
