"""Proactive disclosure (issue 3): the DIP, versioned documents, the obligations catalogue,
staleness, nil declarations, exempt information, alerts, exports, feeds and the API."""


def init_app(app):
    from flask_babel import lazy_gettext as _l

    from ppid.agencies.views import register_profile_section
    from ppid.core import auth
    from ppid.core.alerts import register_alert_source
    from ppid.core.dashboard import register_dashboard_section
    from ppid.core.web import register_nav
    from ppid.demo import register_seeder
    from ppid.registry import cli  # noqa: F401  (registers `flask ppid send-alerts`)
    from ppid.registry import demo, services, views
    from ppid.registry.api import bp as api_bp

    app.config.setdefault("REGISTRY_WARNING_DAYS", 30)
    from ppid.registry import fragments
    fragments.install_listeners()
    app.register_blueprint(views.bp)
    app.register_blueprint(api_bp)
    register_dashboard_section(views.dashboard_section)
    register_profile_section(views.profile_section)
    register_alert_source(services.registry_alerts)
    register_seeder(demo.seed_registry)
    register_nav(_l("Informasi dikecualikan"), "registry.exemptions")
    register_nav(_l("Matriks kepatuhan"), "registry.matrix",
                 lambda user: auth.can(user, "view_all"))
    register_nav(_l("Katalog kewajiban"), "registry.catalogue",
                 lambda user: auth.can(user, "manage_catalogue"))
