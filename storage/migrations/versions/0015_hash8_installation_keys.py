"""The installation's key (``installation_keys``) for the hashes that stand for a chat
(``pending_starts``) or a client's address (``web_attempts``): an HMAC-SHA256 under a
secret of this installation instead of a plain SHA-256, which anyone with the rows could
reverse by trying every Telegram user id or IPv4 address. The key is made by the first
process that needs one (``storage.keys``), not here.

The rows of both tables were written with the plain hash: they are deleted, in both
directions (the other code cannot find them anyway). What that costs: someone who opened a
workshop link in the last 24 hours and agrees after the upgrade by *typing* "ja" is not
joined to that cohort (the consent button still carries the code, and joins); login
attempts of the last minute are no longer counted.

Revision ID: 0015_hash8_installation_keys
Revises: 0014_coord6_pending_starts
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_hash8_installation_keys"
down_revision: str | Sequence[str] | None = "0014_coord6_pending_starts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HASHED = ("pending_starts", "web_attempts")


def upgrade() -> None:
    op.create_table(
        "installation_keys",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_installation_keys")),
    )
    for table in HASHED:
        op.execute(sa.table(table).delete())


def downgrade() -> None:
    for table in HASHED:
        op.execute(sa.table(table).delete())
    op.drop_table("installation_keys")
