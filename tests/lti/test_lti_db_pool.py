"""PostgreSQL connections are checked only when they may have gone stale: a connection that
served a moment ago is handed out at once (no round trip per request), one that rested is
asked first, and one whose server side was ended is replaced, not handed to a request."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import text

from lti_tool.store import connect, db as store_db


_names = itertools.count()


@pytest.fixture
def pg(pg_cluster):
    database = connect(pg_cluster.create_database(f"pool_ping_{next(_names)}"))
    pings = []
    real = database.engine.dialect.do_ping
    database.engine.dialect.do_ping = lambda connection: pings.append(connection) or real(connection)
    yield database, pings
    database.engine.dispose()


def _backend_pid(database) -> int:
    with database.read() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar_one()


def test_a_busy_connection_is_not_pinged_a_rested_one_is(pg, monkeypatch):
    database, pings = pg
    first = _backend_pid(database)  # a new connection: asked once
    assert len(pings) == 1
    for _ in range(5):  # busy: handed out as it is, the same connection
        assert _backend_pid(database) == first
    assert len(pings) == 1
    monkeypatch.setattr(store_db, "PING_AFTER_IDLE", -1.0)  # every connection has now rested long enough
    assert _backend_pid(database) == first
    assert len(pings) == 2


def test_a_rested_connection_whose_server_went_away_is_replaced(pg, pg_cluster, monkeypatch):
    database, _ = pg
    first = _backend_pid(database)
    other = connect(pg_cluster.create_database(f"pool_ping_{next(_names)}"))
    with other.begin() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first}).scalar_one()
    other.engine.dispose()
    monkeypatch.setattr(store_db, "PING_AFTER_IDLE", -1.0)
    second = _backend_pid(database)  # the request gets a working connection, no error
    assert second != first
