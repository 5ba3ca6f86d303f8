"""Rules of the integrity area."""
