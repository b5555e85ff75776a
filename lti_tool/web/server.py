"""The production server, embedded so ``qser lti serve`` needs no configuration file of its own:
uWSGI (the ``pyuwsgi`` wheel) speaking HTTP to nginx, a master and one process per worker.

Why uWSGI: a launch is two short requests, and the server's own cost per request is a large
part of it. Its HTTP parsing, WSGI environment and accept loop are C: on the 2-core machine
``/healthz`` (one connection per request) cost 0.27 ms of CPU under it, 0.35 ms under granian
and 0.46 to 0.58 ms under gunicorn's sync worker, 0.11 ms handed to the app in-process. The
master builds the app and forks the workers (:mod:`.server_app`), which accept in turn
(``thunder-lock``) instead of every idle worker waking for each connection.

SIGTERM stops gracefully (requests in progress finish, each worker stops its grade-worker
thread); request lines are logged by the app itself, redacted (:func:`access_log`), never by
uWSGI, whose log line would carry a query string's tokens.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from ..config import Settings
from ..screener import ScreenerCatalog

log = logging.getLogger("qser.access")
_SERVED: tuple[Settings, ScreenerCatalog] | None = None  # what ``qser lti serve`` resolved and loaded
GRACE_SECONDS = 20  # a stopping worker's time to finish its request
REQUEST_SECONDS = 60  # a worker stuck longer on one request is replaced
MAX_HEADER_BYTES = 16384  # request line and headers (Moodle's cookies can be long)


def run(settings: Settings, catalog: ScreenerCatalog, host: str, port: int, workers: int) -> None:
    """Serve until SIGTERM; does not return (uWSGI ends the process). ``catalog`` is the
    course ``qser lti serve`` loaded to check it, served as it is (not loaded again)."""
    import pyuwsgi

    global _SERVED
    _SERVED = settings, catalog
    pyuwsgi.run(arguments(host, port, workers))


def arguments(host: str, port: int, workers: int) -> list[str]:
    return [
        "--strict", "--master", "--http-socket", f"{host}:{port}", "--processes", str(workers),
        "--module", "lti_tool.web.server_app:application", "--need-app", "--enable-threads",
        "--thunder-lock", "--listen", str(_backlog()), "--buffer-size", str(MAX_HEADER_BYTES),
        "--harakiri", str(REQUEST_SECONDS), "--worker-reload-mercy", str(GRACE_SECONDS),
        "--die-on-term", "--hook-master-start", "unix_signal:15 gracefully_kill_them_all",
        "--disable-logging", "--ignore-sigpipe", "--ignore-write-errors", "--disable-write-exception",
        # one request per connection, said so: a proxy that keeps upstream connections open
        # (nginx's keepalive) would otherwise send the next request into a closed one
        "--add-header", "Connection: close",
    ]


def served() -> tuple[Settings, ScreenerCatalog]:
    if _SERVED is None:
        raise RuntimeError("lti_tool.web.server_app is loaded by `qser lti serve` only")
    return _SERVED


def _backlog() -> int:
    """gunicorn's default queue of waiting connections; uWSGI refuses to start above the kernel's limit."""
    try:
        limit = int(Path("/proc/sys/net/core/somaxconn").read_text())
    except (OSError, ValueError):
        limit = 128
    return min(2048, limit)


def access_log(app):
    """One line per request on the ``qser.access`` logger (whose handler redacts tokens)."""

    def logged(environ, start_response):
        began = time.perf_counter()
        answered = {}

        def start(status, headers, exc_info=None):
            answered["status"] = status.split(" ", 1)[0]
            return start_response(status, headers, exc_info)

        try:
            return app(environ, start)
        finally:
            query = environ.get("QUERY_STRING")
            log.info('%s "%s %s%s %s" %s %.1f ms', environ.get("REMOTE_ADDR", "-"), environ.get("REQUEST_METHOD"),
                     environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""), "?" + query if query else "",
                     environ.get("SERVER_PROTOCOL"), answered.get("status", "-"), 1000 * (time.perf_counter() - began))

    return logged
