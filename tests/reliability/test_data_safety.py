"""Data safety on the real PostgreSQL: migrations down and up on a populated store,
backup with pg_dump and restore with pg_restore (plus the WARC files), and evidence
verified by hash on read. docs/backup.md is the procedure these tests follow."""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from argon2 import PasswordHasher
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from monitor.crawl import crawl
from monitor.evidence import EvidenceCorrupt, read_evidence
from monitor.search.schema import is_native
from monitor.settings import CrawlSettings, Settings
from monitor.store.base import Base
from monitor.store.db import make_engine, make_sessionmaker
from monitor.store.migrate import current, downgrade, upgrade
from monitor.store.models import Evidence, Fetch, Item
from monitor.store.registry import import_all_models
from monitor.web import accounts
from tests.conftest import create_pg_database, drop_pg_database, pg_available
from tests.crawl.conftest import PAGES, add_feed
from tests.fetch.servers import Page, Site, ThreadServer
from tests.web.seed import seed

pytestmark = pytest.mark.postgres
T0 = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


def _counts(engine: Engine) -> dict[str, int]:
    import_all_models()
    with engine.connect() as conn:
        return {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in Base.metadata.sorted_tables
        }


def _libpq(url: str) -> list[str]:
    """pg_dump/pg_restore/psql connection options for a SQLAlchemy URL."""
    parsed = make_engine(url).url
    return [
        "-h",
        parsed.host or "127.0.0.1",
        "-p",
        str(parsed.port or 5432),
        "-U",
        parsed.username or "postgres",
        "-d",
        parsed.database or "postgres",
    ]


@pytest.fixture(scope="module")
def populated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Settings]]:
    """A migrated PostgreSQL store with the web seed (every role, alerts, scores, an
    archived response) plus a real crawl of two feeds, and its evidence directory."""
    if not pg_available():
        pytest.fail("PostgreSQL is not running on 127.0.0.1:5432")
    root = tmp_path_factory.mktemp("populated")
    name = f"monitor_reliab_{os.getpid()}"
    url = create_pg_database(name)
    settings = Settings(
        database_url=url,
        data_dir=root / "var",
        allowed_networks=["127.0.0.0/8"],
        crawl=CrawlSettings(per_host_rate=0, retries=0, total_timeout=5),
    )
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))
    try:
        with sessions() as session, session.begin():
            seed(session, settings.evidence_dir)
    finally:
        monkeypatch.undo()
    site = Site()
    site.pages["/atom.xml"] = Page(
        (PAGES / "feed_atom.xml").read_bytes(), content_type="application/atom+xml"
    )
    site.pages["/list.html"] = Page((PAGES / "list_county.html").read_bytes())
    with ThreadServer(site.app()) as server:
        add_feed(sessions, server.url("/atom.xml"), "atom", {"detail": False})
        add_feed(sessions, server.url("/list.html"), "html", {"detail": False})
        report = crawl(sessions, settings, now=T0)
    assert report.ok == 2 and report.items_new > 0
    engine.dispose()
    try:
        yield url, settings
    finally:
        drop_pg_database(name)


def _crawled_evidence(sessions: sessionmaker[Session]) -> Evidence:
    with sessions() as session:
        evidence = session.scalars(
            select(Evidence).join(Fetch, Fetch.evidence_id == Evidence.id).order_by(Evidence.id)
        ).first()
        assert evidence is not None
        session.expunge(evidence)
        return evidence


def test_backup_and_restore_keep_every_row_and_the_evidence(
    populated: tuple[str, Settings], tmp_path: Path
) -> None:
    url, settings = populated
    source = make_engine(url)
    before = _counts(source)
    assert before["item"] > 0 and before["evidence"] > 0 and before["alert"] > 0
    evidence = _crawled_evidence(make_sessionmaker(source))
    source.dispose()

    # Backup: a custom-format dump and a tarball of the WARC files (docs/backup.md).
    dump = tmp_path / "monitor.dump"
    subprocess.run(["pg_dump", "-Fc", "-f", str(dump), *_libpq(url)], check=True)
    warcs = tmp_path / "evidence.tar.gz"
    with tarfile.open(warcs, "w:gz") as tar:
        tar.add(settings.evidence_dir, arcname="evidence")

    # Restore into a fresh database and a fresh data directory.
    name = f"monitor_restored_{os.getpid()}"
    restored_url = create_pg_database(name)
    try:
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", *_libpq(restored_url), str(dump)],
            check=True,
        )
        restored_dir = tmp_path / "restored"
        with tarfile.open(warcs) as tar:
            tar.extractall(restored_dir, filter="data")
        restored_settings = settings.model_copy(
            update={"database_url": restored_url, "data_dir": restored_dir / "data"}
        )
        shutil.move(restored_dir / "evidence", restored_settings.evidence_dir)
        restored = make_engine(restored_url)
        assert _counts(restored) == before
        assert current(restored) is not None
        with make_sessionmaker(restored)() as session:
            record = read_evidence(session, restored_settings, evidence.id)
            assert record.sha256 == evidence.sha256
            # The store still works after a restore: sequences continue past the rows.
            session.add(
                Item(feed_id=1, unit_id=1, key="after-restore", title="t", content_hash="0" * 64)
            )
            session.flush()
            session.rollback()
        restored.dispose()
    finally:
        drop_pg_database(name)


def test_migrations_down_and_up_on_a_populated_store(populated: tuple[str, Settings]) -> None:
    url, _ = populated
    # Work on a copy: the module's store stays for the other tests.
    name = f"monitor_migrate_{os.getpid()}"
    admin = make_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    source_db = url.rsplit("/", 1)[1]
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source_db}"'))
    admin.dispose()
    copy_url = url.rsplit("/", 1)[0] + f"/{name}"
    try:
        engine = make_engine(copy_url)
        assert _counts(engine)["item"] > 0
        head = current(engine)
        downgrade(engine, "base")
        assert current(engine) is None
        with engine.connect() as conn:
            left = conn.execute(
                text("select tablename from pg_tables where schemaname = 'public'")
            ).scalars()
            assert set(left) <= {"alembic_version"}
        upgrade(engine)
        assert current(engine) == head
        with engine.connect() as conn:
            # The search backends' own objects (the trigram indexes) are not models.
            opts = {"compare_type": False, "include_name": lambda n, _t, _p: not is_native(n)}
            diff = compare_metadata(MigrationContext.configure(conn, opts=opts), Base.metadata)
        assert diff == []
        assert all(n == 0 for n in _counts(engine).values())
        engine.dispose()
    finally:
        drop_pg_database(name)


def test_evidence_moved_or_swapped_is_refused(
    populated: tuple[str, Settings], tmp_path: Path
) -> None:
    url, settings = populated
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        rows = [
            row
            for row in session.scalars(select(Evidence).order_by(Evidence.id))
            if (settings.evidence_dir / row.warc_file).exists()
        ]
        assert len(rows) >= 2
        first, second = rows[0], rows[1]
        # A well-formed record swapped in for another one (same file, other offset).
        with session.begin_nested():
            first.warc_file, first.warc_offset, first.warc_length = (
                second.warc_file,
                second.warc_offset,
                second.warc_length,
            )
            session.flush()
            if first.sha256 != second.sha256:
                with pytest.raises(EvidenceCorrupt, match="sha256 mismatch"):
                    read_evidence(session, settings, first.id)
            # A path that leaves the evidence directory is refused before it is opened.
            first.warc_file = "../../../etc/passwd"
            session.flush()
            with pytest.raises(EvidenceCorrupt, match="outside"):
                read_evidence(session, settings, first.id)
        session.rollback()
    engine.dispose()
