"""What each backend builds beside the ``search_doc`` and ``search_queue`` tables,
as SQL run by the migration: the native index over ``search_doc.text`` and the
triggers that queue an item whenever it, its versions or its attachments' text are
written.

- SQLite: ``search_fts``, an FTS5 table with the ``trigram`` tokenizer over
  ``search_doc`` (external content: the text is stored once; ``detail=none``: no
  positions), kept in step by triggers on ``search_doc``; queried with ``LIKE``.
- PostgreSQL: the ``pg_trgm`` extension and a GIN ``gin_trgm_ops`` index on
  ``search_doc.text``, which serves ``ILIKE '%…%'`` for terms of three characters
  or more.

Alembic's comparison of models and database does not know these objects:
:func:`is_native` names them so it can skip them.
"""

from __future__ import annotations

# Item columns whose change changes what is searched or shown (not last_seen, which
# every crawl rewrites).
ITEM_COLUMNS = (
    "title, category, url, published_date, meta, attachments, content_hash, removed_at, unit_id"
)

SQLITE_UP = (
    # detail=none: no positions, a quarter of the write cost and half the size; the
    # trigram tokenizer still serves LIKE '%…%' (checked against the text itself).
    "CREATE VIRTUAL TABLE search_fts USING fts5(text, content='search_doc', "
    "content_rowid='item_id', tokenize='trigram', detail='none')",
    "CREATE TRIGGER search_doc_ai AFTER INSERT ON search_doc BEGIN "
    "INSERT INTO search_fts(rowid, text) VALUES (new.item_id, new.text); END",
    "CREATE TRIGGER search_doc_ad AFTER DELETE ON search_doc BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, text) VALUES ('delete', old.item_id, old.text); "
    "END",
    "CREATE TRIGGER search_doc_au AFTER UPDATE ON search_doc BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, text) VALUES ('delete', old.item_id, old.text); "
    "INSERT INTO search_fts(rowid, text) VALUES (new.item_id, new.text); END",
    "CREATE TRIGGER search_queue_item_ai AFTER INSERT ON item BEGIN "
    "INSERT INTO search_queue(item_id) VALUES (new.id); END",
    f"CREATE TRIGGER search_queue_item_au AFTER UPDATE OF {ITEM_COLUMNS} ON item BEGIN "
    "INSERT INTO search_queue(item_id) VALUES (new.id); END",
    "CREATE TRIGGER search_queue_version_ai AFTER INSERT ON item_version BEGIN "
    "INSERT INTO search_queue(item_id) VALUES (new.item_id); END",
    "CREATE TRIGGER search_queue_attachment_ai AFTER INSERT ON attachment_text BEGIN "
    "INSERT INTO search_queue(item_id) VALUES (new.item_id); END",
)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS search_queue_attachment_ai",
    "DROP TRIGGER IF EXISTS search_queue_version_ai",
    "DROP TRIGGER IF EXISTS search_queue_item_au",
    "DROP TRIGGER IF EXISTS search_queue_item_ai",
    "DROP TRIGGER IF EXISTS search_doc_au",
    "DROP TRIGGER IF EXISTS search_doc_ad",
    "DROP TRIGGER IF EXISTS search_doc_ai",
    "DROP TABLE IF EXISTS search_fts",
)

# Statement-level triggers with transition tables: a bulk insert of ten thousand
# items queues them in one statement, not ten thousand.
POSTGRES_UP = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_search_doc_trgm ON search_doc USING gin (text gin_trgm_ops)",
    # Newest first, as results are sorted: a short term's scan stops at the page's end.
    "CREATE INDEX ix_search_doc_recent ON search_doc "
    "(published_date DESC NULLS LAST, item_id DESC)",
    "CREATE FUNCTION search_queue_items() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "INSERT INTO search_queue(item_id) SELECT id FROM new_rows; RETURN NULL; END $$",
    "CREATE FUNCTION search_queue_versions() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "INSERT INTO search_queue(item_id) SELECT DISTINCT item_id FROM new_rows; RETURN NULL; "
    "END $$",
    "CREATE TRIGGER search_queue_item_ai AFTER INSERT ON item REFERENCING NEW TABLE AS "
    "new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_queue_items()",
    "CREATE TRIGGER search_queue_version_ai AFTER INSERT ON item_version REFERENCING NEW "
    "TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_queue_versions()",
    "CREATE TRIGGER search_queue_attachment_ai AFTER INSERT ON attachment_text REFERENCING "
    "NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_queue_versions()",
    # A column list and transition tables do not go together: a row trigger here.
    "CREATE FUNCTION search_queue_item() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "INSERT INTO search_queue(item_id) VALUES (NEW.id); RETURN NULL; END $$",
    f"CREATE TRIGGER search_queue_item_au AFTER UPDATE OF {ITEM_COLUMNS} ON item "
    "FOR EACH ROW EXECUTE FUNCTION search_queue_item()",
)
POSTGRES_DOWN = (
    "DROP TRIGGER IF EXISTS search_queue_attachment_ai ON attachment_text",
    "DROP TRIGGER IF EXISTS search_queue_item_au ON item",
    "DROP TRIGGER IF EXISTS search_queue_version_ai ON item_version",
    "DROP TRIGGER IF EXISTS search_queue_item_ai ON item",
    "DROP FUNCTION IF EXISTS search_queue_item()",
    "DROP FUNCTION IF EXISTS search_queue_versions()",
    "DROP FUNCTION IF EXISTS search_queue_items()",
    "DROP INDEX IF EXISTS ix_search_doc_recent",
    "DROP INDEX IF EXISTS ix_search_doc_trgm",
)

NATIVE_PREFIXES = ("search_fts", "ix_search_doc_trgm", "ix_search_doc_recent")


def is_native(name: str | None) -> bool:
    """Whether NAME is one of the backends' own search objects (the FTS5 table and its
    shadow tables, the trigram index), which the models do not declare."""
    return bool(name) and str(name).startswith(NATIVE_PREFIXES)


def upgrade_statements(dialect: str) -> tuple[str, ...]:
    return POSTGRES_UP if dialect == "postgresql" else SQLITE_UP


def downgrade_statements(dialect: str) -> tuple[str, ...]:
    return POSTGRES_DOWN if dialect == "postgresql" else SQLITE_DOWN
