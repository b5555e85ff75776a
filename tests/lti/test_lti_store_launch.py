"""The launch's one write, run on the driver's cursor (store/db.py ``Prepared``): on both
databases it stores what Core's insert stored, atomically, and a replay stores nothing."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from sqlalchemy import func, insert, select

from lti_tool.lti.launch import Launch
from lti_tool.lti.messages import DeepLinking
from lti_tool.store import connect, launches, registry, upgrade
from lti_tool.store import tables as T


@pytest.fixture
def db(db_url):
    database = connect(db_url)
    upgrade(database)
    yield database
    database.engine.dispose()


def _launch(platform_id: int, **changes) -> Launch:
    base = Launch(platform_id=platform_id, deployment_id="1", sub="user-1", name="Ana Πάνου", roles=("urn:a", "urn:b"),
                  resource_link_id="7", resource_link_title="Screener", context_id="2", context_title="Q-SER", custom={},
                  locale="el-GR", return_url="https://moodle.example/return", lineitem_url="https://moodle.example/li",
                  ags_scopes=("https://purl.imsglobal.org/spec/lti-ags/scope/score",), nonce="n-1", expires_at=int(time.time()) + 60)
    return replace(base, **changes)


def test_a_stored_launch_reads_back_as_core_wrote_it(db):
    platform = registry.save_platform(db, issuer="https://moodle.example", client_id="c", auth_login_url="https://moodle.example/a",
                                      auth_token_url="https://moodle.example/t", jwks_url="https://moodle.example/j", deployments=("1",))
    picker = DeepLinking(return_url="https://moodle.example/dl", accept_types=("ltiResourceLink",), data="d")
    for n, launch in enumerate((_launch(platform), _launch(platform, nonce="n-2", message_type="LtiDeepLinkingRequest", deep_linking=picker))):
        record = launches.store_launch(db, launch, token_hash=f"h{n}", screener_id="s", lang="el", ttl_seconds=3600)
        found = launches.find_launch(db, f"h{n}")
        assert found == record
        assert found.roles == ("urn:a", "urn:b") and found.deep_linking == launch.deep_linking and found.user_name == "Ana Πάνου"
    for n in (0, 1):  # Core writes the same values beside them: stored the same way, byte for byte
        with db.begin() as conn:
            conn.execute(insert(T.launch), [{**_row(db, f"h{n}"), "token_hash": f"core{n}"}])
        assert _stored(db, f"core{n}") == _stored(db, f"h{n}")


def _row(db, token_hash: str) -> dict:
    with db.read() as conn:
        row = conn.execute(select(T.launch).where(T.launch.c.token_hash == token_hash)).mappings().one()
    return {k: v for k, v in row.items() if k != "id"}


def _stored(db, token_hash: str) -> tuple:
    """The row as the database holds it, no column type applied (JSON and SQLite's dates as text)."""
    with db.read() as conn:
        row = conn.exec_driver_sql("SELECT * FROM launch WHERE token_hash = " + ("?" if db.engine.dialect.paramstyle == "qmark" else "%s"),
                                   (token_hash,)).one()
    return tuple(v for k, v in row._mapping.items() if k not in ("id", "token_hash"))


def test_a_replayed_nonce_stores_nothing_and_the_next_launch_goes_on(db):
    platform = registry.save_platform(db, issuer="https://moodle.example", client_id="c", auth_login_url="https://moodle.example/a",
                                      auth_token_url="https://moodle.example/t", jwks_url="https://moodle.example/j", deployments=("1",))
    launches.store_launch(db, _launch(platform), token_hash="first", screener_id="s", lang="el", ttl_seconds=3600)
    with pytest.raises(launches.NonceReused):
        launches.store_launch(db, _launch(platform, sub="someone-else"), token_hash="second", screener_id="s", lang="el", ttl_seconds=3600)
    launches.store_launch(db, _launch(platform, nonce="n-3"), token_hash="third", screener_id="s", lang="el", ttl_seconds=3600)
    with db.read() as conn:
        assert conn.execute(select(T.launch.c.token_hash).order_by(T.launch.c.id)).scalars().all() == ["first", "third"]
        assert conn.execute(select(func.count()).select_from(T.nonce_used)).scalar_one() == 2


def test_a_prepared_statement_refuses_a_missing_value(db):
    prepared = db.prepare(insert(T.nonce_used), ("nonce", "expires_at"))
    with pytest.raises(KeyError, match="expires_at"):
        prepared.params({"nonce": "x"})
