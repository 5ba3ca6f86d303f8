"""findings keep their message as a code and parameters, to render in any language

Revision ID: f3a9c27e5d18
Revises: e5a1b7c3d902
Create Date: 2026-12-03 08:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "f3a9c27e5d18"
down_revision: str | None = "e5a1b7c3d902"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("finding") as batch:
        batch.add_column(sa.Column("message_code", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("message_params", JSON, nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("finding") as batch:
        batch.drop_column("message_params")
        batch.drop_column("message_code")
