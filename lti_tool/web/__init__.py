"""The Flask app factory: configuration in, services built once, blueprints registered."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, send_from_directory
from markupsafe import Markup
from werkzeug.middleware.proxy_fix import ProxyFix

from packager import links

from ..config import Settings, load_settings
from . import admin_views, errors, lti_views, register_views, screener_views, security, teach_views
from .services import EXTENSION, Services


def create_app(settings: Settings | None = None, *, migrate: bool = True, start_worker: bool | None = None,
               services: Services | None = None) -> Flask:
    settings = settings or load_settings()
    app = Flask(__name__, static_folder="static", static_url_path="/static/tool")
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        MAX_FORM_MEMORY_SIZE=settings.max_body_bytes,
        MAX_FORM_PARTS=200,
        TEMPLATES_AUTO_RELOAD=False,
    )
    tool = services or Services.build(settings, migrate=migrate)
    app.extensions[EXTENSION] = tool
    security.install_log_redaction()
    app.register_blueprint(lti_views.bp)
    app.register_blueprint(screener_views.bp)
    app.register_blueprint(teach_views.bp)
    app.register_blueprint(register_views.bp)
    app.register_blueprint(admin_views.bp)
    errors.register(app)
    # course HTML is sanitised already; its internal course links have no page in the tool
    app.add_template_filter(lambda html: Markup(links.rewrite(html, lambda _key: None)), "course_html")
    app.after_request(security.headers)
    course_static = Path(__import__("packager").__file__).resolve().parent / "static"
    app.add_url_rule("/static/course/<path:filename>", "course_static", lambda filename: send_from_directory(course_static, filename, max_age=3600))
    prefix = urlsplit(settings.base_url).path.rstrip("/")
    if prefix:
        app.wsgi_app = _mounted(app.wsgi_app, prefix)
    if settings.trusted_proxies:
        n = settings.trusted_proxies  # the client address, scheme and host the proxies saw
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_prefix=n)
    if settings.run_inline_worker if start_worker is None else start_worker:
        tool.start_inline_worker()
    logging.getLogger("qser").setLevel(settings.log_level.upper())
    return app


def _mounted(wsgi_app, prefix: str):
    """Serve under the base URL's folder (``https://host/qser/``) whether or not the reverse
    proxy strips it, so generated links and cookie paths match what browsers request."""

    def app(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == prefix or path.startswith(prefix + "/"):
            environ["PATH_INFO"] = path[len(prefix):] or "/"
        environ["SCRIPT_NAME"] = prefix
        return wsgi_app(environ, start_response)

    return app
