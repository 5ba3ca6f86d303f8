"""``/api/v1/evidence``: metadata with verification, and a download of verified bytes
only: an archive altered after it was stored is refused."""

from __future__ import annotations

import gzip
import io

from warcio.archiveiterator import ArchiveIterator

from monitor.settings import Settings
from tests.web.seed import ARCHIVED_BODY, Seeded


def test_metadata_says_whether_the_archive_verifies(client, auth, seeded: Seeded):
    ok = client.get(f"/api/v1/evidence/{seeded.ids['evidence_east']}", headers=auth("admin"))
    assert ok.json()["verification"] == "ok" and ok.json()["problem"] is None
    gone = client.get(f"/api/v1/evidence/{seeded.ids['evidence_west']}", headers=auth("admin"))
    assert gone.json()["verification"] == "missing"


def test_download_hands_out_verified_bytes(client, auth, seeded: Seeded):
    evidence = seeded.ids["evidence_east"]
    warc = client.get(f"/api/v1/evidence/{evidence}/download", headers=auth("east"))
    assert warc.status_code == 200
    assert warc.headers["content-type"] == "application/warc"
    assert "attachment" in warc.headers["content-disposition"]
    record = next(iter(ArchiveIterator(io.BytesIO(warc.content))))
    assert record.content_stream().read().decode() == ARCHIVED_BODY
    body = client.get(f"/api/v1/evidence/{evidence}/download?part=body", headers=auth("east"))
    assert body.content.decode() == ARCHIVED_BODY
    assert body.headers["content-type"] == "application/octet-stream"


def test_tampered_archive_is_refused(client, auth, seeded: Seeded, settings: Settings):
    path = settings.evidence_dir / "test.warc.gz"
    raw = gzip.decompress(path.read_bytes())
    path.write_bytes(gzip.compress(raw.replace(b"12,000", b"92,000")))
    evidence = seeded.ids["evidence_east"]
    refused = client.get(f"/api/v1/evidence/{evidence}/download", headers=auth("admin"))
    assert refused.status_code == 409 and "does not verify" in refused.json()["detail"]
    meta = client.get(f"/api/v1/evidence/{evidence}", headers=auth("admin")).json()
    assert meta["verification"] == "altered"


def test_evidence_is_scoped(client, auth, seeded: Seeded):
    west_evidence = seeded.ids["evidence_west"]
    assert client.get(f"/api/v1/evidence/{west_evidence}", headers=auth("east")).status_code == 403
    east_evidence = seeded.ids["evidence_east"]
    download = f"/api/v1/evidence/{east_evidence}/download"
    assert client.get(download, headers=auth("west")).status_code == 403
    assert client.get(download, headers=auth("assess")).status_code == 403
    assert client.get("/api/v1/evidence/999999", headers=auth("east")).status_code == 404
