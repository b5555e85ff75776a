"""An index on each attempt's launch: the instructor view's counts join attempts to the
launches of one course, and without it SQLite may read every attempt once per launch.

Revision ID: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_attempt_launch", "attempt", ["launch_id"])


def downgrade() -> None:
    op.drop_index("ix_attempt_launch", "attempt")
