"""The instructor view: the course's attempts and case-study summaries, each score's way
to the grade book with "send again", a CSV export, review of summaries (approve, edit,
reject), the learners who have not done the screener (NRPS) and the good-practice library.

Every page is a POST carrying the launch token and its CSRF token, like the screener's
pages, and opens only for a launch whose signed roles make the user staff of the course.
Ids sent by the browser are looked up inside that launch's course only.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, make_response, render_template, request

from packager.i18n import language_name, translator as page_text

from ..csv_export import to_csv
from ..lti import nrps
from ..lti.service_token import TokenError
from ..lti.errors import LtiError
from ..screener import FormProblem, parse_summary
from ..store import library, teaching
from ..store.launches import LaunchRecord
from .services import tool
from .session import staff_launch_from_form
from .teach_charts import kept_filters, library_page_charts, overview_charts, read_filters

bp = Blueprint("teach", __name__, url_prefix="/teach")
SHOWN_ATTEMPTS = 500
REVIEW_MESSAGES = {"approve": "lti_review_approved", "reject": "lti_review_rejected", "save": "lti_review_saved"}


def status_labels(lang: str) -> dict[str, dict[str, str]]:
    """Words for stored states (kept as codes in the database), for pages and the CSV."""
    t = page_text(lang)
    return {
        "summary": {"submitted": t.lti_summary_submitted, "approved": t.lti_summary_approved, "rejected": t.lti_summary_rejected},
        "grade": {"pending": t.lti_grade_pending, "delivered": t.lti_grade_delivered, "failed": t.lti_grade_failed,
                  "superseded": t.lti_grade_superseded},
        "credit": {"anonymous": t.lti_credit_anonymous, "name": t.lti_credit_name, "organisation": t.lti_credit_organisation},
    }


@dataclass(frozen=True)
class FieldLabel:
    id: str
    label: str
    kind: str
    required: bool
    max_length: int


def field_labels(screener_id: str, lang: str, values: dict | None = None) -> list[FieldLabel]:
    """The summary fields of a screener, labelled in ``lang``; fields the course no longer
    defines keep their id as a label, so nothing stored is hidden."""
    catalog = tool().catalog
    labels = []
    if catalog.has(screener_id):
        labels = [FieldLabel(f.id, f.label, f.kind, f.required, f.max_length) for f in catalog.page(screener_id, lang).rendered.fields]
    known = {f.id for f in labels}
    labels += [FieldLabel(key, key, "textarea", False, 20000) for key in (values or {}) if key not in known]
    return labels


def _render(template: str, launch: LaunchRecord, token: str, status: int = 200, **values):
    t = tool()
    html = render_template(template, t=page_text(launch.lang), lang=launch.lang, launch=launch, launch_token=token,
                           csrf=t.csrf_token(t.token_hash(token)), states=status_labels(launch.lang),
                           kept=kept_filters(request.form), **values)
    return make_response(html, status)


def _id(name: str) -> int:
    try:
        return int(request.form.get(name, ""))
    except ValueError:
        raise LtiError(400, f"the form names no {name}", "bad_request") from None


def _screener_titles(lang: str) -> dict[str, str]:
    catalog = tool().catalog
    return {item_id: catalog.page(item_id, lang).title for item_id in catalog.screener_ids}


# --- overview ------------------------------------------------------------------------------


def render_overview(launch: LaunchRecord, token: str, message: str | None = None, status: int = 200, warning: bool = False):
    """``message``: a catalog key to show on top (a warning when ``status`` is not 200 or ``warning``).
    The form's filters (dates, launch language) narrow the counts, charts and attempts."""
    t = tool()
    scope = teaching.Scope.of(launch)
    filters, problems = read_filters(request.form)
    rows = teaching.attempts(t.db, scope, limit=SHOWN_ATTEMPTS, filters=filters)
    missing, members_problem = _not_done(launch, scope)
    charts = overview_charts(scope, filters, launch.lang, launch.screener_id, status_labels(launch.lang)["summary"])
    languages = [(code, language_name(code)) for code in t.catalog.course.languages]
    return _render("teach_overview.html", launch, token, 422 if problems and status == 200 else status,
                   counts=teaching.counts(t.db, scope, filters), attempts=rows, shown=SHOWN_ATTEMPTS, missing=missing,
                   members_problem=members_problem, message=message, warning=warning or status != 200, titles=_screener_titles(launch.lang),
                   current="overview", charts=charts, filters=filters, problems=problems, languages=languages)


def _not_done(launch: LaunchRecord, scope: teaching.Scope) -> tuple[list[nrps.Member] | None, str | None]:
    """Learners of the course without an attempt, when the platform shares its member list;
    otherwise None and why (``None`` reason: the platform offers no such service)."""
    if not launch.nrps_url:
        return None, None
    t = tool()
    registration = t.registration(launch.platform_id)
    try:
        members = nrps.learners(t.http, launch.nrps_url, registration, t.tokens, t.settings.http_timeout_seconds,
                                t.settings.nrps_max_pages)
    except nrps.MembersUnavailable as exc:
        return None, exc.reason
    except TokenError as exc:
        return None, exc.reason
    done = teaching.users_with_attempts(t.db, scope)
    return sorted((m for m in members if m.user_id not in done), key=lambda m: (m.name.casefold(), m.user_id)), None


