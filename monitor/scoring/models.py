"""Tables of the scoring area (see monitor.store.registry)."""
