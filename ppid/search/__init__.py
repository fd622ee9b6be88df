"""Search over the DIP, document texts and the public request register: one interface
(services.search), two backends (backend.py): Whoosh beside SQLite, PostgreSQL's full-text
search beside PostgreSQL, with one Indonesian analyzer. The database is the truth."""


def init_app(app):
    from flask_babel import lazy_gettext as _l

    from ppid.core.hooks import hooks
    from ppid.search import backend, cli, indexing, views  # noqa: F401 (commands)

    backend.check_config(app)
    indexing.init_app(app)
    if "search" not in app.blueprints:
        app.register_blueprint(views.bp)
        app.register_blueprint(views.api_bp, name="search_api")
    hooks(app).add_nav(_l("Cari"), "search.search_page")
