"""Dashboard login attempts, counted in the database so that every process shares the
limit (only a SHA-256 of the client's address, kept for a minute).

Revision ID: 0012_h18_web_attempts
Revises: 0011_h19_live_key
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_h18_web_attempts"
down_revision: str | Sequence[str] | None = "0011_h19_live_key"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "web_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_hash", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_attempts")),
    )
    op.create_index(op.f("ix_web_attempts_client_hash"), "web_attempts", ["client_hash"])
    op.create_index(op.f("ix_web_attempts_at"), "web_attempts", ["at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_web_attempts_at"), table_name="web_attempts")
    op.drop_index(op.f("ix_web_attempts_client_hash"), table_name="web_attempts")
    op.drop_table("web_attempts")
