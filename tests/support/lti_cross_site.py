"""A tool and a fake Moodle on two different sites, on real sockets, for the browser tests of
launches without third-party cookies (Chromium and WebKit), and a cookie probe that finds
out which cookie each engine keeps inside the cross-site iframe."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from flask import Flask, make_response, request
from sqlalchemy import func, select
from werkzeug.serving import make_server

from lti_tool.config import Settings
from lti_tool.store import tables as T
from lti_tool.web import create_app
from lti_tool.web.services import Services

from .fake_moodle import FakeMoodle
from .fake_platform_storage import add_storage_pages
from .lti_flow import register

# Set in the iframe by /_probe/set, read back by /_probe/get.
PROBE_COOKIES = {
    "plain": {"secure": True, "samesite": "None"},
    "partitioned": {"secure": True, "samesite": "None", "partitioned": True},
    "lax": {"samesite": "Lax"},
}


@dataclass
class Stack:
    moodle: FakeMoodle
    services: Services
    tool_origin: str  # as the browser addresses the tool
    server: object

    def launches(self) -> int:
        with self.services.db.read() as conn:
            return conn.execute(select(func.count()).select_from(T.launch)).scalar_one()

    def wait_for_scores(self, count: int, timeout: float = 15.0) -> list:
        deadline = time.monotonic() + timeout  # the in-process worker delivers without being asked
        while len(self.moodle.accepted()) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.moodle.accepted()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.moodle.stop()
        self.services.close()


def start_stack(var, content, *, bind: str, public_host: str, rogue_host: str = "other-platform.test") -> Stack:
    """Tool bound to ``bind`` but addressed as ``public_host``; platform on 127.0.0.1 (another
    site). The platform reads the tool's keys in-process (it cannot resolve test host names)."""
    server = make_server(bind, 0, Flask("placeholder"), threaded=True)
    base = f"http://{public_host}:{server.server_port}/"
    settings = Settings(base_url=base, var_dir=var, content_dir=content, database_url=f"sqlite:///{var / 'lti.sqlite3'}",
                        outbox_inline=True)
    services = Services.build(settings)
    moodle = FakeMoodle(base, tool_jwks=services.keyring.jwks)
    moodle.links["7"].custom = {"qser_screener": "cases/screener"}
    tool_origin = base.rstrip("/")
    add_storage_pages(moodle, tool_origin, rogue_host)
    moodle.start()
    register(services, moodle)
    app = create_app(settings, services=services)
    app.wsgi_app = _with_probe(app.wsgi_app)
    server.app = app
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return Stack(moodle, services, tool_origin, server)


def _with_probe(tool_app):
    probe = Flask("probe")

    @probe.get("/_probe/set")
    def set_cookies():
        resp = make_response('<!doctype html><html lang="en"><title>set</title><body>set</body></html>')
        for name, attributes in PROBE_COOKIES.items():
            resp.set_cookie(name, "1", **attributes)
        return resp

    @probe.get("/_probe/get")
    def get_cookies():
        names = ",".join(sorted(n for n in request.cookies if n in PROBE_COOKIES)) or "none"
        return f'<!doctype html><html lang="en"><title>get</title><body><p id="cookies">{names}</p></body></html>'

    def dispatch(environ, start_response):
        if environ.get("PATH_INFO", "").startswith("/_probe/"):
            return probe.wsgi_app(environ, start_response)
        return tool_app(environ, start_response)

    return dispatch
