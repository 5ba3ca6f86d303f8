"""search index: one document per item, a queue filled by triggers, and each
backend's own index (SQLite FTS5 trigram, PostgreSQL pg_trgm GIN)

Revision ID: e5b8c1d4a2f7
Revises: e5b8c1d4a6f2
Create Date: 2026-12-03 08:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import monitor.store.base
from monitor.search.schema import downgrade_statements, upgrade_statements

revision: str = "e5b8c1d4a2f7"
down_revision: str | None = "e5b8c1d4a6f2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "search_doc",
        sa.Column("item_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=True),
        sa.Column("county_id", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(length=200), nullable=True),
        sa.Column("published_date", sa.Date(), nullable=True),
        sa.Column("removed_at", monitor.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_search_doc")),
    )
    op.create_index(
        "ix_search_doc_published", "search_doc", ["published_date", "item_id"], unique=False
    )
    op.create_index(
        "ix_search_doc_category", "search_doc", ["category", "published_date"], unique=False
    )
    for column in ("unit", "town", "county"):
        op.create_index(f"ix_search_doc_{column}", "search_doc", [f"{column}_id", "published_date"])
    op.create_table(
        "search_queue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_queue")),
    )
    for statement in upgrade_statements(op.get_bind().dialect.name):
        op.execute(statement)
    # Items stored before the index existed: queued, indexed by the next catch-up.
    op.execute("INSERT INTO search_queue (item_id) SELECT id FROM item")


def downgrade() -> None:
    for statement in downgrade_statements(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table("search_queue")
    for column in ("county", "town", "unit"):
        op.drop_index(f"ix_search_doc_{column}", table_name="search_doc")
    op.drop_index("ix_search_doc_category", table_name="search_doc")
    op.drop_index("ix_search_doc_published", table_name="search_doc")
    op.drop_table("search_doc")
