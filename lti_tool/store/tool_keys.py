"""The tool's signing keys and shared secrets in the database (tables ``tool_key`` and
``tool_secret``), so any number of nodes sign, verify and publish the same.

Writes that must happen once across the cluster (the first key, a rotation, the first
secret) run one node at a time: a PostgreSQL advisory lock held for the transaction, or
SQLite's write lock, which every write transaction here takes at BEGIN.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete, insert, select, text, update

from ..lti.keys import KeyRow, KeySeal, ToolKeyring, read_key_folder, read_secret_file
from . import tables as T
from .db import Database, now, utc

K, S = T.tool_key, T.tool_secret
_PG_LOCK = 0x71736573  # one writer of keys and secrets at a time
STATE_SECRET = "state"


def _stamp(value: datetime | None) -> float | None:
    return None if value is None else utc(value).timestamp()


def _time(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def _serialised(conn, db: Database) -> None:
    if db.is_postgresql:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK})


class KeyTable:
    """:class:`~lti_tool.lti.keys.KeySource` on the ``tool_key`` table."""

    def __init__(self, db: Database):
        self.db = db

    def rows(self) -> list[KeyRow]:
        with self.db.read() as conn:
            found = conn.execute(select(K).order_by(K.c.created_at)).all()
        return [KeyRow(r.kid, _stamp(r.created_at), _stamp(r.retire_at), bytes(r.private_key), r.sealed) for r in found]

    def rotate(self, new: KeyRow, overlap_seconds: float, now: float, only_if_none_current: bool) -> bool:
        with self.db.begin() as conn:
            _serialised(conn, self.db)
            if only_if_none_current and conn.execute(select(K.c.kid).where(K.c.retire_at.is_(None))).first():
                return False
            conn.execute(delete(K).where(K.c.retire_at.is_not(None), K.c.retire_at <= _time(now)))
            conn.execute(update(K).where(K.c.retire_at.is_(None)).values(retire_at=_time(now + overlap_seconds)))
            conn.execute(insert(K).values(kid=new.kid, private_key=new.data, sealed=new.sealed, created_at=_time(new.created), retire_at=None))
        return True


def shared_secret(db: Database, name: str, seal: KeySeal, nbytes: int = 32) -> bytes:
    """The secret ``name``, created on first use by whichever node comes first."""
    with db.read() as conn:
        row = conn.execute(select(S).where(S.c.name == name)).first()
    if row is None:
        with db.begin() as conn:
            _serialised(conn, db)
            row = conn.execute(select(S).where(S.c.name == name)).first()
            if row is None:
                value, sealed = seal.seal(secrets.token_bytes(nbytes))
                conn.execute(insert(S).values(name=name, value=value, sealed=sealed, created_at=now()))
                row = conn.execute(select(S).where(S.c.name == name)).first()
    return seal.open(bytes(row.value), row.sealed)


def import_var_folder(db: Database, var_dir: Path, seal: KeySeal) -> tuple[int, bool]:
    """Copy the keys and the state secret of a var folder from before 0004 into an empty
    database, same kids (platforms keep verifying: nobody re-registers). Returns
    (keys imported, secret imported); nothing is imported over what the database has."""
    legacy_keys = read_key_folder(Path(var_dir) / "keys")
    legacy_secret = read_secret_file(Path(var_dir) / "secret.key")
    imported_keys, imported_secret = 0, False
    with db.begin() as conn:
        _serialised(conn, db)
        if legacy_keys and conn.execute(select(K.c.kid)).first() is None:
            for row in legacy_keys:
                data, sealed = seal.seal(row.data)
                conn.execute(insert(K).values(kid=row.kid, private_key=data, sealed=sealed,
                                              created_at=_time(row.created), retire_at=_time(row.retire_at)))
            imported_keys = len(legacy_keys)
        if legacy_secret and conn.execute(select(S.c.name).where(S.c.name == STATE_SECRET)).first() is None:
            value, sealed = seal.seal(legacy_secret)
            conn.execute(insert(S).values(name=STATE_SECRET, value=value, sealed=sealed, created_at=now()))
            imported_secret = True
    return imported_keys, imported_secret


def seal_plain(db: Database, seal: KeySeal) -> int:
    """Encrypt what was stored before a key encryption key was set; returns how many rows."""
    if not seal.active:
        return 0
    count = 0
    with db.begin() as conn:
        _serialised(conn, db)
        for table, key in ((K, K.c.kid), (S, S.c.name)):
            column = table.c.private_key if table is K else table.c.value
            for row_key, plain in conn.execute(select(key, column).where(table.c.sealed.is_(False))).all():
                data, _ = seal.seal(bytes(plain))
                conn.execute(update(table).where(key == row_key).values({column.name: data, "sealed": True}))
                count += 1
    return count


def open_tool_secrets(db: Database, key_encryption_key: str, var_dir: Path | None = None) -> tuple[ToolKeyring, bytes]:
    """At start: the keyring and the state secret, imported from ``var_dir`` on first start
    after an upgrade, created when new, sealed when a key encryption key is set. Raises
    :class:`~lti_tool.lti.keys.KeyEncryptionError` when the stored keys cannot be opened."""
    seal = KeySeal(key_encryption_key)
    if var_dir is not None:
        import_var_folder(db, var_dir, seal)
    seal_plain(db, seal)
    keyring = ToolKeyring(KeyTable(db), seal)
    keyring.check_readable()
    keyring.ensure()
    return keyring, shared_secret(db, STATE_SECRET, seal)
