"""Disclosure integrity monitor: crawl, check, score and alert on public-disclosure channels."""

__version__ = "0.1.0"
