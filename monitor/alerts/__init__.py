"""Alerts: the lifecycle state machine, routing to inspectors, grouping, escalation."""
