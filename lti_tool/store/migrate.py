"""Apply the migrations shipped in this package, at start-up or from ``qser lti migrate``."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from .db import Database

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_PG_LOCK = 0x71736572  # "qser": one migrator at a time across processes
LOCK_RETRY_SECONDS = 0.1
log = logging.getLogger("qser.store")


def alembic_config(db: Database) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = db.engine
    return config


def upgrade(db: Database) -> None:
    """Bring the schema to the newest revision; safe to call from several processes."""
    config = alembic_config(db)
    if db.is_postgresql:
        with db.engine.connect() as conn:
            _wait_for_lock(conn)
            try:
                ours = _ours(config, conn)
                conn.commit()  # the lock is the session's; migrations run in transactions of their own
                if ours:
                    config.attributes["connection"] = conn
                    command.upgrade(config, "head")
                    conn.commit()
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK})
                conn.commit()
    else:
        with db.engine.connect() as conn:
            ours = _ours(config, conn)
        if ours:
            command.upgrade(config, "head")


def _wait_for_lock(conn) -> None:
    """Takes the migrators' lock, trying it again and again instead of waiting inside
    ``pg_advisory_lock``: a session blocked in that call keeps a transaction open, and a
    migration that builds an index ``CONCURRENTLY`` (0005) waits for every transaction open
    when it starts, so the migrator and the waiter waited for each other until PostgreSQL
    ended one as a deadlock (a node and its grade worker starting together on a new database
    failed that way). Between tries this session has no transaction open."""
    waited = False
    while True:
        taken = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _PG_LOCK}).scalar_one()
        conn.commit()
        if taken:
            return
        if not waited:
            log.info("another process is migrating the database: waiting for it")
            waited = True
        time.sleep(LOCK_RETRY_SECONDS)


def _ours(config: Config, conn) -> bool:
    """Is the schema at a revision this release knows? Not when a newer release has migrated
    it already: during a rolling upgrade a node of the release before restarts (a crash, a
    reboot) on the expanded schema, which it runs on as it is (migrations only add)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    current = MigrationContext.configure(conn).get_current_revision()
    try:
        ScriptDirectory.from_config(config).get_revision(current)
    except CommandError:
        log.warning("the database is at revision %s, newer than this release knows: running on it without migrating "
                    "(finish the upgrade: every node on the new release)", current)
        return False
    return True


def current_revision(db: Database) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
