"""Persistence: SQLAlchemy Core tables, Alembic migrations shipped in the package, and the
engine setup for SQLite (WAL, the default) and PostgreSQL (several processes/hosts)."""

from .db import Database, connect
from .migrate import upgrade

__all__ = ["Database", "connect", "upgrade"]
