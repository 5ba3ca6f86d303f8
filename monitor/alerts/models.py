"""Tables of the alerts area (see monitor.store.registry)."""
