"""The deep link opened before the privacy question was answered (``pending_starts``): a
SHA-256 of the chat and the cohort code, for a day, so that agreeing by typing "ja" joins
the cohort after a restart too.

Revision ID: 0014_coord6_pending_starts
Revises: 0013_h18_menu_buttons
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_coord6_pending_starts"
down_revision: str | Sequence[str] | None = "0013_h18_menu_buttons"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pending_starts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_hash", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_starts")),
    )
    op.create_index(op.f("ix_pending_starts_chat_hash"), "pending_starts", ["chat_hash"])
    op.create_index(op.f("ix_pending_starts_expires_at"), "pending_starts", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_pending_starts_expires_at"), table_name="pending_starts")
    op.drop_index(op.f("ix_pending_starts_chat_hash"), table_name="pending_starts")
    op.drop_table("pending_starts")
