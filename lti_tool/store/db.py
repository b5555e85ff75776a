"""Engine setup for both databases, and the small time helpers every query shares."""

from __future__ import annotations

import os
import random
import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, IntegrityError
from sqlalchemy.sql import ClauseElement

SQLITE_LOCK_WAIT = 30.0  # seconds a writer waits for the write lock before giving up
PING_AFTER_IDLE = 1.0  # seconds a pooled PostgreSQL connection may rest before it is checked again


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
    _prepared: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def begin(self):
        """A write transaction (on SQLite it takes the write lock up front)."""
        return self.engine.begin()

    def read(self):
        """A connection for reads only; on SQLite it never blocks writers (WAL)."""
        return self.engine.connect().execution_options(qser_read=True)

    def prepare(self, statement: ClauseElement, columns: tuple[str, ...]) -> Prepared:
        """``statement`` compiled for this database, once per process (statements are module constants)."""
        key = (id(statement), columns)
        prepared = self._prepared.get(key)
        if prepared is None:
            prepared = self._prepared[key] = Prepared(self, statement, columns)
        return prepared

    @contextmanager
    def driver_transaction(self, one_statement: bool = False) -> Iterator[Any]:
        """A write transaction on the driver's own cursor, for :class:`Prepared` statements.

        The same transaction as :meth:`begin` (the write lock taken up front on SQLite,
        committed before the block's caller answers, rolled back on any error) without
        SQLAlchemy's per-statement execution machinery, which cost three times the database's
        own work on the launch's two inserts. A driver's integrity error (a unique key taken)
        comes out as SQLAlchemy's :class:`~sqlalchemy.exc.IntegrityError`, as from Core.

        With ``one_statement`` on PostgreSQL, the block runs one statement, which is a
        transaction by itself (autocommit): one round trip to the server instead of four
        (BEGIN, the statements, COMMIT), each costing the tool more CPU than the insert."""
        pooled = self.engine.raw_connection()
        try:
            driver = pooled.driver_connection
            alone = one_statement and self.is_postgresql
            if alone:
                driver.autocommit = True
            elif not self.is_postgresql:
                _begin_with_retries(driver, "BEGIN IMMEDIATE")
            cursor = driver.cursor()
            try:
                yield cursor
                if not alone:
                    pooled.commit()
            except self.engine.dialect.loaded_dbapi.IntegrityError as exc:
                if not alone:
                    pooled.rollback()
                raise IntegrityError(None, None, exc) from exc
            except BaseException:
                if not alone:
                    pooled.rollback()
                raise
            finally:
                cursor.close()
                if alone and not driver.closed:
                    driver.autocommit = False
        finally:
            pooled.close()


class Prepared:
    """A Core ``INSERT``/``UPDATE`` compiled once for one database's dialect, its values
    converted by the column types' own bind processors (JSON, SQLite's datetime text), so
    a row written here reads back as one written through Core."""

    def __init__(self, db: Database, statement: ClauseElement, columns: tuple[str, ...]):
        compiled = statement.compile(dialect=db.engine.dialect, column_keys=list(columns))
        self.sql = compiled.string
        self._statement = statement  # kept alive: the cache is keyed by its id
        self._names = tuple(compiled.positiontup) if compiled.positional else None
        self._processors = dict(compiled._bind_processors)
        self._keys = frozenset(compiled.bind_names.values())

    def params(self, values: Mapping[str, Any]) -> tuple | dict:
        """Every bound column must be given (a missing one would silently be NULL)."""
        missing = self._keys - values.keys()
        if missing:
            raise KeyError(f"no value for {', '.join(sorted(missing))}")
        convert = self._processors
        converted = {k: (convert[k](v) if k in convert else v) for k, v in values.items()}  # None too: JSON's is 'null', as Core
        return tuple(converted[k] for k in self._names) if self._names is not None else converted


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
        engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size,
                               connect_args={"connect_timeout": 5})  # an unreachable server fails readiness fast
        _ping_when_rested(engine)
    return Database(engine)


def _ping_when_rested(engine: Engine) -> None:
    """Hand out a PostgreSQL connection only once it answers, if it rested long enough for the
    server to have gone away (a restart, a failover) or is known broken; one that served a
    request a moment ago is handed out as it is. SQLAlchemy's ``pool_pre_ping`` asks every time:
    a round trip on every request, 8 % of a launch's CPU on a busy node. A connection that fails
    anyway is invalidated on its error, and the pool then replaces every older one."""
    dialect = engine.dialect

    def checkout(dbapi_connection, record, _proxy) -> None:
        if dbapi_connection.closed or dbapi_connection.broken:
            raise DisconnectionError("the connection was lost")
        if time.monotonic() - record.info.get("qser_used", 0.0) > PING_AFTER_IDLE:
            try:
                dialect.do_ping(dbapi_connection)
            except Exception as exc:
                raise DisconnectionError(f"the connection did not answer: {exc}") from exc

    def checkin(_dbapi_connection, record) -> None:
        record.info["qser_used"] = time.monotonic()

    event.listen(engine, "checkout", checkout)
    event.listen(engine, "checkin", checkin)


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
    if not _begin_with_retries(driver, statement, final=False):
        connection.exec_driver_sql(statement)  # once more through SQLAlchemy: its error, if any, as every other


def _begin_with_retries(driver: sqlite3.Connection, statement: str, final: bool = True) -> bool:
    """True once begun; else False, or with ``final`` one last try whose error propagates."""
    deadline = time.monotonic() + SQLITE_LOCK_WAIT
    while time.monotonic() < deadline:
        try:
            driver.execute(statement)
            return True
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc):
                break
        time.sleep(random.uniform(0.0001, 0.001))
    if final:
        driver.execute(statement)
        return True
    return False
