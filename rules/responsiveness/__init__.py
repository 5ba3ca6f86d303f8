"""Rules of the responsiveness area."""
