"""Tables of the web area (see monitor.store.registry)."""
