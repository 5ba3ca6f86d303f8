"""The crawl stage (filled in below)."""
