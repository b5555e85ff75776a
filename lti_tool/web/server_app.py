"""The app uWSGI serves (:mod:`.server`): built once in the master from the settings ``qser lti
serve`` resolved, before the workers are forked, so a worker starts at once and the window in
which a stop signal could reach it before uWSGI's own handlers are in place is a few
microseconds (a signal there was lost, and the master waited forever). What must not be shared
across processes is made in each worker after the fork: database connections and the
grade-worker thread, stopped with it.

Everything the master built is then frozen out of the garbage collector (``gc.freeze``): a
worker's collections no longer walk the app, its course and its libraries on every pass, nor
touch (and so copy) the pages it shares with the master. In-process, a launch cost 3 to 10 %
less CPU with it, as much as with the collector off."""

from __future__ import annotations

import gc
import logging

from . import create_app
from .security import install_logging
from .server import access_log, served
from .services import Services


def _build():
    settings, catalog = served()
    install_logging(settings.log_level)
    services = Services.build(settings, migrate=False, catalog=catalog)
    app = create_app(settings, start_worker=False, services=services)

    def after_fork() -> None:
        services.db.engine.dispose(close=False)  # the master's connections stay the master's
        if settings.run_inline_worker:
            services.start_inline_worker()
        logging.getLogger("qser.web").info("worker ready: screeners %s", ", ".join(services.catalog.screener_ids) or "none")

    import uwsgi

    uwsgi.post_fork_hook = after_fork
    uwsgi.atexit = services.close
    gc.collect()
    gc.freeze()
    return access_log(app) if settings.access_log else app


application = _build()
