"""The LTI tool in headless Chromium: a server on a real socket, the tool's frame inside the
platform's page, axe-core run inside that frame."""

from __future__ import annotations

import threading
import time

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.support.browser import AXE_JS, WCAG_TAGS

PHONE = {"width": 375, "height": 740}

# One more try on failure for a test that follows the tool's iframe through a platform: now and
# then Playwright keeps a stale frame for it after it moves between the platform's and the
# tool's renderer processes (platform page, tool login, platform auth.php, tool launch), so a
# frame the server has answered is never seen (failed runs' logs showed POST /lti/launch served
# while Playwright still listed the frame at auth.php; seen in full-suite runs only). A real
# failure fails twice.
STALE_FRAME_RETRY = pytest.mark.flaky(reruns=1)


class Server:
    def __init__(self, host: str, app=None):
        self.server = make_server(host, 0, app or Flask("placeholder"), threaded=True)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def axe(frame) -> list[dict]:
    """axe-core inside the tool's frame. Evaluated through DevTools, which the page's CSP
    (no scripts at all) does not govern, so the CSP stays on during the test."""
    frame.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;true")
    return frame.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}}).then(r => r.violations)", WCAG_TAGS)


def tool_frame(page, port: int, path: str):
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for frame in page.frames:
            if frame.url.startswith(f"http://localhost:{port}{path}"):
                frame.wait_for_load_state()
                return frame
        page.wait_for_timeout(50)
    raise AssertionError(f"tool frame {path} never loaded; frames: {[f.url for f in page.frames]}")


def no_horizontal_scroll(frame) -> bool:
    return frame.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")
