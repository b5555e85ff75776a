"""Rejected attacks: each case asserts the HTTP status and that nothing was stored
(no launch, nonce, attempt, summary or grade), on SQLite and on PostgreSQL."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select

from lti_tool.lti import claims as C
from lti_tool.store import tables as T
from tests.support.fake_moodle import FakeMoodle
from tests.support.fake_moodle_lti1p3 import platform_keys
from tests.support.lti_flow import ALL_ANSWERS, answer, auth_location, auth_request, authorize, hidden, launch, login, snapshot

@dataclass
class Login:
    """A started login: the state the tool issued, and a genuine id_token for it."""

    state: str
    nonce: str
    id_token: str
    claims: dict


def start(client, moodle: FakeMoodle, user: str = "101") -> Login:
    resp = login(client, moodle, user)
    params = auth_request(resp)
    _, fields = authorize(moodle, auth_location(resp))
    claims = jwt.decode(fields["id_token"], options={"verify_signature": False})
    return Login(params["state"], params["nonce"], fields["id_token"], claims)


def post_launch(client, state: str | None, id_token: str | None):
    data = {k: v for k, v in (("state", state), ("id_token", id_token)) if v is not None}
    return client.post("/lti/launch", data=data)


def resign(moodle: FakeMoodle, claims: dict, **changes) -> str:
    body = {**claims, **changes}
    return moodle.sign({k: v for k, v in body.items() if v is not None})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forged(header: dict, claims: dict, signature: bytes = b"") -> str:
    head = _b64(json.dumps(header).encode())
    body = _b64(json.dumps(claims).encode())
    return f"{head}.{body}.{_b64(signature)}"


# --- the attacks ----------------------------------------------------------------------------------
# Each takes (client, moodle, services), does any legitimate set-up, and returns a callable that
# sends the attack; the snapshot is taken between the two, so set-up writes do not count.

Attack = Callable[..., Callable[[], object]]


def bad_signature(client, moodle, services):
    lg = start(client, moodle)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = moodle.sign(lg.claims, key=other)
    return lambda: post_launch(client, lg.state, token)


def alg_none(client, moodle, services):
    lg = start(client, moodle)
    token = forged({"alg": "none", "typ": "JWT", "kid": moodle.kid}, lg.claims)
    return lambda: post_launch(client, lg.state, token)


def hs256_with_public_key(client, moodle, services):
    lg = start(client, moodle)
    public_pem = platform_keys()[1].encode()
    header = {"alg": "HS256", "typ": "JWT", "kid": moodle.kid}
    unsigned = forged(header, lg.claims).rsplit(".", 1)[0]
    signature = hmac.new(public_pem, unsigned.encode(), hashlib.sha256).digest()
    return lambda: post_launch(client, lg.state, f"{unsigned}.{_b64(signature)}")


def unknown_kid(client, moodle, services):
    lg = start(client, moodle)
    token = moodle.sign(lg.claims, headers={"kid": "not-a-platform-key"})
    return lambda: post_launch(client, lg.state, token)


def expired(client, moodle, services):
    lg = start(client, moodle)
    now = int(time.time())
    return lambda: post_launch(client, lg.state, resign(moodle, lg.claims, iat=now - 200, exp=now - 140))


def not_yet_valid(client, moodle, services):
    lg = start(client, moodle)
    now = int(time.time())
    return lambda: post_launch(client, lg.state, resign(moodle, lg.claims, iat=now + 120, nbf=now + 120, exp=now + 180))


def replayed_nonce(client, moodle, services):
    lg = start(client, moodle)
    first = post_launch(client, lg.state, lg.id_token)
    assert first.status_code == 200
    cookie = login_cookie_for(lg.state)
    client.set_cookie(cookie[0], cookie[1], path="/lti/", secure=True)  # even with the browser's cookie back
    return lambda: post_launch(client, lg.state, lg.id_token)


def login_cookie_for(state: str) -> tuple[str, str]:
    digest = hashlib.sha256(state.encode()).hexdigest()
    return "qser-state-" + digest[:16], digest


def nonce_of_another_state(client, moodle, services):
    first = start(client, moodle)
    second = start(client, moodle)
    return lambda: post_launch(client, first.state, second.id_token)


def missing_state(client, moodle, services):
    lg = start(client, moodle)
    return lambda: post_launch(client, None, lg.id_token)


def tampered_state(client, moodle, services):
    lg = start(client, moodle)
    body, mac = lg.state.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["p"] = payload["p"] + 1
    evil = _b64(json.dumps(payload).encode()) + "." + mac
    return lambda: post_launch(client, evil, lg.id_token)


def state_from_another_browser(client, moodle, services):
    """No state cookie and no launch proof from the browser's storage (see test_lti_launch_storage)."""
    lg = start(client, moodle)
    client.delete_cookie(login_cookie_for(lg.state)[0], path="/lti/")
    assert post_launch(client, lg.state, lg.id_token).status_code == 200  # the page that asks for the proof
    return lambda: client.post("/lti/launch/confirm", data={"state": lg.state, "id_token": lg.id_token},
                               headers={"Origin": "http://localhost"})


