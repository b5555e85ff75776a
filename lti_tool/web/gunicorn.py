"""gunicorn, embedded, so ``qser lti serve`` needs no separate config file."""

from __future__ import annotations

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

        return create_app(self.settings, migrate=False)


def run(settings: Settings, host: str, port: int, workers: int) -> None:
    _App(settings, {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "sync",
        "timeout": 60,
        "graceful_timeout": 20,
        "limit_request_line": 8190,
        "forwarded_allow_ips": "127.0.0.1,::1",
        "accesslog": "-" if settings.access_log else None,
        "loglevel": settings.log_level.lower(),
    }).run()
