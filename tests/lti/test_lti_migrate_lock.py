"""Several processes start on one PostgreSQL at once (a node's server and its grade worker,
two nodes): one migrates, the others wait for it. The waiters must not hold a transaction open
while they wait, or a migration that builds an index ``CONCURRENTLY`` (it waits for every open
transaction) and a waiter wait for each other until PostgreSQL ends one of them as a deadlock."""

from __future__ import annotations

import threading
import time

from sqlalchemy import text

from lti_tool.store import connect, migrate, upgrade


def _others_waiting(db, own_pid: int) -> bool:
    with db.read() as conn:
        return bool(conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid NOT IN (pg_backend_pid(), :own)"
            " AND query LIKE '%advisory_lock%'"), {"own": own_pid}).scalar_one())


def test_a_process_waiting_to_migrate_does_not_block_an_index_built_concurrently(pg_cluster):
    url = pg_cluster.create_database("migrate_lock_wait")
    migrator = connect(url)
    upgrade(migrator)  # the schema at head: the waiter will find nothing left to do
    session = migrator.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    session.execute(text("SELECT pg_advisory_lock(:k)"), {"k": migrate._PG_LOCK})  # a migration under way
    own_pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    waiter, failures = connect(url), []

    def start_another_process():
        try:
            upgrade(waiter)
        except Exception as exc:  # noqa: BLE001 (the test reports it)
            failures.append(exc)

    thread = threading.Thread(target=start_another_process)
    thread.start()
    deadline = time.monotonic() + 10
    while not _others_waiting(migrator, own_pid):
        assert time.monotonic() < deadline, "the second process never asked for the migrators' lock"
        time.sleep(0.02)
    try:
        # what migration 0005 does on PostgreSQL, while the other process waits
        session.execute(text("CREATE INDEX CONCURRENTLY ix_lock_test ON launch (created_at)"))
        assert thread.is_alive(), "the second process went on while a migration held the lock"
    finally:
        session.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": migrate._PG_LOCK})
        session.close()
    thread.join(10)
    assert not thread.is_alive() and not failures, failures
    for db in (migrator, waiter):
        db.engine.dispose()
