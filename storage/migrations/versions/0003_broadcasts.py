"""Broadcasts: a coordinator's message to their members (its deliveries are outbox rows
pointing at it); reflections shared anonymously with the coordinator.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_user_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="sending", nullable=False),
        sa.Column("progress_message_id", sa.Integer(), nullable=True),
        sa.Column("progress_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_user_id"],
            ["users.id"],
            name=op.f("fk_broadcasts_owner_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcasts")),
    )
    op.create_index(op.f("ix_broadcasts_owner_user_id"), "broadcasts", ["owner_user_id"])
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("broadcast_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_outbox_broadcast_id_broadcasts"),
            "broadcasts",
            ["broadcast_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_index(op.f("ix_outbox_broadcast_id"), ["broadcast_id"])
    with op.batch_alter_table("reflections") as batch:
        batch.add_column(
            sa.Column("shared", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("reflections") as batch:
        batch.drop_column("shared")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index(op.f("ix_outbox_broadcast_id"))
        batch.drop_constraint(op.f("fk_outbox_broadcast_id_broadcasts"), type_="foreignkey")
        batch.drop_column("broadcast_id")
    op.drop_index(op.f("ix_broadcasts_owner_user_id"), table_name="broadcasts")
    op.drop_table("broadcasts")
