"""The instructor view's charts on SQLite and PostgreSQL: what each drawing shows (the numbers
written on it, the bars' lengths) and its data table equal the counts recounted in Python
from the raw rows, for an empty course, one attempt and 2000 attempts; the date and
language filters narrow charts, list and CSV alike; the library charts its search's matches.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
import xml.etree.ElementTree as ET
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import lxml.html
import pytest

from lti_tool.charts.svg import CHAR, wrap
from lti_tool.store import tables as T
from lti_tool.textsearch import normalize

from tests.support.cohort_data import raw_rows, recount, seed
from tests.support.lti_flow import launch, staff_post

SVG = "{http://www.w3.org/2000/svg}"


def pct(part: int, whole: int) -> int:
    return int((Decimal(100 * part) / Decimal(whole)).quantize(Decimal(1), ROUND_HALF_UP)) if whole else 0


def charts(html: str) -> dict[str, dict]:
    """Each chart of a page: its SVG (parsed as XML, so it must be well-formed) and its table."""
    svgs = {re.search(r'<title id="([^"]+)-title"', s).group(1): ET.fromstring(s) for s in re.findall(r"<svg\b.*?</svg>", html, re.S)}
    found = {}
    for div in lxml.html.fromstring(html).xpath('//div[@class="lti-chart"]'):
        chart_id = div.xpath("./h3/@id")[0].removesuffix("-heading")
        svg = svgs[chart_id]
        assert svg.get("role") == "img" and svg.get("aria-labelledby") == f"{chart_id}-title {chart_id}-desc"
        assert svg.find(f"{SVG}title").text and svg.find(f"{SVG}desc").text
        rows = [[cell.text_content() for cell in tr] for tr in div.xpath(".//details/table/tbody/tr")]
        bars = [(float(r.get("width")), float(r.get("height"))) for r in svg.iter(f"{SVG}rect") if r.get("class") == "bar"]
        tracks = [float(r.get("width")) for r in svg.iter(f"{SVG}rect") if r.get("class") == "track"]
        values = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "value"]
        found[chart_id] = {"rows": rows, "bars": bars, "tracks": tracks, "values": values}
    return found


def proportional(lengths: list[float], counts: list[int]) -> bool:
    top, most = max(lengths, default=0), max(counts, default=0)
    return all(abs(length * most - n * top) <= 0.1 * most for length, n in zip(lengths, counts, strict=True))


def check_page(html: str, expected: dict) -> None:
    assert f"Attempts: {expected['attempts']}" in html and f"People: {expected['people']}" in html
    drawn = charts(html)
    if not expected["attempts"]:
        assert drawn == {} and "No attempts match" in html
        return
    scores = drawn["chart-scores-0"]
    assert [(int(r[0]), int(r[1]), r[2]) for r in scores["rows"]] == [(s, n, "Yes" if s >= 4 else "No") for s, n in enumerate(expected["scores"])]
    assert scores["values"] == [str(n) for n in expected["scores"]]
    assert proportional([h for _, h in scores["bars"]], expected["scores"])

    total = expected["attempts"]
    questions = drawn["chart-questions-0"]
    assert [(int(r[1]), int(r[2]), r[3]) for r in questions["rows"]] == [(y, total - y, f"{pct(y, total)}%") for y in expected["yes"]]
    assert questions["values"] == [f"{pct(y, total)}% ({y})" for y in expected["yes"]]
    for (width, _), track, yes in zip(questions["bars"], questions["tracks"], expected["yes"], strict=True):
        assert abs(width / (width + track) - yes / total) < 0.01  # the "yes" part of a full-length bar

    suitable = drawn["chart-suitable"]
    n = expected["suitable"]
    assert suitable["rows"] == [["Suitable", str(n), f"{pct(n, total)}%"], ["Not suitable", str(total - n), f"{pct(total - n, total)}%"]]
    assert proportional([w for w, _ in suitable["bars"]], [n, total - n])

    weeks = drawn["chart-weeks"]
    assert [(r[1], int(r[2])) for r in weeks["rows"]] == [(monday.isoformat(), k) for monday, k in expected["weeks"]]
    assert [r[0] for r in weeks["rows"]] == [f"{m.isocalendar()[0]}-W{m.isocalendar()[1]:02d}" for m, _ in expected["weeks"]]
    assert proportional([h for _, h in weeks["bars"]], [k for _, k in expected["weeks"]])

    if expected["sectors"]:
        sectors = drawn["chart-sectors"]
        assert [int(r[1]) for r in sectors["rows"]] == expected["sectors"]
        assert len(sectors["bars"]) == min(len(expected["sectors"]), 8) + (len(expected["sectors"]) > 8)
        review = {r[0]: int(r[1]) for r in drawn["chart-review"]["rows"]}
        labels = {"submitted": "waiting for review", "approved": "approved", "rejected": "rejected"}
        assert review == {labels[state]: k for state, k in expected["review"].items()}
    else:
        assert "chart-sectors" not in drawn and "chart-review" not in drawn


@pytest.mark.parametrize("size", [0, 1, 2000])
def test_charts_equal_a_recount_of_the_rows(client, moodle, services, size):
    teacher = launch(client, moodle, user="201")
    seed(services.db, services.token_hash(teacher.token), size)
    page = staff_post(client, teacher, "/teach/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    expected = recount(raw_rows(services.db, "2"))
    assert expected["attempts"] == size
    check_page(html, expected)
    if size == 2000:
        assert len(expected["weeks"]) >= 10 and len(expected["sector_keys"]) > 8  # every chart has something to show


def _form_fields(html: str, action: str) -> dict[str, str]:
    form = next(f for f in lxml.html.fromstring(html).forms if f.action.endswith(action))
    return {i.name: i.value for i in form.xpath('.//input[@type="hidden"]')}


def test_filters_narrow_charts_list_and_csv(client, moodle, services):
    teacher = launch(client, moodle, user="201")
    seed(services.db, services.token_hash(teacher.token), 300)
    start, end = date(2026, 10, 12), date(2026, 11, 8)  # whole days, both included
    everything = recount(raw_rows(services.db, "2"))
    for filters, rows in (({"from": start.isoformat(), "to": end.isoformat()}, raw_rows(services.db, "2", start, end)),
                          ({"lang": "el"}, raw_rows(services.db, "2", lang="el")),
                          ({"from": start.isoformat(), "lang": "en"}, raw_rows(services.db, "2", start, lang="en"))):
        expected = recount(rows)
        assert 0 < expected["attempts"] < everything["attempts"]
        page = staff_post(client, teacher, "/teach/", **filters)
        html = page.get_data(as_text=True)
        assert page.status_code == 200
        check_page(html, expected)
        assert html.count('class="lti-card"') == expected["attempts"]
        # every form of the page carries the filters on: the CSV, the reviews, "send again"
        kept = _form_fields(html, "/teach/export.csv")
        assert {k: kept[k] for k in filters} == filters
        [own] = lxml.html.fromstring(html).find_class("lti-filter")  # its own fields, not hidden copies
        assert set(own.xpath('.//input[@type="hidden"]/@name')) == {"launch", "csrf"}
        exported = client.post("/teach/export.csv", data=kept)
        table = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))[1:]
        assert len(table) == expected["attempts"]
        assert sorted(r[3][:10] for r in table) == sorted(r["created_at"].strftime("%Y-%m-%d") for r in rows)

    reset = staff_post(client, teacher, "/teach/", reset="1", lang="el", **{"from": start.isoformat()})
    check_page(reset.get_data(as_text=True), everything)


@pytest.mark.parametrize("fields, message, applied", [
    ({"from": "2026-13-01"}, "Enter a date as YYYY-MM-DD", {}),
    ({"from": "2026-11-08", "to": "2026-10-12"}, "The “from” date is after the “to” date.", {"start": date(2026, 11, 8)}),
    ({"lang": "es"}, "Choose one of the listed languages.", {}),  # not a language of this course
])
def test_unreadable_filters_are_explained(client, moodle, services, fields, message, applied):
    teacher = launch(client, moodle, user="201")
    seed(services.db, services.token_hash(teacher.token), 20)
    page = staff_post(client, teacher, "/teach/", **fields)
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and message in html and 'aria-invalid="true"' in html
    check_page(html, recount(raw_rows(services.db, "2", **applied)))  # a field in error filters nothing
    assert staff_post(client, teacher, "/teach/export.csv", **fields).status_code == 422  # never a CSV of something else


def test_library_charts_its_matches(client, moodle, services):
    teacher = launch(client, moodle, user="201")
    seed(services.db, services.token_hash(teacher.token), 200)
    with services.db.read() as conn:
        approved = [r.fields.get("sector", "") for r in conn.execute(T.case_summary.select().where(T.case_summary.c.review_status == "approved"))]
    for query, sectors in (({}, approved), ({"sector": "SOCIAL"}, [s for s in approved if "social" in normalize(s)])):
        drawn = charts(staff_post(client, teacher, "/teach/library", **query).get_data(as_text=True))
        assert [int(r[1]) for r in drawn["chart-sectors"]["rows"]] == sorted(Counter(map(normalize, sectors)).values(), reverse=True)
        assert drawn["chart-courses"]["rows"] == [["Q-SER course", str(len(sectors))]]


def test_labels_wrap_into_three_lines_at_most():
    question = "Is this a recurring issue within the department?"
    limit = int(100 // CHAR)
    assert wrap(question, 100) == ["Is this a", "recurring", "issue…"]
    assert wrap(question, 400) == [question]
    for text in (question * 3, "x" * 80, "Ένα πολύ μεγάλο κείμενο " * 5):
        lines = wrap(text, 100)
        assert len(lines) <= 3 and all(len(line) <= limit for line in lines) and lines[-1].endswith("…")
    assert wrap("", 200) == [""]
