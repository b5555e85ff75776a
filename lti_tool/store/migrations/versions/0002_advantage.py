"""LTI Advantage for teachers: deep-linking launches, NRPS, invitations for Dynamic
Registration, review and credit of case studies, searchable library keys, "send again".

Revision ID: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("launch") as batch:
        batch.add_column(sa.Column("message_type", sa.String(40), nullable=False, server_default="LtiResourceLinkRequest"))
        batch.add_column(sa.Column("deep_linking", sa.JSON, nullable=True))
        batch.add_column(sa.Column("nrps_url", sa.String(1000), nullable=True))
    op.create_index("ix_launch_context", "launch", ["platform_id", "context_id"])

    with op.batch_alter_table("case_summary") as batch:
        batch.add_column(sa.Column("credit", sa.String(20), nullable=False, server_default="anonymous"))
        batch.add_column(sa.Column("credit_org", sa.String(200), nullable=True))
        batch.add_column(sa.Column("original_fields", sa.JSON, nullable=True))
        batch.add_column(_ts("reviewed_at", nullable=True))
        batch.add_column(sa.Column("reviewed_by", sa.String(500), nullable=True))
        batch.add_column(sa.Column("title_key", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("sector_key", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("search_key", sa.Text, nullable=False, server_default=""))
    op.create_index("ix_case_summary_review", "case_summary", ["review_status"])
    _fill_search_keys()

    with op.batch_alter_table("grade_outbox") as batch:
        batch.add_column(sa.Column("requested_by", sa.String(500), nullable=True))
    op.create_index("ix_grade_outbox_attempt", "grade_outbox", ["attempt_id"])
    op.create_index("ix_grade_outbox_learner", "grade_outbox", ["user_sub", "platform_id"])

    op.create_table(
        "invite",
        sa.Column("id", Id, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("note", sa.String(200), nullable=False),
        _ts("created_at"),
        _ts("expires_at"),
        _ts("used_at", nullable=True),
        sa.Column("platform_id", Id, sa.ForeignKey("platform.id", ondelete="SET NULL", name="fk_invite_platform_id_platform"), nullable=True),
    )


def _fill_search_keys() -> None:
    """Summaries written before this revision get their search keys now."""
    from lti_tool.textsearch import summary_keys

    summaries = sa.table("case_summary", sa.column("id", Id), sa.column("fields", sa.JSON),
                         sa.column("title_key", sa.Text), sa.column("sector_key", sa.Text), sa.column("search_key", sa.Text))
    conn = op.get_bind()
    for row in conn.execute(sa.select(summaries.c.id, summaries.c.fields)).all():
        conn.execute(sa.update(summaries).where(summaries.c.id == row.id).values(**summary_keys(row.fields or {})))


def downgrade() -> None:
    op.drop_table("invite")
    op.drop_index("ix_grade_outbox_learner", "grade_outbox")
    op.drop_index("ix_grade_outbox_attempt", "grade_outbox")
    with op.batch_alter_table("grade_outbox") as batch:
        batch.drop_column("requested_by")
    op.drop_index("ix_case_summary_review", "case_summary")
    with op.batch_alter_table("case_summary") as batch:
        for name in ("search_key", "sector_key", "title_key", "reviewed_by", "reviewed_at", "original_fields", "credit_org", "credit"):
            batch.drop_column(name)
    op.drop_index("ix_launch_context", "launch")
    with op.batch_alter_table("launch") as batch:
        for name in ("nrps_url", "deep_linking", "message_type"):
            batch.drop_column(name)
