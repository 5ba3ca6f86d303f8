"""Rules of the completeness area."""
