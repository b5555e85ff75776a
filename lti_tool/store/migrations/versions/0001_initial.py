"""Initial schema: registrations, deployments, launches, attempts, summaries, grade outbox.

Revision ID: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "platform",
        sa.Column("id", Id, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("issuer", sa.String(500), nullable=False),
        sa.Column("client_id", sa.String(500), nullable=False),
        sa.Column("auth_login_url", sa.String(1000), nullable=False),
        sa.Column("auth_token_url", sa.String(1000), nullable=False),
        sa.Column("jwks_url", sa.String(1000), nullable=False),
        sa.Column("token_audience", sa.String(1000), nullable=True),
        _ts("created_at"),
        sa.UniqueConstraint("issuer", "client_id", name="uq_platform_issuer_client"),
    )
    op.create_table(
        "deployment",
        sa.Column("id", Id, primary_key=True),
        sa.Column("platform_id", Id, sa.ForeignKey("platform.id", ondelete="CASCADE", name="fk_deployment_platform_id_platform"), nullable=False),
        sa.Column("deployment_id", sa.String(500), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        _ts("created_at"),
        sa.UniqueConstraint("platform_id", "deployment_id", name="uq_deployment_platform_deployment"),
    )
    op.create_table(
        "nonce_used",
        sa.Column("nonce", sa.String(200), primary_key=True),
        _ts("expires_at"),
    )
    op.create_index("ix_nonce_used_expires", "nonce_used", ["expires_at"])
    op.create_table(
        "launch",
        sa.Column("id", Id, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("platform_id", Id, sa.ForeignKey("platform.id", ondelete="CASCADE", name="fk_launch_platform_id_platform"), nullable=False),
        sa.Column("deployment_id", sa.String(500), nullable=False),
        sa.Column("user_sub", sa.String(500), nullable=False),
        sa.Column("user_name", sa.String(500), nullable=False),
        sa.Column("roles", sa.JSON, nullable=False),
        sa.Column("context_id", sa.String(500), nullable=True),
        sa.Column("context_title", sa.String(500), nullable=True),
        sa.Column("resource_link_id", sa.String(500), nullable=False),
        sa.Column("resource_link_title", sa.String(500), nullable=True),
        sa.Column("screener_id", sa.String(200), nullable=False),
        sa.Column("lang", sa.String(16), nullable=False),
        sa.Column("lineitem_url", sa.String(1000), nullable=True),
        sa.Column("ags_scopes", sa.JSON, nullable=False),
        sa.Column("return_url", sa.String(1000), nullable=True),
        _ts("created_at"),
        _ts("expires_at"),
    )
    op.create_table(
        "attempt",
        sa.Column("id", Id, primary_key=True),
        sa.Column("launch_id", Id, sa.ForeignKey("launch.id", ondelete="CASCADE", name="fk_attempt_launch_id_launch"), nullable=False),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("max_score", sa.Integer, nullable=False),
        sa.Column("suitable", sa.Boolean, nullable=False),
        _ts("created_at"),
    )
    op.create_table(
        "case_summary",
        sa.Column("id", Id, primary_key=True),
        sa.Column("attempt_id", Id, sa.ForeignKey("attempt.id", ondelete="CASCADE", name="fk_case_summary_attempt_id_attempt"), nullable=False, unique=True),
        sa.Column("fields", sa.JSON, nullable=False),
        sa.Column("lang", sa.String(16), nullable=False),
        sa.Column("review_status", sa.String(20), nullable=False),
        _ts("created_at"),
    )
    op.create_table(
        "grade_outbox",
        sa.Column("id", Id, primary_key=True),
        sa.Column("attempt_id", Id, sa.ForeignKey("attempt.id", ondelete="CASCADE", name="fk_grade_outbox_attempt_id_attempt"), nullable=False),
        sa.Column("platform_id", Id, sa.ForeignKey("platform.id", ondelete="CASCADE", name="fk_grade_outbox_platform_id_platform"), nullable=False),
        sa.Column("lineitem_url", sa.String(1000), nullable=False),
        sa.Column("user_sub", sa.String(500), nullable=False),
        sa.Column("score_given", sa.Float, nullable=False),
        sa.Column("score_maximum", sa.Float, nullable=False),
        sa.Column("activity_progress", sa.String(20), nullable=False),
        sa.Column("grading_progress", sa.String(20), nullable=False),
        sa.Column("score_timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("tries", sa.Integer, nullable=False),
        _ts("next_attempt_at"),
        _ts("lease_until", nullable=True),
        sa.Column("last_status", sa.Integer, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        _ts("delivered_at", nullable=True),
        _ts("created_at"),
    )
    op.create_index("ix_grade_outbox_due", "grade_outbox", ["status", "next_attempt_at"])


def downgrade() -> None:
    for name in ["grade_outbox", "case_summary", "attempt", "launch", "nonce_used", "deployment", "platform"]:
        op.drop_table(name)
