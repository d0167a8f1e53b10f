"""Snapshots keep the day's first state: a second change on the same day still replaces
the day's point (its last state), but the day's first state (answers and ranked
dilemmas) stays in ``before_answers``/``before_dilemmas``, so /verloop can say what
changed on the day of the first advice.

Revision ID: 0010_h17_snapshot_before
Revises: 0009
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_h17_snapshot_before"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("snapshots") as batch:
        batch.add_column(sa.Column("before_answers", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("before_dilemmas", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("snapshots") as batch:
        batch.drop_column("before_dilemmas")
        batch.drop_column("before_answers")
