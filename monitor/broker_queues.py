"""Messages waiting in the stage queues, asked of whichever broker holds them.

Redis (kombu's Redis transport) keeps a queue as a list: its length is the count. On
RabbitMQ the queues are the broker's own: a passive ``queue.declare`` returns the count
of ready messages without creating or changing anything. Neither count includes
messages a worker has taken and not yet acknowledged.

``monitor`` never imports Celery: this talks to the broker through kombu (or redis-py)
only; workers.app.QUEUES must equal BROKER_QUEUES (a test keeps them equal).
"""

from __future__ import annotations

from collections.abc import Iterable

BROKER_QUEUES: tuple[str, ...] = ("crawl", "evaluate", "score", "notify")

# Where Celery's native delayed delivery parks countdown messages on RabbitMQ (quorum
# queues cannot hold them back): one queue per bit of the delay, 28 levels.
DELAYED_QUEUES: tuple[str, ...] = tuple(f"celery_delayed_{level}" for level in range(28))


class BrokerUnavailable(Exception):
    """The broker could not be asked (down, refused, timed out)."""


def is_redis_url(url: str) -> bool:
    return url.split("://", 1)[0] in ("redis", "rediss")


def queue_depths(
    broker_url: str,
    *,
    key_prefix: str = "",
    queues: Iterable[str] = BROKER_QUEUES,
    timeout: float = 2.0,
) -> dict[str, int]:
    """Waiting messages per queue; a queue the broker does not know yet counts 0."""
    names = tuple(queues)
    try:
        if is_redis_url(broker_url):
            return _redis_depths(broker_url, key_prefix, names, timeout)
        return _amqp_depths(broker_url, names, timeout)
    except BrokerUnavailable:
        raise
    except Exception as exc:  # each client raises its own family; callers want one
        raise BrokerUnavailable(f"{exc.__class__.__name__}: {exc}") from exc


def _redis_depths(url: str, prefix: str, names: tuple[str, ...], timeout: float) -> dict[str, int]:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        # redis-py types replies as "int or awaitable" for its async twin; this is sync.
        return {q: int(client.llen(prefix + q)) for q in names}  # type: ignore[arg-type]
    finally:
        client.close()


def _amqp_depths(url: str, names: tuple[str, ...], timeout: float) -> dict[str, int]:
    from kombu import Connection
    from kombu.exceptions import ChannelError

    depths: dict[str, int] = {}
    with Connection(url, connect_timeout=timeout) as conn:
        conn.ensure_connection(max_retries=1)
        channel = conn.channel()
        try:
            for name in names:
                try:
                    depths[name] = int(channel.queue_declare(queue=name, passive=True)[1])
                except ChannelError:
                    # 404: not declared yet (no worker has started on it). The broker
                    # closes the channel on that error, so the next name needs a new one.
                    depths[name] = 0
                    channel = conn.channel()
        finally:
            channel.close()
    return depths
