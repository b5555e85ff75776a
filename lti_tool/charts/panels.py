"""The instructor view's charts and the good-practice library's, from counts the database
made (:mod:`lti_tool.store.cohort`), in the page's language. Each chart carries the same
numbers as a table, which the page shows right after the drawing. Pure: no web, no database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup

from ..store.cohort import Cohort, ScreenerCounts
from .svg import Bar, Marker, bars, columns

SECTORS_DRAWN = 8  # more sectors than this: the smallest are drawn as one "other" bar (the table lists all)
REVIEW_STYLES = {"submitted": "sky", "approved": "blue", "rejected": "vermillion"}


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    svg: Markup
    header: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]  # the first cell names the row


@dataclass(frozen=True)
class ScreenerInfo:
    """What the charts need to know of a screener the course defines."""

    title: str
    threshold: int | None
    max_score: int
    questions: tuple[tuple[str, str], ...]  # (id, plain text)


def percent(part: int, whole: int) -> int:
    """Rounded half up, as people round: 1 of 8 is 13%."""
    return (200 * part + whole) // (2 * whole) if whole else 0


def _listing(pairs: Sequence[tuple[str, object]]) -> str:
    return "; ".join(f"{label}: {value}" for label, value in pairs)


def teacher_charts(cohort: Cohort, screeners: dict[str, ScreenerInfo], t: Callable, review_labels: dict[str, str],
                   first: str | None = None) -> list[Chart]:
    """Every chart of the course's attempts; per-screener charts for each screener with
    attempts (``first``, the launch's own, leading). Empty when nothing matched."""
    if not cohort.attempts:
        return []
    order = sorted(cohort.screeners, key=lambda s: (s.screener_id != first, screeners.get(s.screener_id, _unknown(s)).title))
    charts = []
    for i, counts in enumerate(order):
        info = screeners.get(counts.screener_id) or _unknown(counts)
        suffix = f" – {info.title}" if len(order) > 1 else ""
        charts.append(_scores(f"chart-scores-{i}", counts, info, t, suffix))
        if info.questions:
            charts.append(_questions(f"chart-questions-{i}", counts, info, t, suffix))
    charts.append(_suitable(cohort, t))
    charts.append(_weeks(cohort.weeks, t))
    if cohort.sectors:
        charts.append(sectors_chart("chart-sectors", t.lti_chart_sectors, cohort.sectors, t))
    if cohort.review:
        charts.append(_review(cohort.review, t, review_labels))
    return charts


def _unknown(counts: ScreenerCounts) -> ScreenerInfo:
    """A screener the course no longer defines: its id as title, no threshold, no questions."""
    return ScreenerInfo(counts.screener_id, None, max(counts.by_score, default=0), ())


def _scores(chart_id: str, counts: ScreenerCounts, info: ScreenerInfo, t: Callable, suffix: str) -> Chart:
    top = max(info.max_score, max(counts.by_score, default=0))
    scores = range(top + 1)
    suitable = (lambda s: s >= info.threshold) if info.threshold is not None else (lambda s: True)
    drawn = [Bar(str(s), counts.by_score.get(s, 0), str(counts.by_score.get(s, 0)), "blue" if suitable(s) else "orange")
             for s in scores]
    title = t.lti_chart_scores + suffix
    description = t("lti_chart_scores_desc", total=counts.attempts, values=_listing([(b.label, b.text) for b in drawn]))
    marker = None
    if info.threshold is not None and 0 < info.threshold <= top:
        marker = Marker(info.threshold, t("lti_chart_threshold", n=info.threshold))
        description += " " + t("lti_chart_threshold", n=info.threshold) + "."
    svg = columns(chart_id, title, description, drawn, marker=marker, axis_label=t.lti_chart_yes_axis)
    rows = tuple((s, counts.by_score.get(s, 0), t.yes if suitable(s) else t.no) for s in scores)
    return Chart(chart_id, title, svg, (t.lti_chart_yes_answers, t.lti_teach_attempts_title, t.lti_csv_suitable), rows)


def _questions(chart_id: str, counts: ScreenerCounts, info: ScreenerInfo, t: Callable, suffix: str) -> Chart:
    total = counts.attempts
    rows, drawn = [], []
    for n, (qid, text) in enumerate(info.questions, 1):
        yes = counts.yes.get(qid, 0)
        share = t("lti_chart_percent", n=percent(yes, total))
        drawn.append(Bar(f"{n}. {text}", yes, f"{share} ({yes})"))
        rows.append((f"{n}. {text}", yes, total - yes, share))
    title = t.lti_chart_questions + suffix
    description = t("lti_chart_questions_desc", total=total, values=_listing([(str(n), r[3]) for n, r in enumerate(rows, 1)]))
    svg = bars(chart_id, title, description, drawn, scale=total, track="orange", legend=[("blue", t.yes), ("orange", t.no)])
    return Chart(chart_id, title, svg, (t.lti_chart_question, t.yes, t.no, t.lti_chart_share_yes), tuple(rows))


def _suitable(cohort: Cohort, t: Callable) -> Chart:
    total, suitable = cohort.attempts, cohort.suitable
    pairs = [(t.lti_chart_suitable_yes, suitable, "blue"), (t.lti_chart_suitable_no, total - suitable, "orange")]
    drawn = [Bar(label, n, f"{n} ({t('lti_chart_percent', n=percent(n, total))})", style) for label, n, style in pairs]
    description = t("lti_chart_suitable_desc", total=total, values=_listing([(b.label, b.text) for b in drawn]))
    svg = bars("chart-suitable", t.lti_chart_suitable, description, drawn)
    rows = tuple((label, n, t("lti_chart_percent", n=percent(n, total))) for label, n, _ in pairs)
    return Chart("chart-suitable", t.lti_chart_suitable, svg, (t.lti_chart_outcome, t.lti_teach_attempts_title, t.lti_chart_share), rows)


def _weeks(weeks: list[tuple[date, int]], t: Callable) -> Chart:
    drawn, rows, year = [], [], None
    for monday, n in weeks:
        iso_year, week, _ = monday.isocalendar()
        drawn.append(Bar(t("lti_chart_week_short", n=week), n, str(n), sublabel=str(iso_year) if iso_year != year else ""))
        rows.append((f"{iso_year}-W{week:02d}", monday.isoformat(), n))
        year = iso_year
    description = t("lti_chart_weeks_desc", values=_listing([(r[0], r[2]) for r in rows]))
    svg = columns("chart-weeks", t.lti_chart_weeks, description, drawn, axis_label=t.lti_chart_week_axis)
    return Chart("chart-weeks", t.lti_chart_weeks, svg, (t.lti_chart_week, t.lti_chart_week_from, t.lti_teach_attempts_title),
                 tuple(rows))


def sectors_chart(chart_id: str, title: str, sectors: list[tuple[str, int]], t: Callable) -> Chart:
    """Case studies per sector, the largest drawn, all in the table."""
    named = [(sector or t.lti_chart_not_given, n) for sector, n in sectors]
    drawn = [Bar(label, n, str(n)) for label, n in named[:SECTORS_DRAWN]]
    rest = named[SECTORS_DRAWN:]
    if rest:
        drawn.append(Bar(t("lti_chart_other", n=len(rest)), sum(n for _, n in rest), str(sum(n for _, n in rest)), "sky"))
    total = sum(n for _, n in named)
    description = t("lti_chart_cases_desc", total=total, values=_listing(named))
    svg = bars(chart_id, title, description, drawn)
    return Chart(chart_id, title, svg, (t.lti_chart_sector, t.lti_chart_cases), tuple(named))


def _review(review: dict[str, int], t: Callable, labels: dict[str, str]) -> Chart:
    states = [s for s in REVIEW_STYLES if s in review] + sorted(s for s in review if s not in REVIEW_STYLES)
    named = [(labels.get(s, s), review[s], REVIEW_STYLES.get(s, "green")) for s in states]
    drawn = [Bar(label, n, str(n), style) for label, n, style in named]
    description = t("lti_chart_cases_desc", total=sum(review.values()), values=_listing([(label, n) for label, n, _ in named]))
    svg = bars("chart-review", t.lti_chart_review, description, drawn)
    return Chart("chart-review", t.lti_chart_review, svg, (t.lti_chart_state, t.lti_chart_cases),
                 tuple((label, n) for label, n, _ in named))


def library_charts(sectors: list[tuple[str, int]], courses: list[tuple[str, int]], t: Callable) -> list[Chart]:
    """The library's matching case studies by sector and by course."""
    if not sectors:
        return []
    named = [(title or t.lti_chart_untitled_course, n) for title, n in courses]
    description = t("lti_chart_cases_desc", total=sum(n for _, n in named), values=_listing(named))
    by_course = Chart("chart-courses", t.lti_chart_courses,
                      bars("chart-courses", t.lti_chart_courses, description, [Bar(label, n, str(n)) for label, n in named]),
                      (t.lti_library_course, t.lti_chart_cases), tuple(named))
    return [sectors_chart("chart-sectors", t.lti_chart_sectors, sectors, t), by_course]
