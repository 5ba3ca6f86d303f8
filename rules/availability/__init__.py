"""Rules of the availability area."""
