"""Live sessions get a facilitator key: the secret of the facilitator's link, with which
the projector page moves the session on (next round, close the round).

Revision ID: 0011_h19_live_key
Revises: 0010_h17_snapshot_before
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_h19_live_key"
down_revision: str | Sequence[str] | None = "0010_h17_snapshot_before"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("live_sessions", sa.Column("facilitator_key", sa.String(64), nullable=True))


def downgrade() -> None:
    # In a batch: SQLite drops a column by copying the table.
    with op.batch_alter_table("live_sessions") as table:
        table.drop_column("facilitator_key")
