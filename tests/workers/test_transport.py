"""The Redis transport the workers use (workers/transport.py), against the real Redis.

The state is the one the soak's workers died in: a task's message delivered and not
yet acknowledged, and the broker connection already detached from its transport when
Celery closes the channel after a failed reconnect.
"""

from __future__ import annotations

import pytest
from kombu import Connection, Exchange, Queue

from tests.workers.conftest import Broker

pytestmark = pytest.mark.redis


def _close_detached_with_a_message_unacked(broker: Broker, transport: str) -> None:
    connection = Connection(
        broker.url, transport=transport, transport_options={"global_keyprefix": broker.prefix}
    )
    channel = connection.default_channel
    queue = Queue("crawl", Exchange("crawl", "direct"), "crawl")(channel)
    queue.declare()
    with connection.Producer(channel) as producer:
        producer.publish({"feed_id": 1}, exchange="crawl", routing_key="crawl")
    assert queue.get(no_ack=False) is not None
    connection.transport.client = None  # what kombu had done by then
    channel.close()


def test_kombus_own_transport_raises_there(broker: Broker) -> None:
    with pytest.raises(AttributeError, match="hostname"):
        _close_detached_with_a_message_unacked(broker, "redis")


def test_ours_closes_and_leaves_the_message_to_the_visibility_sweep(broker: Broker) -> None:
    _close_detached_with_a_message_unacked(broker, "workers.transport:Transport")
    assert broker.client.hlen(broker.key("unacked")) == 1  # not lost: it will come back


def test_the_workers_use_it_for_redis_brokers(broker: Broker) -> None:
    from monitor.settings import Settings
    from workers.app import celery_config

    assert celery_config(Settings(broker_url=broker.url))["broker_transport"] == (
        "workers.transport:Transport"
    )
    assert "broker_transport" not in celery_config(Settings(broker_url="amqp://127.0.0.1//"))
