"""kombu's Redis transport, with one fault of its own handled.

When Redis goes away for longer than a reconnect, Celery closes the broker connection
and kombu's channel close first drops its connection pools, then tries to hand back
the unacknowledged messages, which needs a new pool, whose parameters come from the
connection it has just detached: ``AttributeError: 'NoneType' object has no attribute
'hostname'``. Celery does not expect that error and the whole worker exits. Here a
detached channel does not try that hand-back, which loses nothing: the messages stay
in the broker's ``unacked`` hash and the visibility sweep restores them; a Redis that
lost its data had lost them anyway.
"""

from __future__ import annotations

import logging

from kombu.transport import redis as kombu_redis

log = logging.getLogger(__name__)


class Channel(kombu_redis.Channel):
    def close(self) -> None:
        transport = self.connection
        if transport is not None and getattr(transport, "client", None) is None:
            # Detached: no pool can be built, so no hand-back is tried; the rest of the
            # close (consumers, poller, the transport's channel list) still runs.
            self.do_restore = False
            log.warning(
                "broker connection gone while closing a channel: its unacknowledged "
                "messages are left for the visibility sweep"
            )
        super().close()


class Transport(kombu_redis.Transport):
    Channel = Channel
