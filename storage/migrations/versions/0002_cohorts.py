"""Cohorts and follow-up: cohorts, memberships, coordinator invites; nudge settings per
user; reflections that answer a nudge or broadcast point at it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

Columns are added in batch mode, which SQLite needs for a foreign key (it rebuilds the
table; :mod:`storage.migrate` runs migrations with foreign-key enforcement off for that).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("nudge_window", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))
        batch.add_column(
            sa.Column("nudges_off", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "cohorts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("workshop_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("plan", sa.String(length=64), nullable=False),
        sa.Column("owner_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_user_id"],
            ["users.id"],
            name=op.f("fk_cohorts_owner_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohorts")),
        sa.UniqueConstraint("code", name=op.f("uq_cohorts_code")),
    )
    op.create_index(op.f("ix_cohorts_owner_user_id"), "cohorts", ["owner_user_id"])
    op.create_table(
        "memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohorts.id"],
            name=op.f("fk_memberships_cohort_id_cohorts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_memberships_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memberships")),
        sa.UniqueConstraint("cohort_id", "user_id", name=op.f("uq_memberships_cohort_id_user_id")),
    )
    op.create_index(op.f("ix_memberships_user_id"), "memberships", ["user_id"])
    op.create_table(
        "coordinator_invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_by", sa.Integer(), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_coordinator_invites_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["used_by"],
            ["users.id"],
            name=op.f("fk_coordinator_invites_used_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coordinator_invites")),
        sa.UniqueConstraint("token", name=op.f("uq_coordinator_invites_token")),
    )
    op.create_index(
        op.f("ix_coordinator_invites_created_by"), "coordinator_invites", ["created_by"]
    )
    op.create_index(op.f("ix_coordinator_invites_used_by"), "coordinator_invites", ["used_by"])
    with op.batch_alter_table("reflections") as batch:
        batch.add_column(sa.Column("outbox_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_reflections_outbox_id_outbox"),
            "outbox",
            ["outbox_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index(op.f("ix_reflections_outbox_id"), ["outbox_id"])


def downgrade() -> None:
    with op.batch_alter_table("reflections") as batch:
        batch.drop_index(op.f("ix_reflections_outbox_id"))
        batch.drop_constraint(op.f("fk_reflections_outbox_id_outbox"), type_="foreignkey")
        batch.drop_column("outbox_id")
    op.drop_table("coordinator_invites")
    op.drop_table("memberships")
    op.drop_table("cohorts")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("nudges_off")
        batch.drop_column("timezone")
        batch.drop_column("nudge_window")
