"""Full launches against a real LTI 1.3 platform implementation (lti1p3platform) with
Moodle's behaviours, on SQLite and on PostgreSQL: OIDC initiation -> authorization ->
launch -> screener answered -> summary -> scores received by the platform's AGS endpoint."""

from __future__ import annotations

from datetime import datetime

import jwt
import requests
from sqlalchemy import func, select

from lti_tool.outbox import OutboxWorker
from lti_tool.store import tables as T
from tests.support.fake_moodle import FakeMoodle
from tests.support.fake_moodle_lti1p3 import User
from tests.support.lti_flow import ALL_ANSWERS, answer, auth_location, auth_request, authorize, deliver_all, hidden, launch, login, outbox_rows, register


def count(services, table) -> int:
    with services.db.read() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_suitable_case_full_flow(client, moodle, services):
    worker = OutboxWorker(services.db, services.settings, services.keyring)
    launched = launch(client, moodle)
    html = launched.html
    assert launched.response.status_code == 200
    assert '<html lang="en">' in html
    assert html.count('<fieldset class="lti-question') == 5
    assert "Is this a <strong>recurring</strong> issue" in html  # rendered, sanitised Markdown

    result = answer(client, launched, ALL_ANSWERS[:4], ALL_ANSWERS)
    page = result.get_data(as_text=True)
    assert result.status_code == 200
    assert "You answered yes to 4 of 5 questions." in page
    assert "This case study is <strong>suitable</strong>" in page
    assert 'name="f-background"' in page

    deliver_all(services, worker)
    [first] = moodle.accepted()
    assert first.path == "/mod/lti/services.php/2/lineitems/11/lineitem/scores"  # /scores before ?type_id=
    assert first.query == "type_id=3"
    assert first.content_type == "application/vnd.ims.lis.v1.score+json"
    assert first.body["userId"] == "101"
    assert (first.body["scoreGiven"], first.body["scoreMaximum"]) == (4, 5)
    assert (first.body["activityProgress"], first.body["gradingProgress"]) == ("Submitted", "FullyGraded")
    with services.db.read() as conn:
        attempt_at = conn.execute(select(T.attempt.c.created_at)).scalar_one()
    assert datetime.fromisoformat(first.body["timestamp"]).replace(microsecond=0) == attempt_at.replace(microsecond=0, tzinfo=datetime.fromisoformat(first.body["timestamp"]).tzinfo)

    attempt_id = hidden(page, "attempt")
    done = client.post("/screener/summary", data={
        "launch": launched.token, "csrf": launched.csrf, "attempt": attempt_id,
        "f-name": "Eleni", "f-title": "Interpreters on call", "f-background": "Families waited for hours.\r\nNo interpreter.",
    })
    assert done.status_code == 200, done.get_data(as_text=True)
    assert "your case-study summary is saved" in done.get_data(as_text=True)
    with services.db.read() as conn:
        summary = conn.execute(select(T.case_summary)).one()
    assert summary.fields == {"name": "Eleni", "title": "Interpreters on call", "sector": "", "background": "Families waited for hours.\nNo interpreter.", "source": ""}
    assert summary.review_status == "submitted"

    deliver_all(services, worker)
    worker.close()
    assert [c.body["activityProgress"] for c in moodle.accepted()] == ["Submitted", "Completed"]
    assert moodle.grades[("11", "101")][1]["scoreGiven"] == 4
    assert moodle.token_requests == 1  # the access token is cached between scores
    assert {r.status for r in outbox_rows(services)} == {"delivered"}

    again = client.post("/screener/summary", data={"launch": launched.token, "csrf": launched.csrf, "attempt": attempt_id,
                                                   "f-name": "X", "f-title": "Y", "f-background": "Z"})
    assert "already saved" in again.get_data(as_text=True)
    assert count(services, T.case_summary) == 1


def test_unsuitable_case_asks_for_another(client, moodle, services):
    launched = launch(client, moodle)
    result = answer(client, launched, ALL_ANSWERS[:3], ALL_ANSWERS)
    page = result.get_data(as_text=True)
    assert "You answered yes to 3 of 5 questions." in page
    assert "Please find another case study" in page
    assert 'name="f-name"' not in page
    attempt_id = outbox_rows(services)[0].attempt_id
    refused = client.post("/screener/summary", data={"launch": launched.token, "csrf": launched.csrf, "attempt": attempt_id,
                                                     "f-name": "a", "f-title": "b", "f-background": "c"})
    assert refused.status_code == 409
    assert count(services, T.case_summary) == 0
    restart = client.post("/screener/start", data={"launch": launched.token, "csrf": launched.csrf})
    assert restart.get_data(as_text=True).count('<fieldset class="lti-question') == 5
    deliver_all(services)
    [call] = moodle.accepted()
    assert (call.body["scoreGiven"], call.body["activityProgress"]) == (3, "InProgress")


