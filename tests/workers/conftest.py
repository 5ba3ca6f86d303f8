"""Real parts for distributed-mode tests: Redis DB 14 (flushed, only it), a PostgreSQL
database per test, and helpers to start ``monitor worker`` / ``monitor scheduler``
processes with the settings in their environment."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from sqlalchemy import exc as sa_exc
from sqlalchemy import text as sa_text
from sqlalchemy.orm import Session, sessionmaker

from monitor.broker_queues import queue_depths
from monitor.store.base import Base
from monitor.store.db import make_engine, make_sessionmaker
from monitor.store.migrate import upgrade
from monitor.store.models import Feed, Unit
from monitor.store.registry import import_all_models
from tests.conftest import (
    _port_open,
    create_pg_database,
    drop_pg_database,
    pg_available,
    redis_available,
)

REDIS_TEST_URL = "redis://127.0.0.1:6379/14"
MONITOR = str(Path(sys.executable).with_name("monitor"))


@dataclass
class Broker:
    """Redis DB 14 under a key prefix of this test's own: concurrent test runs share the
    server, so nothing here flushes a database; only this prefix's keys are removed."""

    url: str
    prefix: str
    client: redis.Redis

    def key(self, name: str) -> str:
        return self.prefix + name

    def settings(self) -> dict[str, str]:
        return {
            "broker_key_prefix": self.prefix,
            "scheduler_lock_key": self.prefix + "scheduler-lock",
        }

    def env(self) -> dict[str, str]:
        return {f"MONITOR_WORKERS__{k.upper()}": v for k, v in self.settings().items()}


class PrivateRedis:
    """A redis-server of the test's own on a free port, for the tests that stop and
    restart Redis: the shared server on 6379 serves other suites, whose runs a restart
    there would break."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/14"

    def start(self) -> None:
        argv = ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1"]
        argv += ["--port", str(self.port), "--save", "", "--appendonly", "no"]
        argv += ["--dir", str(self.directory), "--pidfile", str(self.directory / "redis.pid")]
        subprocess.run(argv, check=True, timeout=30)

    def stop(self) -> None:
        subprocess.run(
            ["redis-cli", "-p", str(self.port), "shutdown", "nosave"], check=False, timeout=30
        )

    def up(self) -> bool:
        try:
            return bool(redis.Redis(port=self.port, socket_timeout=1).ping())
        except redis.exceptions.ConnectionError:
            return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed")
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        wait_for(server.up, 20, "the private redis-server")
        yield server
    finally:
        server.stop()


@pytest.fixture
def broker(request: pytest.FixtureRequest) -> Iterator[Broker]:
    """Redis DB 14 of the shared server; a test marked ``private_redis`` gets the
    server of its own instead (see PrivateRedis)."""
    if request.node.get_closest_marker("private_redis"):
        url = request.getfixturevalue("private_redis").url
    elif not redis_available():
        pytest.fail("Redis is not running on 127.0.0.1:6379")
    else:
        url = REDIS_TEST_URL
    client = redis.Redis.from_url(url)
    found = Broker(url, f"t{os.getpid()}-{uuid.uuid4().hex[:8]}:", client)
    yield found
    try:
        for key in client.scan_iter(match=found.prefix + "*"):
            client.delete(key)
    except redis.exceptions.ConnectionError:
        pass  # a fault test left Redis down for good: nothing to clean
    finally:
        client.close()


RABBITMQCTL = shutil.which("rabbitmqctl")


def rabbitmqctl(*args: str) -> str:
    assert RABBITMQCTL is not None
    run = subprocess.run([RABBITMQCTL, *args], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


@pytest.fixture
def amqp_url() -> Iterator[str]:
    """A RabbitMQ virtual host of this test's own (made and removed with rabbitmqctl),
    as the Redis tests get a key prefix: concurrent runs never see each other's queues."""
    if RABBITMQCTL is None or not _port_open("127.0.0.1", 5672):
        pytest.fail("RabbitMQ is not running on 127.0.0.1:5672 (with rabbitmqctl)")
    vhost = f"t-{uuid.uuid4().hex[:10]}"
    rabbitmqctl("add_vhost", vhost)
    try:
        rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
        yield f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    finally:
        rabbitmqctl("delete_vhost", vhost)


