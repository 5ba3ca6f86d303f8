"""Rules of the privacy area."""
