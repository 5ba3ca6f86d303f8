"""verdicts on findings; score status (not monitored / not assessable)

Revision ID: c4e1d2a7b9f3
Revises: c0346f4f9e0d
Create Date: 2026-11-30 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import monitor.store.base

revision: str = "c4e1d2a7b9f3"
down_revision: str | None = "c0346f4f9e0d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("finding") as batch:
        batch.add_column(sa.Column("verdict", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("verdict_by", sa.String(length=200), nullable=True))
        batch.add_column(
            sa.Column("verdict_at", monitor.store.base.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("score") as batch:
        batch.add_column(
            sa.Column("status", sa.String(length=20), nullable=False, server_default="scored")
        )
        batch.alter_column("value", existing_type=sa.Float(), nullable=True)


def downgrade() -> None:
    # Rows of units that could not be scored have no value to keep.
    op.execute("DELETE FROM score WHERE value IS NULL")
    with op.batch_alter_table("score") as batch:
        batch.alter_column("value", existing_type=sa.Float(), nullable=False)
        batch.drop_column("status")
    # Plain DROP COLUMN (SQLite >= 3.35, PostgreSQL): a batch copy of ``finding`` would
    # have to drop the table that alerts and appeals point at.
    for column in ("verdict_at", "verdict_by", "verdict"):
        op.execute(f"ALTER TABLE finding DROP COLUMN {column}")