@bp.route("/", methods=["POST"])
def overview():
    launch, token = staff_launch_from_form()
    return render_overview(launch, token)


@bp.route("/resend", methods=["POST"])
def resend():
    launch, token = staff_launch_from_form()
    try:
        teaching.resend(tool().db, teaching.Scope.of(launch), _id("grade"), launch.user_sub)
    except teaching.NotInCourse:
        raise LtiError(404, "no such score in this course", "not_in_course") from None
    except teaching.ResendRefused as exc:
        return render_overview(launch, token, message=f"lti_{exc.code}", status=409)
    tool().scores_queued()
    return render_overview(launch, token, message="lti_grade_requeued")


@bp.route("/export.csv", methods=["POST"])
def export():
    launch, token = staff_launch_from_form()
    strings = page_text(launch.lang)
    filters, problems = read_filters(request.form)
    if problems:
        raise LtiError(422, "the CSV's filters cannot be read: " + ", ".join(problems), "bad_request")
    rows = teaching.attempts(tool().db, teaching.Scope.of(launch), filters=filters)
    fields: dict[str, str] = {}
    for row in rows:
        for f in field_labels(row.screener_id, launch.lang, row.summary_fields):
            fields.setdefault(f.id, f.label)
    header = [strings.lti_csv_learner, strings.lti_csv_user_id, strings.lti_csv_role, strings.lti_csv_date, strings.lti_csv_screener,
              strings.lti_csv_score, strings.lti_csv_max, strings.lti_csv_suitable, strings.lti_csv_summary, strings.lti_csv_grade,
              strings.lti_csv_grade_detail, *fields.values()]
    titles = _screener_titles(launch.lang)
    states = status_labels(launch.lang)

    def line(r: teaching.AttemptRow) -> list[object]:
        grade = r.grade
        return [r.user_name, r.user_sub, strings.lti_role_staff if r.staff else strings.lti_role_learner,
                r.created_at.strftime("%Y-%m-%d %H:%M:%S UTC"), titles.get(r.screener_id, r.screener_id), r.score, r.max_score,
                strings.yes if r.suitable else strings.no,
                states["summary"].get(r.summary_status, "") if r.summary_status else "",
                states["grade"].get(grade.status, grade.status) if grade else strings.lti_grade_none,
                (grade.note or "") if grade else "", *(r.summary_fields.get(key, "") for key in fields)]

    response = make_response(to_csv(header, (line(r) for r in rows)))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="screener-results.csv"'
    return response


# --- review ----------------------------------------------------------------------------------


def _summary_page(launch: LaunchRecord, token: str, item: teaching.SummaryRow, values: dict | None = None,
                  problems: dict | None = None, message: str | None = None, status: int = 200):
    return _render("teach_summary.html", launch, token, status, item=item, values=values if values is not None else item.fields,
                   labels=field_labels(item.screener_id, launch.lang, item.fields), problems=problems or {}, message=message,
                   warning=False, titles=_screener_titles(launch.lang), current="summary")


def _summary(launch: LaunchRecord) -> teaching.SummaryRow:
    try:
        return teaching.summary(tool().db, teaching.Scope.of(launch), _id("summary"))
    except teaching.NotInCourse:
        raise LtiError(404, "no such case study in this course", "not_in_course") from None


@bp.route("/summary", methods=["POST"])
def summary():
    launch, token = staff_launch_from_form()
    return _summary_page(launch, token, _summary(launch))


@bp.route("/review", methods=["POST"])
def review():
    launch, token = staff_launch_from_form()
    item = _summary(launch)
    action = request.form.get("action", "")
    if action not in teaching.REVIEW_ACTIONS:
        raise LtiError(400, "the form names no review action", "bad_request")
    try:
        fields = _edited_fields(item)
    except FormProblem as problem:
        values = {key: request.form.get(f"f-{key}", "") for key in item.fields}
        return _summary_page(launch, token, item, values, problem.fields, status=422)
    updated = teaching.review(tool().db, teaching.Scope.of(launch), item.id, action, fields, launch.user_sub)
    return _summary_page(launch, token, updated, message=REVIEW_MESSAGES[action])


def _edited_fields(item: teaching.SummaryRow) -> dict[str, str]:
    catalog = tool().catalog
    if catalog.has(item.screener_id):
        lang = item.lang if item.lang in catalog.course.languages else catalog.course.default_language
        edited = parse_summary(request.form, catalog.page(item.screener_id, lang))
    else:
        edited = {}
    for key in item.fields:  # fields the course no longer defines are kept as they are
        edited.setdefault(key, item.fields[key])
    return edited


# --- library ---------------------------------------------------------------------------------


@bp.route("/library", methods=["POST"])
def library_search():
    launch, token = staff_launch_from_form()
    t = tool()
    registration = t.registration(launch.platform_id)
    query = {key: " ".join(request.form.get(key, "").split())[:200] for key in ("q", "title", "sector")}
    results, total = library.search(t.db, registration.issuer, query["q"], query["title"], query["sector"])
    return _render("teach_library.html", launch, token, query=query, results=results, total=total,
                   charts=library_page_charts(registration.issuer, query, launch.lang),
                   labels=lambda case: field_labels(case.screener_id, launch.lang, case.fields), current="library")
