"""The library's newest approved case studies straight from an index: its pages list approved
summaries newest first (``review_status``, then ``reviewed_at`` descending).

Expand-only, like every migration here: it only adds, so the release before it runs on the
new schema unchanged, and nodes are upgraded one at a time after ``qser lti migrate`` (README,
"Upgrades"). On PostgreSQL the index is built ``CONCURRENTLY``: learners keep submitting
summaries while it builds (a plain build would hold their writes for its whole length).
``ix_case_summary_review`` stays until a release no longer needs it (a later, contracting step).

Revision ID: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

COLUMNS = ["review_status", "reviewed_at"]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            op.create_index("ix_case_summary_library", "case_summary", COLUMNS, postgresql_concurrently=True, if_not_exists=True)
    else:
        op.create_index("ix_case_summary_library", "case_summary", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_case_summary_library", "case_summary")
