"""Alembic environment: runs on the engine or connection the caller passes in."""

from __future__ import annotations

from alembic import context

from lti_tool.store.tables import metadata

config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_on(connection)
        return
    engine = config.attributes["engine"]
    with engine.connect() as conn:
        _run_on(conn)
        conn.commit()


def _run_on(connection) -> None:
    # one transaction per migration: a migration may build an index outside any (PostgreSQL's CONCURRENTLY)
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=connection.dialect.name == "sqlite",
                      transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()


run()
