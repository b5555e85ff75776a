"""The platform half of the 1EdTech "LTI Client Side postMessages" storage, added to the
fake Moodle for browser tests (Moodle 4.5 has none; Canvas, D2L and Blackboard do).

``/storage/view.php`` is a course page like Canvas's: a hidden storage frame named
``post_message_forwarding`` on the platform's origin answers ``lti.put_data`` and
``lti.get_data`` from the tool's origin only, and the tool frame logs in with
``lti_storage_target=post_message_forwarding``. Two misbehaving modes hand the genuine
answer (right message id, right value) to another sender, which the tool must ignore:
``wrong-origin`` (a frame on another host answers) and ``wrong-window`` (the course page
itself answers, same origin as the storage frame but not the frame that was asked).
"""

from __future__ import annotations

import html
import json

from flask import Response, request

from .fake_moodle import FakeMoodle
from .fake_moodle_lti1p3 import form_post

TARGET = "post_message_forwarding"

_FORWARDER = """<!doctype html><html lang="en"><head><title>storage</title></head><body><script>
var store = {}, mode = %(mode)s, tool = %(tool)s;
window.addEventListener("message", function (e) {
  var m = e.data || {};
  if (e.origin !== tool || !m.message_id) { return; }
  if (m.subject === "lti.put_data") {
    store[m.key] = m.value;
    e.source.postMessage({subject: "lti.put_data.response", message_id: m.message_id, key: m.key, value: m.value}, e.origin);
  } else if (m.subject === "lti.get_data") {
    var answer = {subject: "lti.get_data.response", message_id: m.message_id, key: m.key, value: store[m.key]};
    if (mode === "wrong-origin") { parent.frames["rogue"].postMessage({relay: answer}, "*"); }
    else if (mode === "wrong-window") { parent.postMessage({relay: answer}, "*"); }
    else { e.source.postMessage(answer, e.origin); }
  }
});
</script></body></html>"""

_RELAY = """<script>window.addEventListener("message", function (e) {
  if (e.data && e.data.relay) { %(where)s.frames["tool"].postMessage(e.data.relay, "*"); }
});</script>"""


def add_storage_pages(moodle: FakeMoodle, tool_origin: str, rogue_host: str) -> None:
    """Call before ``moodle.start()`` (Flask takes no routes after the first request)."""
    app = moodle.app

    @app.get("/storage/view.php")
    def storage_view():
        """``id=<link>`` a resource link, or ``id=dl`` the activity form's "Select content"."""
        mode = request.args.get("mode", "ok")
        user, link = request.args["user"], request.args["id"]
        rogue_origin = f"http://{rogue_host}:{moodle.port}"  # the same server under another host name: another site
        rogue = (f'<iframe name="rogue" title="other site" src="{html.escape(rogue_origin)}/storage/rogue.html" hidden></iframe>'
                 if mode == "wrong-origin" else "")
        page = (
            '<!doctype html><html lang="en"><head><title>Case-study screener | Q-SER course</title>'
            '<style>body{margin:0}iframe#tool{width:100%;height:1400px;border:0}</style></head><body><main><h1>Q-SER course</h1>'
            f'<iframe name="{TARGET}" title="storage" src="/storage/forwarder.html?mode={html.escape(mode)}" hidden></iframe>{rogue}'
            f'<iframe id="tool" name="tool" title="Case-study screener" src="/storage/launch.php?id={html.escape(link)}&amp;user={html.escape(user)}"></iframe>'
            + (_RELAY % {"where": "window"} if mode == "wrong-window" else "") + "</main></body></html>"
        )
        return Response(page, mimetype="text/html")

    @app.get("/storage/forwarder.html")
    def storage_forwarder():
        body = _FORWARDER % {"mode": json.dumps(request.args.get("mode", "ok")), "tool": json.dumps(tool_origin)}
        return Response(body, mimetype="text/html")

    @app.get("/storage/rogue.html")
    def storage_rogue():
        return Response('<!doctype html><html lang="en"><head><title>rogue</title></head><body>'
                        + _RELAY % {"where": "parent"} + "</body></html>", mimetype="text/html")

    @app.get("/storage/launch.php")
    def storage_launch():
        user, link = request.args["user"], request.args["id"]
        if link == "dl":
            params = moodle.deep_link_params(user, lti_storage_target=TARGET)
        else:
            params = moodle.login_params(user, link, lti_storage_target=TARGET)
        return Response(form_post(moodle.tool_base + "lti/login", params), mimetype="text/html")
