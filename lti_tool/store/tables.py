"""The tool's tables.

Registrations and deployments are records an administrator manages; every launch,
attempt and case-study summary keeps the ids needed to act on it later (instructor
review, "send again", the good-practice library), so later features add columns or
tables instead of reshaping these.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

Id = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements INTEGER PRIMARY KEY only


def _ts(name: str, nullable: bool = False) -> Column:
    return Column(name, DateTime(timezone=True), nullable=nullable)


platform = Table(
    "platform",
    metadata,
    Column("id", Id, primary_key=True),
    Column("name", String(200), nullable=False, default=""),
    Column("issuer", String(500), nullable=False),
    Column("client_id", String(500), nullable=False),
    Column("auth_login_url", String(1000), nullable=False),  # OIDC authorization endpoint
    Column("auth_token_url", String(1000), nullable=False),  # OAuth2 token endpoint
    Column("jwks_url", String(1000), nullable=False),
    Column("token_audience", String(1000), nullable=True),  # client-assertion aud, default: token URL
    _ts("created_at"),
    UniqueConstraint("issuer", "client_id", name="uq_platform_issuer_client"),
)

deployment = Table(
    "deployment",
    metadata,
    Column("id", Id, primary_key=True),
    Column("platform_id", Id, ForeignKey("platform.id", ondelete="CASCADE"), nullable=False),
    Column("deployment_id", String(500), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    _ts("created_at"),
    UniqueConstraint("platform_id", "deployment_id", name="uq_deployment_platform_deployment"),
)

# One row per nonce that has been used in a valid launch: single use by primary key.
nonce_used = Table(
    "nonce_used",
    metadata,
    Column("nonce", String(200), primary_key=True),
    _ts("expires_at"),
)
Index("ix_nonce_used_expires", nonce_used.c.expires_at)

# A validated launch. The token is the capability the screener's forms carry; only its
# SHA-256 is stored, so a database leak does not hand out live sessions.
launch = Table(
    "launch",
    metadata,
    Column("id", Id, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("platform_id", Id, ForeignKey("platform.id", ondelete="CASCADE"), nullable=False),
    Column("deployment_id", String(500), nullable=False),
    Column("user_sub", String(500), nullable=False),
    Column("user_name", String(500), nullable=False, default=""),
    Column("roles", JSON, nullable=False),
    Column("context_id", String(500), nullable=True),
    Column("context_title", String(500), nullable=True),
    Column("resource_link_id", String(500), nullable=False),
    Column("resource_link_title", String(500), nullable=True),
    Column("screener_id", String(200), nullable=False),
    Column("lang", String(16), nullable=False),
    Column("lineitem_url", String(1000), nullable=True),  # AGS line item, when grades sync
    Column("ags_scopes", JSON, nullable=False),
    Column("return_url", String(1000), nullable=True),
    _ts("created_at"),
    _ts("expires_at"),
    # added in 0002: deep-linking launches and the Names and Role Provisioning service
    Column("message_type", String(40), nullable=False, server_default="LtiResourceLinkRequest"),
    Column("deep_linking", JSON, nullable=True),  # the platform's deep_linking_settings we act on
    Column("nrps_url", String(1000), nullable=True),  # context_memberships_url, when offered
)
Index("ix_launch_context", launch.c.platform_id, launch.c.context_id)

# One submission of the five answers. The score is computed on the server from the
# answers with packager.model.Screener.score(): the browser never sends a score.
attempt = Table(
    "attempt",
    metadata,
    Column("id", Id, primary_key=True),
    Column("launch_id", Id, ForeignKey("launch.id", ondelete="CASCADE"), nullable=False),
    Column("answers", JSON, nullable=False),
    Column("score", Integer, nullable=False),
    Column("max_score", Integer, nullable=False),
    Column("suitable", Boolean, nullable=False),
    _ts("created_at"),
)
Index("ix_attempt_launch", attempt.c.launch_id)  # 0003: a course's attempts, joined from its launches

# The one-page case-study summary a learner writes for a suitable case. ``review_status``
# is where instructor review and the good-practice library take over.
case_summary = Table(
    "case_summary",
    metadata,
    Column("id", Id, primary_key=True),
    Column("attempt_id", Id, ForeignKey("attempt.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("fields", JSON, nullable=False),
    Column("lang", String(16), nullable=False),
    Column("review_status", String(20), nullable=False, default="submitted"),
    _ts("created_at"),
    # added in 0002: how the author wants to be credited, instructor review, library search
    Column("credit", String(20), nullable=False, server_default="anonymous"),  # name|anonymous|organisation
    Column("credit_org", String(200), nullable=True),
    Column("original_fields", JSON, nullable=True),  # the learner's text, kept when a reviewer edits
    _ts("reviewed_at", nullable=True),
    Column("reviewed_by", String(500), nullable=True),  # user sub of the reviewing instructor
    # normalised copies (lower case, accents removed) so LIKE finds "Διερμηνείς" from "διερμηνεις"
    # the same way on SQLite and PostgreSQL
    Column("title_key", Text, nullable=False, server_default=""),
    Column("sector_key", Text, nullable=False, server_default=""),
    Column("search_key", Text, nullable=False, server_default=""),
)
Index("ix_case_summary_review", case_summary.c.review_status)
Index("ix_case_summary_library", case_summary.c.review_status, case_summary.c.reviewed_at)  # 0005: the library, newest first

# Durable grade passback: written in the attempt's transaction, delivered by a worker.
grade_outbox = Table(
    "grade_outbox",
    metadata,
    Column("id", Id, primary_key=True),
    Column("attempt_id", Id, ForeignKey("attempt.id", ondelete="CASCADE"), nullable=False),
    Column("platform_id", Id, ForeignKey("platform.id", ondelete="CASCADE"), nullable=False),
    Column("lineitem_url", String(1000), nullable=False),
    Column("user_sub", String(500), nullable=False),
    Column("score_given", Float, nullable=False),
    Column("score_maximum", Float, nullable=False),
    Column("activity_progress", String(20), nullable=False),
    Column("grading_progress", String(20), nullable=False),
    Column("score_timestamp", DateTime(timezone=True), nullable=False),  # when the learner acted
    Column("status", String(20), nullable=False, default="pending"),  # pending|delivered|failed
    Column("tries", Integer, nullable=False, default=0),
    _ts("next_attempt_at"),
    _ts("lease_until", nullable=True),  # set while a worker delivers it
    Column("last_status", Integer, nullable=True),  # last HTTP status from the platform
    Column("last_error", Text, nullable=True),
    _ts("delivered_at", nullable=True),
    _ts("created_at"),
    Column("requested_by", String(500), nullable=True),  # 0002: instructor who asked to send it again
)
Index("ix_grade_outbox_due", grade_outbox.c.status, grade_outbox.c.next_attempt_at)
Index("ix_grade_outbox_attempt", grade_outbox.c.attempt_id)
Index("ix_grade_outbox_learner", grade_outbox.c.user_sub, grade_outbox.c.platform_id)  # "is a newer score queued?"

# One-time invitations to register a platform with Dynamic Registration (``qser lti invite``).
# Only the SHA-256 of the invitation is stored.
invite = Table(
    "invite",
    metadata,
    Column("id", Id, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("note", String(200), nullable=False, default=""),
    _ts("created_at"),
    _ts("expires_at"),
    _ts("used_at", nullable=True),  # set while a registration runs and once it succeeded
    Column("platform_id", Id, ForeignKey("platform.id", ondelete="SET NULL"), nullable=True),
)

# The tool's RSA signing keys (0004): the newest current key signs; a retired key stays in the
# JWKS until ``retire_at``. ``sealed``: the PEM is encrypted with the key encryption key.
tool_key = Table(
    "tool_key",
    metadata,
    Column("kid", String(64), primary_key=True),
    Column("private_key", LargeBinary, nullable=False),
    Column("sealed", Boolean, nullable=False),
    _ts("created_at"),
    _ts("retire_at", nullable=True),
)

# Random secrets every node must share (0004): "state" signs the OIDC state and the forms' CSRF tokens.
tool_secret = Table(
    "tool_secret",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("value", LargeBinary, nullable=False),
    Column("sealed", Boolean, nullable=False),
    _ts("created_at"),
)
