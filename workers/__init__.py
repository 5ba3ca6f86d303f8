"""Distributed mode: the Celery app, thin tasks over the ``monitor`` stages, the
scheduler process and the Celery dispatcher. ``monitor`` never imports this package."""
