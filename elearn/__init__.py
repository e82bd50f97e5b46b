"""elearn: e-learning and webinars for the Basel, Rotterdam and Stockholm conventions."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

from elearn.extensions import babel, csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """The app factory. Binds extensions and blueprints; runs no queries and no migrations."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    from elearn.config import load_settings

    app.config.update(load_settings(app.instance_path, config))
    app.debug = app.debug or app.config["ENV"] == "development" and app.config.get("DEBUG", False)

    configure_logging(app)
    from elearn.inputs import register_converters

    register_converters(app)
    configure_extensions(app)
    configure_blueprints(app)
    configure_signals()
    configure_templates(app)
    configure_security(app)
    configure_errors(app)
    configure_commands(app)
    return app


def configure_logging(app: Flask) -> None:
    if not app.logger.handlers or app.config["ENV"] != "testing":
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def configure_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)

    from elearn.i18n import select_locale, select_timezone

    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)

    import elearn.models  # noqa: F401  (every feature's tables)
    from elearn.accounts.services import load_user_by_session_token

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user_by_session_token)

    from elearn.database import configure_engine_events, init_request_transaction

    with app.app_context():
        configure_engine_events(db.engine)
    init_request_transaction(app)

    from elearn import caching, page_cache

    caching.init_app(app)
    page_cache.listen()

    from elearn.tasks import init_app as init_tasks

    init_tasks(app)


def configure_blueprints(app: Flask) -> None:
    from elearn.features import feature_modules
    from elearn.views import bp as core_bp

    app.register_blueprint(core_bp)
    for module in feature_modules("views"):
        for blueprint in getattr(module, "blueprints", [module.bp]):
            app.register_blueprint(blueprint)


def configure_signals() -> None:
    """Import the modules whose receivers act on other features' events (elearn.signals),
    and the report rollups, whose session listeners keep the summary rows current."""
    from elearn.certificates import renewal, services  # noqa: F401
    from elearn.enrolments import completion  # noqa: F401
    from elearn.reports import rollups  # noqa: F401


def configure_templates(app: Flask) -> None:
    from elearn import templating

    templating.init_app(app)


def configure_security(app: Flask) -> None:
    from elearn import inputs, security

    security.init_app(app)
    inputs.init_app(app)


def configure_errors(app: Flask) -> None:
    from elearn.errors import init_app

    init_app(app)


def configure_commands(app: Flask) -> None:
    from elearn.cli import init_app

    init_app(app)
