"""Persistence: SQLAlchemy Core tables, Alembic migrations shipped in the package, and the
engine setup for SQLite (WAL, the default) and PostgreSQL (several processes/hosts).

The queries live with their record, one module each, and callers never write SQL:
``registry`` (registrations, deployments), ``launches`` (and used nonces), ``attempts`` (and
summaries), ``outbox`` (queued grades), ``teaching`` (the instructor view), ``cohort`` (its
charts' counts and filters), ``library``, ``invites``."""

from .db import Database, connect
from .migrate import upgrade

__all__ = ["Database", "connect", "upgrade"]
