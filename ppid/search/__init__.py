"""Search: one Indonesian-aware Whoosh index over the DIP, document texts and the public
request register (issue 5). The database is the truth; the index is derived data."""


def init_app(app):
    from flask_babel import lazy_gettext as _l

    from ppid.core.hooks import hooks
    from ppid.search import cli, indexing, officer, views  # noqa: F401 (commands, policies)
    from ppid.search.wiring import register_sources

    app.config.setdefault("SEARCH_AUTO_INDEX", True)
    indexing.init_app(app)
    register_sources()
    if "search" not in app.blueprints:
        app.register_blueprint(views.bp)
        app.register_blueprint(views.api_bp, name="search_api")
    hooks(app).add_nav(_l("Cari"), "search.search_page")