def wrong_iss(client, moodle, services):
    lg = start(client, moodle)
    return lambda: post_launch(client, lg.state, resign(moodle, lg.claims, iss="https://evil.example.org"))


def wrong_aud(client, moodle, services):
    lg = start(client, moodle)
    return lambda: post_launch(client, lg.state, resign(moodle, lg.claims, aud="someone-else", azp=None))


def aud_list_without_azp(client, moodle, services):
    lg = start(client, moodle)
    return lambda: post_launch(client, lg.state, resign(moodle, lg.claims, aud=[moodle.client_id, "other-tool"], azp=None))


def wrong_azp(client, moodle, services):
    lg = start(client, moodle)
    return lambda: post_launch(client, lg.state, resign(moodle, lg.claims, aud=[moodle.client_id, "other-tool"], azp="other-tool"))


def unknown_deployment(client, moodle, services):
    lg = start(client, moodle)
    return lambda: post_launch(client, lg.state, resign(moodle, lg.claims, **{C.DEPLOYMENT_ID: "999"}))


def wrong_message_type(client, moodle, services):
    lg = start(client, moodle)
    return lambda: post_launch(client, lg.state, resign(moodle, lg.claims, **{C.MESSAGE_TYPE: "LtiSubmissionReviewRequest"}))


def wrong_version(client, moodle, services):
    lg = start(client, moodle)
    return lambda: post_launch(client, lg.state, resign(moodle, lg.claims, **{C.VERSION: "1.1.0"}))


def foreign_target_at_login(client, moodle, services):
    return lambda: login(client, moodle, target_link_uri="https://evil.example.org/lti/launch")


def foreign_target_in_token(client, moodle, services):
    lg = start(client, moodle)
    return lambda: post_launch(client, lg.state, resign(moodle, lg.claims, **{C.TARGET_LINK_URI: "https://evil.example.org/lti/launch"}))


def unknown_issuer_at_login(client, moodle, services):
    return lambda: login(client, moodle, iss="https://unregistered.example.org")


def missing_sub(client, moodle, services):
    lg = start(client, moodle)
    return lambda: post_launch(client, lg.state, resign(moodle, lg.claims, sub=None))


def missing_resource_link(client, moodle, services):
    lg = start(client, moodle)
    return lambda: post_launch(client, lg.state, resign(moodle, lg.claims, **{C.RESOURCE_LINK: None}))


def missing_deployment_id(client, moodle, services):
    lg = start(client, moodle)
    return lambda: post_launch(client, lg.state, resign(moodle, lg.claims, **{C.DEPLOYMENT_ID: None}))


def missing_id_token(client, moodle, services):
    lg = start(client, moodle)
    return lambda: post_launch(client, lg.state, None)


def oversized_body(client, moodle, services):
    lg = start(client, moodle)
    return lambda: client.post("/lti/launch", data={"state": lg.state, "id_token": lg.id_token, "padding": "x" * (1024 * 1024)})


def _launched(client, moodle):
    launched = launch(client, moodle)
    assert launched.response.status_code == 200
    return launched


def csrf_on_answers(client, moodle, services):
    launched = _launched(client, moodle)
    return lambda: client.post("/screener/answers", data={"launch": launched.token, **{f"q-{q}": "yes" for q in ALL_ANSWERS}})


def csrf_on_summary(client, moodle, services):
    launched = _launched(client, moodle)
    page = answer(client, launched, ALL_ANSWERS, ALL_ANSWERS).get_data(as_text=True)
    attempt = hidden(page, "attempt")
    return lambda: client.post("/screener/summary", data={
        "launch": launched.token, "csrf": "0" * 64, "attempt": attempt, "f-name": "a", "f-title": "b", "f-background": "c"})


def cross_site_summary(client, moodle, services):
    launched = _launched(client, moodle)
    page = answer(client, launched, ALL_ANSWERS, ALL_ANSWERS).get_data(as_text=True)
    attempt = hidden(page, "attempt")
    return lambda: client.post("/screener/summary", headers={"Origin": "https://evil.example.org"}, data={
        "launch": launched.token, "csrf": launched.csrf, "attempt": attempt, "f-name": "a", "f-title": "b", "f-background": "c"})


def summary_for_another_learners_attempt(client, moodle, services):
    victim = _launched(client, moodle)
    page = answer(client, victim, ALL_ANSWERS, ALL_ANSWERS).get_data(as_text=True)
    victim_attempt = hidden(page, "attempt")
    attacker = launch(client, moodle, user="102")
    return lambda: client.post("/screener/summary", data={
        "launch": attacker.token, "csrf": attacker.csrf, "attempt": victim_attempt, "f-name": "a", "f-title": "b", "f-background": "c"})


