"""Benchmarks of issue 8: a local feed farm, our crawl beside a Scrapy spider and a
bare asyncio loop, evaluation and scoring over a synthetic province.

Run with ``python -m bench`` (``make bench``); every figure is a fresh process timed
from outside, and crawlers are compared pair by pair in the same run because the
machine is shared and noisy.
"""
