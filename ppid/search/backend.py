"""Which search backend serves an app: chosen from the database URL, overridable.

- ``whoosh`` (the embedded default, for SQLite): a Whoosh index on local disk, derived
  from the database through a queue (ppid.search.index, ppid.search.indexing);
- ``postgresql`` (production): full-text search in the database itself, written in the
  same transaction as the record (ppid.search.postgres).

``PPID_SEARCH_BACKEND`` (``auto``, ``whoosh`` or ``postgresql``) overrides the choice.
Both answer the same calls: ``execute``, ``suggest``, ``rebuild``, ``stored_documents``,
``clear``; ppid.search.services builds the page from them.
"""
from flask import current_app

BACKENDS = ("whoosh", "postgresql")


def name(app=None):
    """The backend of ``app``: its SEARCH_BACKEND setting, else from its database URL."""
    app = app or current_app
    setting = (app.config.get("SEARCH_BACKEND") or "auto").strip().lower()
    if setting in BACKENDS:
        return setting
    if setting != "auto":
        raise ValueError(f"SEARCH_BACKEND must be auto, whoosh or postgresql, not {setting!r}")
    return ("postgresql" if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgres")
            else "whoosh")


def get(app=None):
    """The backend module of ``app``."""
    if name(app) == "postgresql":
        from ppid.search import postgres
        return postgres
    from ppid.search import index
    return index


def check_config(app):
    """Refuse to start with the PostgreSQL backend on another database."""
    chosen = name(app)
    if chosen == "postgresql" and not app.config["SQLALCHEMY_DATABASE_URI"].startswith(
            "postgres"):
        raise RuntimeError("PPID_SEARCH_BACKEND=postgresql needs a PostgreSQL database")
    return chosen
