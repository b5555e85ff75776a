"""What a browser does during a launch, step by step, for tests without a browser; and the
steps several LTI test modules share (register the fake Moodle, answer and submit the
screener, deliver the queued grades)."""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import requests
from sqlalchemy import func, select

from lti_tool.outbox import OutboxWorker
from lti_tool.store import registry
from lti_tool.store import tables as T
from lti_tool.web.services import Services

from .fake_moodle import FakeMoodle
from .fake_moodle_lti1p3 import parse_form_post

ALL_ANSWERS = ("recurring", "recordable", "other-departments", "service-change", "mutual-benefit")
STORED = (T.launch, T.nonce_used, T.attempt, T.case_summary, T.grade_outbox)  # what a refused request must not add
SUMMARY = {"f-name": "Eleni Papadopoulou", "f-title": "Interpreters on call", "f-background": "Families waited for hours."}


@dataclass
class Launched:
    response: object  # the tool's answer to the launch POST
    token: str = ""
    csrf: str = ""

    @property
    def html(self) -> str:
        return self.response.get_data(as_text=True)


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    return match.group(1) if match else ""


def authorize(moodle: FakeMoodle, location: str) -> tuple[str, dict[str, str]]:
    """Follow the tool's redirect to the platform; return the form_post it answers with."""
    resp = requests.get(location, timeout=10)
    assert resp.status_code == 200, (resp.status_code, resp.text, moodle.auth_refusals)
    return parse_form_post(resp.text)


def login(client, moodle: FakeMoodle, user: str = "101", link: str = "7", method: str = "post", **overrides):
    params = moodle.login_params(user, link, **overrides)
    if method == "post":
        return client.post("/lti/login", data=params)
    return client.get("/lti/login", query_string=params)


def auth_location(resp) -> str:
    """Where the tool's login page sends the browser on (the platform's auth endpoint); from
    the Flask test client or from requests against a running server."""
    page = resp.get_data(as_text=True) if hasattr(resp, "get_data") else resp.text
    match = re.search(r'data-auth="([^"]*)"', page)
    assert resp.status_code == 200 and match, (resp.status_code, page[:2000])
    return html_lib.unescape(match.group(1))


def auth_request(resp) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(auth_location(resp)).query).items()}


def launch(client, moodle: FakeMoodle, user: str = "101", link: str = "7") -> Launched:
    resp = login(client, moodle, user, link)
    action, fields = authorize(moodle, auth_location(resp))
    assert urlsplit(action).path == "/lti/launch"
    launched = client.post("/lti/launch", data=fields)
    html = launched.get_data(as_text=True)
    return Launched(launched, hidden(html, "launch"), hidden(html, "csrf"))


def answer(client, launched: Launched, yes: tuple[str, ...], questions: tuple[str, ...], **extra):
    data = {"launch": launched.token, "csrf": launched.csrf, **{f"q-{q}": "yes" if q in yes else "no" for q in questions}, **extra}
    return client.post("/screener/answers", data=data)


def deep_link_launch(client, moodle: FakeMoodle, user: str = "201"):
    """The teacher presses "Select content" in Moodle's activity form: login, authorize,
    launch; returns the tool's answer (the activity picker)."""
    resp = client.post("/lti/login", data=moodle.deep_link_params(user))
    action, fields = authorize(moodle, auth_location(resp))
    return client.post(urlsplit(action).path, data=fields)


def picker_forms(html: str) -> list[tuple[str, str, str]]:
    """(action, JWT, button text) of every form of the activity picker."""
    found = []
    for form in re.findall(r"<form\b.*?</form>", html, flags=re.S):
        action = re.search(r'action="([^"]*)"', form).group(1)
        token = re.search(r'name="JWT" value="([^"]*)"', form)
        text = re.sub(r"<[^>]+>", "", re.search(r"<button\b.*?</button>", form, flags=re.S).group(0))
        if token:
            found.append((html_lib.unescape(action), token.group(1), " ".join(html_lib.unescape(text).split())))
    return found


def staff_post(client, launched: Launched, path: str, **fields):
    return client.post(path, data={"launch": launched.token, "csrf": launched.csrf, **fields})


def register(tool: Services, platform: FakeMoodle) -> int:
    platform_id = registry.save_platform(
        tool.db, issuer=platform.issuer, client_id=platform.client_id, auth_login_url=platform.auth_url,
        auth_token_url=platform.token_url, jwks_url=platform.jwks_url, name="Fake Moodle", deployments=(platform.deployment_id,),
    )
    tool.forget_registrations()
    return platform_id


def submit(client, launched: Launched, yes=ALL_ANSWERS, **fields):
    page = answer(client, launched, yes, ALL_ANSWERS).get_data(as_text=True)
    attempt = hidden(page, "attempt")
    if not attempt:
        return None
    data = {"launch": launched.token, "csrf": launched.csrf, "attempt": attempt, **SUMMARY, **fields}
    resp = client.post("/screener/summary", data=data)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return int(attempt)


def summaries(services):
    with services.db.read() as conn:
        return conn.execute(select(T.case_summary).order_by(T.case_summary.c.id)).all()


def deliver_all(services, worker: OutboxWorker | None = None, rounds: int = 20) -> None:
    own = worker is None
    worker = worker or OutboxWorker(services.db, services.settings, services.keyring)
    try:
        for _ in range(rounds):
            if not worker.run_once():
                break
    finally:
        if own:
            worker.close()


def outbox_rows(services):
    with services.db.read() as conn:
        return conn.execute(select(T.grade_outbox).order_by(T.grade_outbox.c.id)).all()


def snapshot(services) -> dict[str, int]:
    """Row counts of everything a launch or a form could store."""
    with services.db.read() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in STORED}
