"""annual reports read from units' sites, with their figures and audit (issue #18)

Revision ID: e5a1b7c3d902
Revises: e5b8c1d4a2f7
Create Date: 2026-12-03 08:01:26.651517
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import monitor.store.base

revision: str = "e5a1b7c3d902"
down_revision: str | None = "e5b8c1d4a2f7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "annual_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("source_format", sa.String(length=8), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        sa.Column("stated_year", sa.Integer(), nullable=True),
        sa.Column(
            "sections",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "figures",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "audit",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("read_error", sa.Text(), nullable=True),
        sa.Column("read_at", monitor.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["evidence_id"], ["evidence.id"], name=op.f("fk_annual_report_evidence_id_evidence")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["item.id"], name=op.f("fk_annual_report_item_id_item")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_annual_report_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annual_report")),
        sa.UniqueConstraint("unit_id", "year", name=op.f("uq_annual_report_unit_id_year")),
    )
    with op.batch_alter_table("annual_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_annual_report_unit_id"), ["unit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("annual_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_annual_report_unit_id"))

    op.drop_table("annual_report")
