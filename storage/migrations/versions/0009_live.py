"""Live workshop sessions: the session (its projector code, dilemmas, current round), the
participants' anonymous votes and each participant's one live message.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _user(table: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["owner_user_id" if table == "live_sessions" else "user_id"],
        ["users.id"],
        name=op.f(f"fk_{table}_{'owner_user_id' if table == 'live_sessions' else 'user_id'}_users"),
        ondelete=ondelete,
    )


def _session(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["session_id"],
        ["live_sessions.id"],
        name=op.f(f"fk_{table}_session_id_live_sessions"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "live_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("owner_user_id", sa.Integer(), nullable=True),
        sa.Column("dilemmas", sa.JSON(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("control_message", sa.BigInteger(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohorts.id"],
            name=op.f("fk_live_sessions_cohort_id_cohorts"),
            ondelete="CASCADE",
        ),
        _user("live_sessions", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_sessions")),
        sa.UniqueConstraint("code", name=op.f("uq_live_sessions_code")),
    )
    op.create_index(op.f("ix_live_sessions_owner_user_id"), "live_sessions", ["owner_user_id"])
    op.create_table(
        "live_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("dilemma", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("strong", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        _session("live_votes"),
        _user("live_votes", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_votes")),
        sa.UniqueConstraint(
            "session_id", "round", "user_id", name=op.f("uq_live_votes_session_id_round_user_id")
        ),
    )
    op.create_index(op.f("ix_live_votes_user_id"), "live_votes", ["user_id"])
    op.create_table(
        "live_screens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        _session("live_screens"),
        _user("live_screens", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_screens")),
        sa.UniqueConstraint(
            "session_id", "user_id", name=op.f("uq_live_screens_session_id_user_id")
        ),
    )
    op.create_index(op.f("ix_live_screens_user_id"), "live_screens", ["user_id"])


def downgrade() -> None:
    for table, column in (
        ("live_screens", "user_id"),
        ("live_votes", "user_id"),
        ("live_sessions", "owner_user_id"),
    ):
        op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
        op.drop_table(table)