def test_missing_answers_are_shown_not_scored(client, moodle, services):
    launched = launch(client, moodle)
    resp = client.post("/screener/answers", data={"launch": launched.token, "csrf": launched.csrf, "q-recurring": "yes"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert 'role="alert"' in page and "choose yes or no" in page
    assert 'value="yes" required checked' in page  # the answer given is kept
    assert count(services, T.attempt) == 0


def test_login_initiation_by_get_and_moodle_auth_parameters(client, moodle):
    resp = login(client, moodle, method="get")
    assert resp.status_code == 200  # a small page that goes on to the platform (launch_storage)
    params = auth_request(resp)
    assert params["scope"] == "openid"
    assert params["response_type"] == "id_token"
    assert params["response_mode"] == "form_post"
    assert params["prompt"] == "none"
    assert params["client_id"] == moodle.client_id
    assert params["redirect_uri"] == "http://localhost/lti/launch"
    assert params["login_hint"] == "101"
    assert params["lti_message_hint"] in moodle.hints
    assert len(params["nonce"]) >= 40 and params["state"]
    cookie = resp.headers["Set-Cookie"]
    for attribute in ("Secure", "HttpOnly", "SameSite=None", "Partitioned"):
        assert attribute in cookie
    action, fields = authorize(moodle, auth_location(resp))
    assert moodle.auth_refusals == []
    claims = jwt.decode(fields["id_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 60  # Moodle's token lifetime
    assert client.post("/lti/launch", data=fields).status_code == 200


def test_launch_language_from_locale_and_custom_parameter(client, moodle):
    moodle.links["7"].locale = "el-GR"
    page = launch(client, moodle).html
    assert '<html lang="el">' in page and "Είναι ένα ζήτημα που επανέρχεται" in page and "Ναι" in page

    moodle.links["7"].locale = "fr-FR"  # not a course language: English
    assert '<html lang="en">' in launch(client, moodle).html

    moodle.links["7"].locale = "en"
    moodle.links["7"].custom = {"qser_screener": "cases/screener", "qser_lang": "el"}
    assert '<html lang="el">' in launch(client, moodle).html


def test_unknown_screener_is_a_clear_error(client, moodle, services):
    moodle.links["7"].custom = {"qser_screener": "nope/none"}
    launched = launch(client, moodle)
    assert launched.response.status_code == 400
    assert "cases/screener" in launched.html  # names the screeners that exist
    assert count(services, T.launch) == 0


def test_teacher_score_is_a_terminal_error_with_reason(client, moodle, services):
    launched = launch(client, moodle, user="201")
    answer(client, launched, ALL_ANSWERS, ALL_ANSWERS)
    deliver_all(services)
    [row] = outbox_rows(services)
    assert row.status == "failed" and row.last_status == 400
    assert "not gradable" in row.last_error and "Incorrect score received" in row.last_error
    assert row.tries == 1  # not retried: it cannot succeed


def test_stale_timestamp_409_means_a_newer_score_exists(client, moodle, services):
    launched = launch(client, moodle)
    answer(client, launched, ALL_ANSWERS, ALL_ANSWERS)
    moodle.grades[("11", "101")] = (datetime(2100, 1, 1).timestamp(), {"scoreGiven": 2})  # a newer grade is there
    deliver_all(services)
    [row] = outbox_rows(services)
    [call] = moodle.scores
    assert call.status == 409
    assert row.status == "delivered" and row.last_status == 409 and "same-or-newer" in row.last_error


def test_launch_without_grade_sync_stores_no_grade(client, moodle, services):
    moodle.links["7"].grades = False
    launched = launch(client, moodle)
    page = answer(client, launched, ALL_ANSWERS, ALL_ANSWERS).get_data(as_text=True)
    assert "grade book" not in page
    assert count(services, T.attempt) == 1 and count(services, T.grade_outbox) == 0


def test_tool_jwks_and_rotation_with_platform_verifying(client, moodle, services):
    keys = client.get("/lti/jwks.json").get_json()["keys"]
    assert [(k["kty"], k["alg"], k["use"]) for k in keys] == [("RSA", "RS256", "sig")]
    assert "d" not in keys[0]  # public parts only
    old = keys[0]["kid"]
    services.keyring.rotate(overlap_seconds=3600)
    kids = [k["kid"] for k in client.get("/lti/jwks.json").get_json()["keys"]]
    assert old in kids and len(kids) == 2
    launched = launch(client, moodle)
    answer(client, launched, ALL_ANSWERS, ALL_ANSWERS)
    deliver_all(services)  # the platform verifies an assertion signed with the new key
    assert jwt.get_unverified_header(services.keyring.sign({"a": 1}))["kid"] != old
    assert len(moodle.accepted()) == 1


def test_several_platforms_and_deployments(client, moodle, services):
    other = FakeMoodle(services.settings.base_url, client_id="second-client", deployment_id="9", tool_jwks=services.keyring.jwks).start()
    try:
        other.links["7"].custom = {"qser_screener": "cases/screener"}
        other.users["101"] = User("101", "Same id, other site", moodle.users["101"].roles)
        register(services, other)
        a, b = launch(client, moodle), launch(client, other)
        assert a.response.status_code == b.response.status_code == 200
        answer(client, a, ALL_ANSWERS, ALL_ANSWERS)
        answer(client, b, ALL_ANSWERS[:1], ALL_ANSWERS)
        deliver_all(services)
        assert [c.body["scoreGiven"] for c in moodle.accepted()] == [5]
        assert [c.body["scoreGiven"] for c in other.accepted()] == [1]
        assert requests.get(other.jwks_url, timeout=5).status_code == 200
    finally:
        other.stop()
