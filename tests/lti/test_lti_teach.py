"""The instructor view on SQLite and PostgreSQL: attempts, summaries and grade passback of the
course; review (approve, edit, reject); "send again" under Moodle's 409 rule; CSV export
safe from formula injection; learners without an attempt from the memberships service
(paged with Link headers; a platform without the service; a failing one). And the role
rules: a learner never reaches these pages, or another learner's or another course's data."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from flask import Response

from tests.support.fake_moodle import FakeMoodle
from tests.support.fake_moodle_lti1p3 import Link, User
from tests.support.lti_flow import (
    ALL_ANSWERS, SUMMARY, Launched, answer, deliver_all, hidden, launch, outbox_rows, register, staff_post, submit, summaries,
)


@pytest.fixture
def teacher(client, moodle) -> Launched:
    return launch(client, moodle, user="201")


def test_overview_shows_the_course(client, moodle, services):
    submit(client, launch(client, moodle, user="101"), credit="organisation", **{"credit-org": "City of Patras"})
    submit(client, launch(client, moodle, user="102"), yes=ALL_ANSWERS[:2])
    deliver_all(services)
    staff = launch(client, moodle, user="201")
    html = staff.html
    assert staff.response.status_code == 200
    assert "<h1>Screener results</h1>" in html and "Q-SER course" in html
    assert "Attempts: 2" in html and "People: 2" in html and "Case studies to review: 1" in html
    assert "Eleni Learner" in html and "Pablo Learner" in html
    assert "5 / 5: suitable" in html and "2 / 5: not suitable" in html
    listed = html.split('id="attempts-title"')[1]  # the charts above count the review states too
    assert listed.count("waiting for review") == 1 and listed.count(">sent") >= 2
    assert "Try the screener yourself" in html and "<script" not in html
    assert "script-src" not in staff.response.headers["Content-Security-Policy"]
    [row] = summaries(services)
    assert (row.credit, row.credit_org) == ("organisation", "City of Patras")


def test_review_edit_approve_and_reject(client, moodle, services, teacher):
    submit(client, launch(client, moodle, user="101"))
    [row] = summaries(services)
    page = staff_post(client, teacher, "/teach/summary", summary=row.id)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Families waited for hours." in html and 'lang="en"' in html
    edited = {"f-name": "Eleni Papadopoulou", "f-title": "Interpreters on call", "f-background": "Families waited for hours at the desk."}
    approved = staff_post(client, teacher, "/teach/review", summary=row.id, action="approve", **edited)
    assert approved.status_code == 200 and "is approved" in approved.get_data(as_text=True)
    [row] = summaries(services)
    assert row.review_status == "approved" and row.reviewed_by == "201"
    assert row.fields["background"] == "Families waited for hours at the desk."
    assert row.original_fields["background"] == "Families waited for hours."  # the learner's text is kept
    assert "at the desk" in row.search_key
    too_long = staff_post(client, teacher, "/teach/review", summary=row.id, action="save", **{**edited, "f-title": "x" * 3000})
    assert too_long.status_code == 422 and 'aria-invalid="true"' in too_long.get_data(as_text=True)
    assert summaries(services)[0].fields["title"] == "Interpreters on call"
    rejected = staff_post(client, teacher, "/teach/review", summary=row.id, action="reject", **edited)
    assert "rejected" in rejected.get_data(as_text=True) and summaries(services)[0].review_status == "rejected"
    assert staff_post(client, teacher, "/teach/review", summary=row.id, action="publish", **edited).status_code == 400


def test_send_again_with_a_fresh_timestamp(client, moodle, services, teacher):
    moodle.users["101"].gradable = False  # Moodle answers 400 "Incorrect score received"
    learner = launch(client, moodle, user="101")
    answer(client, learner, ALL_ANSWERS[:3], ALL_ANSWERS)
    deliver_all(services)
    [failed] = outbox_rows(services)
    assert failed.status == "failed"
    html = staff_post(client, teacher, "/teach/").get_data(as_text=True)
    assert "not sent" in html and "Incorrect score received" in html and "Send the score again" in html

    moodle.users["101"].gradable = True  # the teacher fixed the enrolment in Moodle
    resent = staff_post(client, teacher, "/teach/resend", grade=failed.id)
    assert resent.status_code == 200 and "queued" in resent.get_data(as_text=True)
    pending = outbox_rows(services)[-1]
    assert (pending.status, pending.attempt_id, pending.requested_by) == ("pending", failed.attempt_id, "201")
    assert pending.score_timestamp > failed.score_timestamp
    again = staff_post(client, teacher, "/teach/resend", grade=failed.id)
    assert again.status_code == 409  # an older row of the same score: a newer one exists
    assert staff_post(client, teacher, "/teach/resend", grade=pending.id).status_code == 409  # already queued
    deliver_all(services)
    assert outbox_rows(services)[-1].status == "delivered"
    stamp, score = moodle.grades[("11", "101")]
    assert score["scoreGiven"] == 3 and stamp == datetime.fromisoformat(score["timestamp"]).timestamp()

    # a delivered score may go again (Moodle accepts the newer timestamp), but not once the learner has a newer attempt
    delivered = outbox_rows(services)[-1]
    assert staff_post(client, teacher, "/teach/resend", grade=delivered.id).status_code == 200
    deliver_all(services)
    assert [c.status for c in moodle.scores][-1] == 200  # no 409: the timestamp is fresh
    answer(client, learner, ALL_ANSWERS, ALL_ANSWERS)
    older = outbox_rows(services)[-2]
    refused = staff_post(client, teacher, "/teach/resend", grade=older.id)
    assert refused.status_code == 409 and "newer score" in refused.get_data(as_text=True)


def test_csv_export_cannot_carry_formulas(client, moodle, services, teacher):
    submit(client, launch(client, moodle, user="101"), **{"f-title": '=HYPERLINK("http://evil.example","x")',
                                                          "f-background": "+SUM(A1:A9)\nΔιερμηνείς στο γκισέ", "f-source": "@cmd"})
    resp = staff_post(client, teacher, "/teach/export.csv")
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in resp.headers["Content-Disposition"]
    raw = resp.get_data()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header, row = rows[0], rows[1]
    cell = dict(zip(header, row))
    assert cell["Case study title"] == '\'=HYPERLINK("http://evil.example","x")'
    assert cell["Problem background"] == "'+SUM(A1:A9)\nΔιερμηνείς στο γκισέ"
    assert cell["Source / reference"] == "'@cmd"
    assert (cell["Score"], cell["Maximum"], cell["Learner"]) == ("5", "5", "Eleni Learner")
    for line in rows[1:]:
        assert not any(value.startswith(("=", "+", "-", "@")) for value in line)


# --- Names and Role Provisioning --------------------------------------------------------------------


def _members(moodle: FakeMoodle) -> None:
    moodle.links["7"].nrps = True
    for uid, name in (("103", "Zoe Zeta"), ("104", "Ana Alpha"), ("105", "Marta Mu")):
        moodle.users[uid] = User(uid, name, ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"])
    moodle.member_ids = ["101", "102", "201", "103", "104", "105"]


def test_learners_without_an_attempt_across_pages(client, moodle, services):
    _members(moodle)
    answer(client, launch(client, moodle, user="101"), ALL_ANSWERS, ALL_ANSWERS)
    html = launch(client, moodle, user="201").html
    start = html.index("Learners who have not done the screener")
    listed = html[start:html.index("</section>", start)]
    assert [n for n in ("Ana Alpha", "Marta Mu", "Pablo Learner", "Zoe Zeta") if n in listed] == ["Ana Alpha", "Marta Mu", "Pablo Learner", "Zoe Zeta"]
    assert listed.index("Ana Alpha") < listed.index("Marta Mu") < listed.index("Pablo Learner") < listed.index("Zoe Zeta")
    assert "Eleni Learner" not in listed and "Tina Teacher" not in listed
    pages = moodle.nrps_requests
    assert len(pages) == 3  # 5 learners, 2 per page: the tool followed Link: rel="next" twice
    assert "from=2" in pages[1] and "from=4" in pages[2]


def test_platform_without_the_membership_service(client, moodle):
    html = launch(client, moodle, user="201").html
    assert "does not share the course" in html and moodle.nrps_requests == []


def test_membership_failures_are_explained_not_fatal(client, moodle, monkeypatch):
    _members(moodle)
    monkeypatch.setattr(moodle, "_memberships", lambda course, type_id: Response("down", 503))
    html = launch(client, moodle, user="201").html
    assert "could not be read" in html and "HTTP 503" in html
    # a next page on another host: the bearer token is not sent there
    monkeypatch.setattr(moodle, "_memberships", lambda course, type_id: Response(
        '{"id": "x", "members": []}', 200, headers={"Link": '<https://evil.example/members?from=2>; rel="next"'}))
    html = launch(client, moodle, user="201").html
    assert "another host" in html


# --- roles: a learner never reaches the instructor view or others' data ------------------------------


TEACH_PAGES = ("/teach/", "/teach/summary", "/teach/review", "/teach/resend", "/teach/export.csv", "/teach/library")


def test_learners_cannot_reach_the_instructor_view(client, moodle, services, teacher):
    submit(client, launch(client, moodle, user="102"))
    deliver_all(services)
    [row] = summaries(services)
    grade = outbox_rows(services)[0]
    learner = launch(client, moodle, user="101")
    assert "Screener results" not in learner.html and 'name="q-recurring"' in learner.html
    fields = {"summary": row.id, "grade": grade.id, "action": "approve", **{k: "changed" for k in SUMMARY}}
    for path in TEACH_PAGES:
        resp = staff_post(client, learner, path, **fields)
        assert resp.status_code == 403, path
        assert "staff_only" in resp.get_data(as_text=True)
        assert client.get(path).status_code == 405  # no page is reachable by typing its address
        assert client.post(path, data=fields).status_code == 400  # no launch token
        swapped = client.post(path, data={**fields, "launch": learner.token, "csrf": teacher.csrf})
        assert swapped.status_code == 403 and "csrf" in swapped.get_data(as_text=True)
    assert summaries(services)[0].review_status == "submitted" and summaries(services)[0].fields["name"] == "Eleni Papadopoulou"
    assert len(outbox_rows(services)) == 2  # nothing re-queued

    # custom parameters never make a learner staff (only the signed roles claim does)
    moodle.links["7"].custom = {"qser_screener": "cases/screener", "roles": "Instructor", "role": "Administrator"}
    assert 'name="q-recurring"' in launch(client, moodle, user="101").html
    # another learner's attempt: not in this session
    other = hidden(answer(client, launch(client, moodle, user="102"), ALL_ANSWERS, ALL_ANSWERS).get_data(as_text=True), "attempt")
    stolen = client.post("/screener/summary", data={"launch": learner.token, "csrf": learner.csrf, "attempt": other, **SUMMARY})
    assert stolen.status_code == 404


def test_teachers_reach_only_their_own_course(client, moodle, services, teacher):
    """Ids from another course of the same platform, or from another platform, are not found."""
    moodle.links["8"] = Link(id="8", title="Other course's screener", course_id="3", item_id="12")
    submit(client, launch(client, moodle, user="101", link="8"))
    deliver_all(services)
    other_platform = FakeMoodle(services.settings.base_url, client_id="elsewhere", deployment_id="9", tool_jwks=services.keyring.jwks).start()
    try:
        other_platform.links["7"].custom = {"qser_screener": "cases/screener"}
        register(services, other_platform)
        submit(client, launch(client, other_platform, user="102"))  # same course id "2", other platform
        deliver_all(services)
        rows = summaries(services)
        grades = outbox_rows(services)
        assert len(rows) == 2
        for summary_id in (r.id for r in rows):
            assert staff_post(client, teacher, "/teach/summary", summary=summary_id).status_code == 404
            assert staff_post(client, teacher, "/teach/review", summary=summary_id, action="approve", **SUMMARY).status_code == 404
        for grade in grades:
            assert staff_post(client, teacher, "/teach/resend", grade=grade.id).status_code == 404
        html = staff_post(client, teacher, "/teach/").get_data(as_text=True)
        assert "Attempts: 0" in html and "Eleni Learner" not in html
        csv_rows = list(csv.reader(io.StringIO(staff_post(client, teacher, "/teach/export.csv").get_data().decode("utf-8-sig"))))
        assert len(csv_rows) == 1  # the header only
        assert {r.review_status for r in summaries(services)} == {"submitted"}
    finally:
        other_platform.stop()
