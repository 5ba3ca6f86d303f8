"""A parser process: ``python -m monitor.parse.worker MEMORY_MB``.

Reads jobs from stdin and writes results to stdout, each a pickled object preceded
by its length (8 bytes, big-endian), until stdin closes. Started and killed by
``monitor.crawl.parsing``; a fresh interpreter rather than a fork, so it inherits no
lock another thread of the crawl held, and no main module is imported again.
Only the crawl's own process talks to it: the pickles never cross a trust boundary.
"""

from __future__ import annotations

import gc
import pickle
import resource
import struct
import sys
from typing import BinaryIO

from monitor.collections_policy import collect_less_often
from monitor.parse.boundary import parse_document

_LENGTH = struct.Struct(">Q")


def limit_memory(megabytes: int) -> None:
    """A parse that needs more than this raises MemoryError (a parse_error)."""
    if megabytes <= 0:
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = megabytes * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))


def read_message(stream: BinaryIO) -> object | None:
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    (size,) = _LENGTH.unpack(head)
    data = stream.read(size)
    if len(data) < size:
        return None
    return pickle.loads(data)


def write_message(stream: BinaryIO, message: object) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(data)) + data)
    stream.flush()


def main() -> None:
    limit_memory(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    # A parse allocates tens of thousands of short-lived objects that reference
    # counting frees; collecting the youngest generation every 700 of them found
    # nothing and cost a visible share of every parse.
    gc.freeze()
    collect_less_often()
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    while (job := read_message(source)) is not None:
        write_message(sink, parse_document(job))  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
