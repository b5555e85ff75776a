"""The good-practice library on SQLite and PostgreSQL alike: approved case studies of every
course of one platform, found by title, sector/department and text, whatever the case and
accents of the query; LIKE wildcards in a query are literal; other platforms' and
unapproved case studies never show. And migration 0002 fills the search keys of summaries
written before it."""

from __future__ import annotations

from alembic import command
from sqlalchemy import insert, select

from lti_tool.store import connect, library, upgrade
from lti_tool.store import tables as T
from lti_tool.store.db import now
from lti_tool.store.migrate import alembic_config
from lti_tool.textsearch import contains_pattern, normalize
from tests.support.fake_moodle import FakeMoodle
from tests.support.fake_moodle_lti1p3 import Link
from tests.support.lti_flow import launch, register, staff_post, submit, summaries

CASES = [  # (learner, link, summary); the first is written in a Greek session
    ("101", "7", {"f-title": "Διερμηνείς κατόπιν ραντεβού", "f-background": "Οικογένειες περίμεναν ώρες.", "f-sector": "Κοινωνική υπηρεσία"}),
    ("102", "7", {"f-title": "Plain-language letters", "f-background": "Letters were hard to read: 100% of callers asked again."}),
    ("101", "8", {"f-title": "Citas_previas en línea", "f-background": "La oficina del padrón redujo las colas."}),
    ("102", "8", {"f-title": "Not approved yet", "f-background": "Interpreters everywhere."}),
]


def approve_all_but_last(client, moodle, services):
    moodle.links["8"] = Link(id="8", title="Screener in another course", course_id="3", item_id="12")
    for index, (user, link, fields) in enumerate(CASES):
        moodle.links[link].locale = "el-GR" if index == 0 else "en"
        submit(client, launch(client, moodle, user=user, link=link), **fields)
    teacher_a = launch(client, moodle, user="201")  # teacher of course 2
    teacher_b = launch(client, moodle, user="201", link="8")  # and of course 3
    rows = summaries(services)
    for row, teacher in zip(rows[:3], (teacher_a, teacher_a, teacher_b)):
        assert staff_post(client, teacher, "/teach/review", summary=row.id, action="approve",
                          **{f"f-{k}": v for k, v in row.fields.items()}).status_code == 200
    return teacher_a


def titles(results) -> list[str]:
    return sorted(case.fields["title"] for case in results)


def test_search_across_courses_of_the_platform(client, moodle, services):
    teacher = approve_all_but_last(client, moodle, services)
    issuer = moodle.issuer
    everything, total = library.search(services.db, issuer)
    assert total == 3 and titles(everything) == ["Citas_previas en línea", "Plain-language letters", "Διερμηνείς κατόπιν ραντεβού"]
    # text, any case, no accents needed; words in any order
    assert titles(library.search(services.db, issuer, text="ΔΙΕΡΜΗΝΕΙΣ ραντεβου")[0]) == ["Διερμηνείς κατόπιν ραντεβού"]
    assert titles(library.search(services.db, issuer, text="padron colas")[0]) == ["Citas_previas en línea"]
    assert titles(library.search(services.db, issuer, title="LETTERS")[0]) == ["Plain-language letters"]
    assert titles(library.search(services.db, issuer, sector="κοινωνικη")[0]) == ["Διερμηνείς κατόπιν ραντεβού"]
    assert library.search(services.db, issuer, title="letters", sector="κοινωνικη")[1] == 0
    # wildcards are literal
    assert titles(library.search(services.db, issuer, text="100%")[0]) == ["Plain-language letters"]
    assert library.search(services.db, issuer, text="%")[1] == 1
    assert titles(library.search(services.db, issuer, title="citas_previas")[0]) == ["Citas_previas en línea"]
    assert library.search(services.db, issuer, title="citas%previas")[1] == 0
    assert library.search(services.db, issuer, title="c_tas")[1] == 0
    assert library.search(services.db, issuer, text="interpreters")[1] == 0  # not approved
    assert library.search(services.db, "https://other.example", text="")[1] == 0

    page = staff_post(client, teacher, "/teach/library", q="ραντεβού").get_data(as_text=True)
    assert "1 found." in page and 'lang="el">Διερμηνείς κατόπιν ραντεβού</h3>' in page and "Plain-language" not in page


def test_other_platforms_never_share_the_library(client, moodle, services):
    approve_all_but_last(client, moodle, services)
    other = FakeMoodle(services.settings.base_url, client_id="other-client", tool_jwks=services.keyring.jwks).start()
    try:
        other.links["7"].custom = {"qser_screener": "cases/screener"}
        register(services, other)
        stranger = launch(client, other, user="201")
        page = staff_post(client, stranger, "/teach/library").get_data(as_text=True)
        assert "0 found." in page and "Plain-language" not in page
    finally:
        other.stop()


def test_like_patterns_escape_wildcards():
    assert contains_pattern("100%") == "%100\\%%"
    assert contains_pattern("a_b\\c") == "%a\\_b\\\\c%"
    assert normalize("  Διερμηνείς\tΚΑΤΌΠΙΝ  ") == "διερμηνεισ κατοπιν"  # casefold: final sigma too, on both sides
    assert normalize("Mañana ÉXITO") == "manana exito"


def test_migration_0002_fills_search_keys_of_older_summaries(db_url):
    db = connect(db_url)
    config = alembic_config(db)
    command.upgrade(config, "0001")
    at = now()
    with db.begin() as conn:  # rows as revision 0001 wrote them (only its columns)
        conn.execute(insert(T.platform).values(id=1, name="", issuer="https://m.example", client_id="c", auth_login_url="a",
                                               auth_token_url="t", jwks_url="j", created_at=at))
        conn.execute(insert(T.launch).values(
            id=1, token_hash="h", platform_id=1, deployment_id="3", user_sub="101", user_name="E", roles=[], resource_link_id="7",
            screener_id="cases/screener", lang="el", ags_scopes=[], created_at=at, expires_at=at))
        conn.execute(insert(T.attempt).values(id=1, launch_id=1, answers={}, score=5, max_score=5, suitable=True, created_at=at))
        conn.execute(insert(T.case_summary).values(id=1, attempt_id=1, fields={"title": "Ραντεβού ΟΝΛΑΙΝ", "sector": "Δημοτολόγιο"},
                                                   lang="el", review_status="approved", created_at=at))
    upgrade(db)
    with db.read() as conn:
        row = conn.execute(select(T.case_summary)).one()
    assert (row.title_key, row.sector_key, row.credit) == ("ραντεβου ονλαιν", "δημοτολογιο", "anonymous")
    assert "δημοτολογιο" in row.search_key
    assert library.search(db, "https://m.example", title="ραντεβού")[1] == 1
    command.downgrade(config, "0001")  # and back: the downgrade runs on both databases
    upgrade(db)
    db.engine.dispose()

