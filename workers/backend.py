"""What ``monitor worker``, ``monitor scheduler`` and ``monitor enqueue-cycle`` load
(``settings.workers.entry``, default ``workers.backend:backend``): the Celery side of
``monitor.flow.Backend``. ``monitor`` never imports this package itself."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from monitor.settings import Settings
from workers.app import QUEUES, configure
from workers.dispatch import CeleryDispatcher
from workers.scheduler import SchedulerService


class CeleryBackend:
    queues: tuple[str, ...] = QUEUES

    def run_worker(self, settings: Settings, argv: list[str]) -> None:
        configure(settings).worker_main(argv)

    def dispatcher(self, settings: Settings) -> CeleryDispatcher:
        return CeleryDispatcher(settings)

    def scheduler(self, settings: Settings, sessions: sessionmaker[Session]) -> SchedulerService:
        dispatcher = CeleryDispatcher(settings)
        return SchedulerService(
            settings,
            sessions,
            enqueue=dispatcher.enqueue_crawl,
            enqueue_evaluate=dispatcher.enqueue_evaluate_all,
            enqueue_prune=dispatcher.enqueue_prune,
        )


backend = CeleryBackend()
