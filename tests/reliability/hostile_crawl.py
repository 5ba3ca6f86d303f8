"""A crawl of one hostile feed in a process of its own, for the memory bound of
issue 20: ``python -m tests.reliability.hostile_crawl DB_URL DATA_DIR FEED_URL AS_MB``.

The child caps its own address space (RLIMIT_AS, as ``prlimit --as`` would) before it
crawls, then prints one JSON line: the report, its peak RSS and its children's (the
parser processes), from ``getrusage``. Exit 0 when the crawl returned.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

from monitor.crawl import crawl
from monitor.settings import CrawlSettings, Settings
from monitor.store.db import make_engine, make_sessionmaker


def main(database_url: str, data_dir: str, limit_mb: int) -> None:
    if limit_mb > 0:
        cap = limit_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    settings = Settings(
        database_url=database_url,
        data_dir=Path(data_dir),
        allowed_networks=["127.0.0.0/8"],
        crawl=CrawlSettings(per_host_rate=0, retries=0, read_timeout=20, total_timeout=60),
    )
    engine = make_engine(database_url)
    started = time.monotonic()
    report = crawl(make_sessionmaker(engine), settings)
    try:  # end the parser processes, so getrusage counts them among the children
        from monitor.crawl.parsing import _IDLE

        _IDLE.close()
    except ImportError:  # before issue 20 there were none
        pass
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        json.dumps(
            {
                "report": report.as_dict(),
                "seconds": round(time.monotonic() - started, 1),
                "peak_rss_mb": round(self_kb / 1024, 1),
                "children_peak_rss_mb": round(children_kb / 1024, 1),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
