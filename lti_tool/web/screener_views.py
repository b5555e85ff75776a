"""The screener pages after the launch. Every form carries the launch token and a CSRF
token derived from it, so nothing here depends on a cookie (blocked in many iframes)."""

from __future__ import annotations

from flask import Blueprint, make_response, render_template, request

from packager.i18n import translator as page_text

from ..lti.errors import LtiError
from ..screener import CREDIT_DEFAULT, FormProblem, parse_answers, parse_credit, parse_summary
from ..store import attempts
from ..store.launches import LaunchRecord
from .page_cache import render_filled
from .services import tool
from .session import launch_from_form

bp = Blueprint("screener", __name__, url_prefix="/screener")



def _page(launch: LaunchRecord):
    return tool().catalog.page(launch.screener_id, launch.lang)


def _render(template: str, launch: LaunchRecord, token: str, status: int = 200, **values):
    t = tool()
    page = _page(launch)
    html = render_template(
        template, t=page_text(launch.lang), lang=launch.lang, page=page, launch=launch,
        launch_token=token, csrf=t.csrf_token(t.token_hash(token)), **values,
    )
    return make_response(html, status)


def render_questions(launch: LaunchRecord, token: str, status: int = 200, answers=None, problems=None):
    if answers or problems:
        return _render("questions.html", launch, token, status, answers=answers or {}, problems=problems or {})
    # the first page is the same for every learner of a screener and language but for its two tokens
    t = tool()
    html = render_filled(t.page_cache, (launch.screener_id, launch.lang), "questions.html",
                         {"launch_token": token, "csrf": t.csrf_token(t.token_hash(token))},
                         t=page_text(launch.lang), lang=launch.lang, page=_page(launch), launch=launch, answers={}, problems={})
    return make_response(html, status)


def _screener_launch() -> tuple[LaunchRecord, str]:
    """A launch that runs a screener (a deep-linking launch only picks one)."""
    launch, token = launch_from_form()
    if not launch.screener_id:
        raise LtiError(400, "this session was opened to add an activity, not to run the screener", "no_screener_session")
    return launch, token


@bp.route("/start", methods=["POST"])
def start():
    launch, token = _screener_launch()
    return render_questions(launch, token)


@bp.route("/answers", methods=["POST"])
def answers():
    launch, token = _screener_launch()
    page = _page(launch)
    try:
        given = parse_answers(request.form, page)
    except FormProblem as problem:
        chosen = {k[2:]: v for k, v in request.form.items() if k.startswith("q-")}
        return render_questions(launch, token, 422, answers=chosen, problems=problem.fields)
    score = page.model.score(given)
    suitable = page.model.is_suitable(score)
    attempt_id = attempts.record_attempt(tool().db, launch, given, score, page.model.max_score, suitable,
                                     "Submitted" if suitable else "InProgress")
    tool().scores_queued()
    attempt = attempts.find_attempt(tool().db, launch.id, attempt_id)
    return _render("result.html", launch, token, attempt=attempt, values={}, problems={}, credit=CREDIT_DEFAULT, credit_org="")


@bp.route("/summary", methods=["POST"])
def summary():
    launch, token = _screener_launch()
    page = _page(launch)
    try:
        attempt_id = int(request.form.get("attempt", ""))
    except ValueError:
        raise LtiError(400, "the form names no attempt", "attempt_missing") from None
    attempt = attempts.find_attempt(tool().db, launch.id, attempt_id)
    if attempt is None:
        raise LtiError(404, "no such attempt in this screener session", "attempt_unknown")
    if not attempt.suitable:
        raise LtiError(409, "this case study did not pass the screener, so it has no summary", "attempt_unsuitable")
    if attempt.has_summary:
        return _render("done.html", launch, token, 200, attempt=attempt, already=True)
    problems: dict[str, str] = {}
    try:
        values = parse_summary(request.form, page)
    except FormProblem as problem:
        problems.update(problem.fields)
    try:
        credit, credit_org = parse_credit(request.form)
    except FormProblem as problem:
        problems.update(problem.fields)
    if problems:
        values = {f.id: request.form.get(f"f-{f.id}", "") for f in page.rendered.fields}
        return _render("result.html", launch, token, 422, attempt=attempt, values=values, problems=problems,
                       credit=request.form.get("credit", CREDIT_DEFAULT), credit_org=request.form.get("credit-org", ""))
    try:
        attempts.record_summary(tool().db, launch, attempt, values, launch.lang, credit, credit_org)
    except attempts.AlreadySubmitted:
        return _render("done.html", launch, token, 200, attempt=attempt, already=True)
    tool().scores_queued()
    return _render("done.html", launch, token, 200, attempt=attempt, already=False)
