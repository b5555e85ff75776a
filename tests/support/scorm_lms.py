"""A small LMS for browser tests: scorm-again (a real SCORM 1.2 / 2004 runtime) hosts a package.

One local HTTP server (port 0) serves an LMS page that creates ``window.API`` or
``window.API_1484_11`` from scorm-again, frames the package's launch file like Moodle's player
(``iframe#scorm_object``), and receives scorm-again's commits, which it keeps in order.
A test reads the runtime's CMI data and the commit payloads, never our script's state.
"""

from __future__ import annotations

import json
import threading
import zipfile
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .browser import SCORM_AGAIN_DIR

RUNTIMES = {"1.2": ("scorm12.js", "Scorm12API", "API"), "2004": ("scorm2004.js", "Scorm2004API", "API_1484_11")}

LMS_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Test LMS</title>
<script src="/scorm-again/{script}"></script>
<script>
  window.{name} = new {cls}({{lmsCommitUrl: "/commit", logLevel: 5, autocommit: false}});
  var initial = {initial};
  if (initial) window.{name}.loadFromJSON(initial);
</script>
</head>
<body>
<main><h1>Test LMS</h1>
<iframe id="scorm_object" title="Course" src="/package/{launch}" style="width:100%;height:600px;border:0"></iframe>
</main>
</body>
</html>
"""


@dataclass
class Lms:
    """What the server knows: the package folder, the data to start from, the commits."""

    root: Path
    version: str = "1.2"
    initial: dict | None = None
    commits: list[dict] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self, root: Path, version: str, initial: dict | None = None) -> None:
        """Serve another package, as a fresh LMS session (optionally resuming ``initial``)."""
        with self.lock:
            self.root, self.version, self.initial, self.commits = Path(root), version, initial, []

    def page(self) -> bytes:
        script, cls, name = RUNTIMES[self.version]
        return LMS_PAGE.format(script=script, cls=cls, name=name, initial=json.dumps(self.initial), launch="index.html").encode()

    def record(self, body: bytes) -> None:
        with self.lock:
            self.commits.append(json.loads(body.decode("utf-8")))

    def last_commit(self) -> dict:
        with self.lock:
            return self.commits[-1]


class _Handler(SimpleHTTPRequestHandler):
    lms: Lms

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def end_headers(self) -> None:
        # Every test may serve another package under the same URLs: never reuse a cached file.
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def translate_path(self, path: str) -> str:
        path = path.split("?", 1)[0].split("#", 1)[0]
        if path.startswith("/scorm-again/"):
            return str(SCORM_AGAIN_DIR / Path(path).name)
        if path.startswith("/package/"):
            return str(self.lms.root / path[len("/package/"):])
        return str(self.lms.root / "__missing__")

    def do_GET(self) -> None:
        if self.path == "/favicon.ico":  # the browser asks for it; a 404 would show as a console error
            self.send_response(204)
            self.end_headers()
            return
        if self.path.split("?", 1)[0] == "/lms.html":
            body = self.lms.page()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if self.path.split("?", 1)[0] == "/commit":
            self.lms.record(body)
            reply = b'{"result": true, "errorCode": 0}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)
            return
        self.send_error(404)


class LmsServer:
    """``with LmsServer(folder) as server:`` serves ``server.url("/lms.html")`` until the block ends."""

    def __init__(self, root: Path):
        self.lms = Lms(Path(root))
        handler = type("Handler", (_Handler,), {"lms": self.lms})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler))
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str = "/lms.html") -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}{path}"

    def __enter__(self) -> LmsServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def extract(package: Path, into: Path) -> Path:
    with zipfile.ZipFile(package) as archive:
        archive.extractall(into)
    return into
