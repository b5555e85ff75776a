"""Engine setup for both databases, and the small time helpers every query shares."""

from __future__ import annotations

import os
import random
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

SQLITE_LOCK_WAIT = 30.0  # seconds a writer waits for the write lock before giving up


def now() -> datetime:
    return datetime.now(UTC)


def utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything stored here is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Database:
    engine: Engine

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def begin(self):
        """A write transaction (on SQLite it takes the write lock up front)."""
        return self.engine.begin()

    def read(self):
        """A connection for reads only; on SQLite it never blocks writers (WAL)."""
        return self.engine.connect().execution_options(qser_read=True)


def connect(url: str, pool_size: int = 5) -> Database:
    """An engine tuned per backend: SQLite in WAL mode with a busy timeout, so the web
    process and the grade worker write side by side; PostgreSQL with a small pool."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _private_file(Path(parsed.database))
        engine = create_engine(url, connect_args={"timeout": 0, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
    else:
        engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True,
                               connect_args={"connect_timeout": 5})  # an unreachable server fails readiness fast
    return Database(engine)


def _private_file(path: Path) -> None:
    """The database holds learner data: create it (and its folder) readable by the owner only.
    SQLite gives its -wal and -shm files the database file's mode."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # pysqlite's own transaction handling is switched off so BEGIN IMMEDIATE below is ours:
    # a writer takes the lock up front instead of failing to upgrade a read lock later.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin_immediate(connection) -> None:
    """Take the lock at BEGIN, retrying every fraction of a millisecond.

    SQLite's own busy handler sleeps 1, 2, 5, 10 ... ms between tries, so a few processes
    writing at once wait far longer than the lock is held (well under a millisecond in
    WAL mode); short jittered retries here keep a busy server's latency flat.
    """
    statement = "BEGIN" if connection.get_execution_options().get("qser_read") else "BEGIN IMMEDIATE"
    driver = connection.connection.driver_connection  # straight to sqlite3: every request begins a transaction
    deadline = time.monotonic() + SQLITE_LOCK_WAIT
    while time.monotonic() < deadline:
        try:
            driver.execute(statement)
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc):
                break
        time.sleep(random.uniform(0.0001, 0.001))
    connection.exec_driver_sql(statement)  # once more through SQLAlchemy: its error, if any, as every other