class PrivateRabbitMQ:
    """A RabbitMQ node of the test's own (its own name, ports and data directory), for
    the test that stops the broker: stopping the shared node on 5672 would cut every
    other suite's connections. The node starts in 10 to 20 s."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.node = f"t{uuid.uuid4().hex[:10]}@localhost"
        self.url = f"amqp://guest:guest@127.0.0.1:{self.port}//"
        (directory / "rabbitmq.conf").write_text(f"listeners.tcp.default = 127.0.0.1:{self.port}\n")
        (directory / "enabled_plugins").write_text("[].\n")
        self.env = dict(os.environ) | {
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(free_port()),
            "RABBITMQ_CONFIG_FILE": str(directory / "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(directory / "enabled_plugins"),
            "RABBITMQ_MNESIA_BASE": str(directory / "mnesia"),
            "RABBITMQ_LOG_BASE": str(directory / "log"),
        }
        self.log = directory / "rabbitmq.out"

    def ctl(self, *args: str) -> str:
        return rabbitmqctl("-n", self.node, *args)

    def up(self) -> bool:
        return _port_open("127.0.0.1", self.port)


@pytest.fixture
def private_rabbitmq() -> Iterator[PrivateRabbitMQ]:
    if shutil.which("rabbitmq-server") is None or RABBITMQCTL is None:
        pytest.fail("rabbitmq-server is not installed")
    # Not under tmp_path: the server runs as the rabbitmq user, which cannot enter
    # pytest's private directories.
    directory = Path(tempfile.mkdtemp(prefix="monitor-rabbitmq-"))
    directory.chmod(0o777)
    node = PrivateRabbitMQ(directory)
    with open(node.log, "wb") as log:
        proc = subprocess.Popen(
            ["rabbitmq-server"],
            env=node.env,
            cwd=directory,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for(lambda: node.up() or proc.poll() is not None, 90, "the private RabbitMQ node")
        assert proc.poll() is None, node.log.read_text(errors="replace")[-2000:]
        node.ctl("await_startup", "--timeout", "60")
        yield node
    finally:
        with contextlib.suppress(AssertionError, subprocess.TimeoutExpired):
            node.ctl("stop")
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        shutil.rmtree(directory, ignore_errors=True)


@dataclass
class QueueBroker:
    """Where the stage queues live in a test run on both brokers: Redis (the shared
    store's server, under the test's key prefix) or RabbitMQ (a vhost of the test's
    own). The shared store (politeness, locks) is Redis either way."""

    kind: str
    url: str
    store: Broker

    def depth(self, queue: str) -> int:
        return queue_depths(self.url, key_prefix=self.store.prefix, queues=[queue])[queue]

    def unacked(self) -> int:
        """Messages a worker took and has not acknowledged: kombu's hash on Redis,
        RabbitMQ's own count (rabbitmqctl: the management API may not be enabled)."""
        if self.kind == "redis":
            return int(self.store.client.hlen(self.store.key("unacked")))  # type: ignore[arg-type]
        vhost = self.url.rsplit("/", 1)[1]
        listed = rabbitmqctl("list_queues", "-p", vhost, "messages_unacknowledged", "-q")
        return sum(int(n) for n in listed.split() if n.isdigit())

    def env(self) -> dict[str, str]:
        return {
            "MONITOR_BROKER_URL": self.url,
            "MONITOR_MODE": "distributed",
            "MONITOR_SHARED_STORE_URL": self.store.url,
        }

    def settings(self) -> dict[str, object]:
        return {"broker_url": self.url, "mode": "distributed", "shared_store_url": self.store.url}


@pytest.fixture(params=["redis", "amqp"])
def queue_broker(request: pytest.FixtureRequest, broker: Broker) -> QueueBroker:
    url = broker.url if request.param == "redis" else request.getfixturevalue("amqp_url")
    return QueueBroker(request.param, url, broker)


