"""Rules of the timeliness area."""
