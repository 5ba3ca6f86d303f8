"""attachments' extracted text, with where each part sits, for the privacy rule

Revision ID: e5b8c1d4a6f2
Revises: d7a3f0b2c915
Create Date: 2026-12-03 08:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import monitor.store.base

revision: str = "e5b8c1d4a6f2"
down_revision: str | None = "d7a3f0b2c915"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attachment_text",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "parts",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("truncated", sa.Boolean(), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        sa.Column("read_at", monitor.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["evidence_id"], ["evidence.id"], name=op.f("fk_attachment_text_evidence_id_evidence")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["item.id"], name=op.f("fk_attachment_text_item_id_item")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment_text")),
        sa.UniqueConstraint("item_id", "url", name=op.f("uq_attachment_text_item_id_url")),
    )
    with op.batch_alter_table("attachment_text", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachment_text_item_id"), ["item_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("attachment_text", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachment_text_item_id"))
    op.drop_table("attachment_text")
