"""What each chat's menu button was last set to open (``users.menu_button``), so that the
bot gives every coordinator and admin the Mini App button once at start-up and not again
at every restart.

Revision ID: 0013_h18_menu_buttons
Revises: 0012_h18_web_attempts
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_h18_menu_buttons"
down_revision: str | Sequence[str] | None = "0012_h18_web_attempts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("menu_button", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("menu_button")
