"""The PPID registry: public information, periodic disclosures and information requests."""
import logging
from pathlib import Path

from flask import Flask, current_app, has_request_context, session

from ppid.config import load_config
from ppid.extensions import babel, csrf, db, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def _select_locale():
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang") if has_request_context() else None
    return chosen if chosen in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def _select_timezone():
    return current_app.config["TIMEZONE"]


def create_app(overrides=None):
    app = Flask(__name__, template_folder=str(ROOT / "templates"),
                instance_path=str(ROOT / "instance"))
    load_config(app, overrides)
    logging.basicConfig(level=logging.INFO if app.config["ENV"] != "testing" else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale, timezone_selector=_select_timezone,
                   default_translation_directories=str(ROOT / "translations"))
    login_manager.init_app(app)

    from ppid import models  # noqa: F401  (registers every table on the metadata)
    from ppid.core.db import install_transactions
    with app.app_context():
        install_transactions(db.engine, float(app.config["DB_LOCK_TIMEOUT_SECONDS"]))

    from ppid.core import auth, web
    auth.register_policies(app, auth)
    web.init_app(app)
    from ppid.core import public_cache
    public_cache.init_app(app)
    from ppid.core import sharing
    sharing.init_app(app)

    from ppid.accounts.views import bp as accounts_bp
    from ppid.agencies.views import bp as agencies_bp
    from ppid.api.views import bp as api_bp
    from ppid.core.dashboard import bp as dashboard_bp
    from ppid.core.views import bp as core_bp
    for bp in (core_bp, dashboard_bp, accounts_bp, agencies_bp, api_bp):
        app.register_blueprint(bp)

    from ppid.features import register_features
    register_features(app)

    from ppid.core import dates, enums
    dates.init_app(app)
    enums.init_app(app)  # after the features: their enumerations are Jinja globals

    from ppid.cli import cli
    app.cli.add_command(cli)

    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies:
        # Client address and scheme from nginx, so throttling and secure URLs see the truth.
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    return app
