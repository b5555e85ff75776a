"""gunicorn, embedded, so ``qser lti serve`` needs no separate config file."""

from __future__ import annotations

import logging

from gunicorn.app.base import BaseApplication

from ..config import Settings


class _App(BaseApplication):
    def __init__(self, settings: Settings, options: dict):
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        # called in each worker after the fork: every process opens its own connections
        from .. import create_app
        from .security import install_logging

        install_logging(self.settings.log_level)
        app = create_app(self.settings, migrate=False)
        logging.getLogger("qser.web").info("worker ready: screeners %s", ", ".join(app.extensions["qser"].catalog.screener_ids) or "none")
        return app


def run(settings: Settings, host: str, port: int, workers: int) -> None:
    _App(settings, {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "sync",
        "timeout": 60,
        "graceful_timeout": 20,
        "limit_request_line": 8190,
        # proxy headers are read by ProxyFix, as many as trusted_proxies says: one place decides
        "forwarded_allow_ips": "",
        "secure_scheme_headers": {},
        # gunicorn's control socket defaults to ~/.gunicorn/gunicorn.ctl, shared by every
        # instance the same user runs (the second one takes it over); nothing here uses it
        "control_socket_disable": True,
        "accesslog": "-" if settings.access_log else None,
        "loglevel": settings.log_level.lower(),
    }).run()
