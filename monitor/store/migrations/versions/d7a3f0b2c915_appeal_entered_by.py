"""appeals remember who entered them, so that person cannot also decide them

Revision ID: d7a3f0b2c915
Revises: c4e1d2a7b9f3
Create Date: 2026-12-02 18:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d7a3f0b2c915"
down_revision: str | None = "c4e1d2a7b9f3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("appeal") as batch:
        batch.add_column(sa.Column("entered_by", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("appeal") as batch:
        batch.drop_column("entered_by")
