"""Developer helper: write a new migration from the models (``make migration MSG=...``)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command

from monitor.store.db import make_engine
from monitor.store.migrate import alembic_config, upgrade


def main(message: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'autogen.db'}"
        engine = make_engine(url)
        upgrade(engine)
        cfg = alembic_config(url)
        command.revision(cfg, message=message, autogenerate=True)
        engine.dispose()


if __name__ == "__main__":
    main(" ".join(sys.argv[1:]) or "schema change")
