"""The tool's signing keys and its state/form secret move from the var folder into the
database, so every node behind the load balancer signs, verifies and publishes the same.

Revision ID: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "tool_key",
        sa.Column("kid", sa.String(64), primary_key=True),
        sa.Column("private_key", sa.LargeBinary, nullable=False),
        sa.Column("sealed", sa.Boolean, nullable=False),
        _ts("created_at"),
        _ts("retire_at", nullable=True),
    )
    op.create_table(
        "tool_secret",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("value", sa.LargeBinary, nullable=False),
        sa.Column("sealed", sa.Boolean, nullable=False),
        _ts("created_at"),
    )


def downgrade() -> None:
    op.drop_table("tool_secret")
    op.drop_table("tool_key")