def forged_launch_token(client, moodle, services):
    _launched(client, moodle)
    fake = "A" * 43
    return lambda: client.post("/screener/answers", data={"launch": fake, "csrf": services.csrf_token(services.token_hash(fake)),
                                                          **{f"q-{q}": "yes" for q in ALL_ANSWERS}})


ATTACKS: list[tuple[Attack, int, str | None]] = [
    (bad_signature, 403, 'bad_signature'),
    (alg_none, 403, 'bad_alg'),
    (hs256_with_public_key, 403, 'bad_alg'),
    (unknown_kid, 403, 'unknown_kid'),
    (expired, 403, 'expired'),
    (not_yet_valid, 403, 'not_yet_valid'),
    (replayed_nonce, 403, 'replay'),
    (nonce_of_another_state, 403, 'nonce_mismatch'),
    (missing_state, 400, 'state_missing'),
    (tampered_state, 403, 'state_invalid'),
    (state_from_another_browser, 403, 'state_unbound'),
    (wrong_iss, 403, 'wrong_iss'),
    (wrong_aud, 403, 'wrong_aud'),
    (aud_list_without_azp, 403, 'azp_missing'),
    (wrong_azp, 403, 'wrong_azp'),
    (unknown_deployment, 403, 'unknown_deployment'),
    (wrong_message_type, 400, 'wrong_message_type'),
    (wrong_version, 400, 'wrong_version'),
    (foreign_target_at_login, 403, 'foreign_target'),
    (foreign_target_in_token, 403, 'target_mismatch'),
    (unknown_issuer_at_login, 403, 'unknown_platform'),
    (missing_sub, 400, 'claim_missing'),
    (missing_resource_link, 400, 'claim_missing'),
    (missing_deployment_id, 400, 'claim_missing'),
    (missing_id_token, 400, 'token_missing'),
    (oversized_body, 413, None),
    (csrf_on_answers, 403, 'csrf'),
    (csrf_on_summary, 403, 'csrf'),
    (cross_site_summary, 403, 'csrf'),
    (summary_for_another_learners_attempt, 404, 'attempt_unknown'),
    (forged_launch_token, 403, 'session_expired'),
]


@pytest.mark.parametrize(("attack", "status", "code"), ATTACKS, ids=[a.__name__ for a, _, _ in ATTACKS])
def test_attack_is_rejected_and_stores_nothing(attack, status, code, client, moodle, services):
    send = attack(client, moodle, services)
    before = snapshot(services)
    resp = send()
    assert resp.status_code == status, resp.get_data(as_text=True)[:2000]
    if code:  # refused for the reason under test, not by an earlier check
        assert f'<code class="lti-error-code">{code}</code>' in resp.get_data(as_text=True)
    assert snapshot(services) == before
    assert "Location" not in resp.headers  # never redirected anywhere
    assert "<html" in resp.get_data(as_text=True)  # a page a person can read, not a stack trace


def test_score_fields_from_the_browser_are_ignored(client, moodle, services):
    """A learner cannot post a score: it is computed on the server from the answers."""
    launched = launch(client, moodle)
    resp = answer(client, launched, ALL_ANSWERS[:1], ALL_ANSWERS, score="5", scoreGiven="5", **{"q-invented": "yes"})
    assert resp.status_code == 200
    with services.db.read() as conn:
        attempt = conn.execute(select(T.attempt)).one()
        grade = conn.execute(select(T.grade_outbox)).one()
    assert attempt.score == 1 and set(attempt.answers) == set(ALL_ANSWERS)
    assert grade.score_given == 1 and grade.user_sub == "101"


def test_security_headers(client, moodle):
    launched = launch(client, moodle)
    csp = launched.response.headers["Content-Security-Policy"]
    assert f"frame-ancestors 'self' {moodle.issuer}" in csp
    assert "script-src" not in csp and "default-src 'none'" in csp  # no script may run at all
    assert launched.response.headers["X-Content-Type-Options"] == "nosniff"
    assert "X-Frame-Options" not in launched.response.headers  # framing by the platform is the point
    assert launched.response.headers["Cache-Control"] == "no-store"


def test_no_tokens_in_logs(client, moodle, caplog):
    caplog.set_level("DEBUG")
    lg = start(client, moodle)
    post_launch(client, lg.state, lg.id_token)
    post_launch(client, lg.state, lg.id_token)  # refused: logged
    text = caplog.text
    assert caplog.records  # something was logged
    for secret in (lg.id_token, lg.state, lg.nonce, lg.id_token.split(".")[1]):
        assert secret not in text