# Debian's server binaries (initdb, pg_ctl), newest version; None where not installed.
PG_BIN = max(
    Path("/usr/lib/postgresql").glob("*/bin"),
    key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    default=None,
)


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own (initdb in a temporary directory, a free
    port), for the test that stops the database: the shared cluster on 5432 serves
    other suites. It runs as the postgres user, which cannot enter pytest's private
    directories, hence a directory of its own."""

    def __init__(self) -> None:
        assert PG_BIN is not None
        self.directory = Path(tempfile.mkdtemp(prefix="monitor-pg-"))
        owner = pwd.getpwnam("postgres")
        os.chown(self.directory, owner.pw_uid, owner.pw_gid)
        self.data = self.directory / "data"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/monitor"

    def _as_postgres(self, *argv: str) -> None:
        assert PG_BIN is not None
        command = ["runuser", "-u", "postgres", "--", str(PG_BIN / argv[0]), *argv[1:]]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self._as_postgres("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
                          "--no-sync")  # fmt: skip

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres("pg_ctl", "-D", str(self.data), "-o", options,
                          "-l", str(self.directory / "log"), "-w", "start")  # fmt: skip

    def stop(self) -> None:
        self._as_postgres("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    if PG_BIN is None or shutil.which("runuser") is None:
        pytest.fail("PostgreSQL's server binaries are not installed")
    server = PrivatePostgres()
    server.init()
    server.start()
    try:
        admin = make_engine(
            server.url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as conn:
            conn.execute(sa_text('CREATE DATABASE "monitor"'))
        admin.dispose()
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            server.stop()
        shutil.rmtree(server.directory, ignore_errors=True)


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A database of this test's own on the shared server; a test marked
    ``private_postgres`` gets a cluster of its own instead (see PrivatePostgres)."""
    private = request.node.get_closest_marker("private_postgres")
    if private:
        url = request.getfixturevalue("private_postgres").url
    elif not pg_available():
        pytest.fail("PostgreSQL is not running on 127.0.0.1:5432")
    else:
        name = f"monitor_wk_{os.getpid()}_{abs(hash(request.node.nodeid)) % 10**8}"
        url = create_pg_database(name)
    engine = make_engine(url)
    upgrade(engine)
    import_all_models()
    Base.metadata.create_all(engine)
    engine.dispose()
    try:
        yield url
    finally:
        if not private:
            drop_pg_database(name)


@pytest.fixture
def pg_sessions(pg_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(pg_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def add_feeds(
    sessions: sessionmaker[Session], urls: list[str], *, kind: str = "rss", interval: int = 60
) -> list[int]:
    with sessions.begin() as session:
        county = Unit(code="110101000000", name="测试县", level="county", kind="county")
        session.add(county)
        session.flush()
        ids = []
        for n, url in enumerate(urls):
            village = Unit(
                code=f"1101010010{n:02d}",
                name=f"第{n + 1}村",
                level="village",
                kind="village",
                parent_id=county.id,
            )
            session.add(village)
            session.flush()
            feed = Feed(
                unit_id=village.id, url=url, kind=kind, options={}, interval_minutes=interval
            )
            session.add(feed)
            session.flush()
            ids.append(feed.id)
    return ids


def service_env(tmp_path: Path, database_url: str, broker: Broker, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(broker.env())
    env.update(
        {
            "MONITOR_CONFIG": str(tmp_path / "absent.toml"),
            "MONITOR_DATABASE_URL": database_url,
            "MONITOR_BROKER_URL": broker.url,
            "MONITOR_DATA_DIR": str(tmp_path / "var"),
            "MONITOR_ALLOWED_NETWORKS": "127.0.0.0/8",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


class Processes:
    """Children started by a test; every one is stopped at the end, by its own pid."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, args: list[str], env: dict[str, str], log_name: str) -> subprocess.Popen[bytes]:
        log = open(self.tmp_path / f"{log_name}.log", "wb")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            [MONITOR, *args],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs.append(proc)
        return proc

    def log(self, log_name: str) -> str:
        return (self.tmp_path / f"{log_name}.log").read_text(errors="replace")

    def kill_group(self, proc: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
        """Kill the process and its pool children (its own session), like a machine dying."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        proc.wait(timeout=20)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                    proc.wait(timeout=10)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=10)


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    procs = Processes(tmp_path)
    yield procs
    procs.stop_all()


def wait_for(check: Callable[[], bool], timeout: float, what: str, step: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (sa_exc.OperationalError, redis.exceptions.ConnectionError):
            pass  # a server restarting (on purpose, or another suite's fault test)
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
