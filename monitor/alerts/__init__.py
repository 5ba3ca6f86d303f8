"""Alerts: the lifecycle state machine, routing to inspectors, grouping, escalation."""

from monitor.alerts.state import (
    TRANSITIONS,
    AppendOnlyError,
    IllegalTransition,
    acknowledge,
    resolve,
    silence,
    transition,
    unsilence,
)
from monitor.alerts.sync import ALERT_TOPIC, ESCALATION_TOPIC, AlertReport, dedup_key, sync_alerts

__all__ = [
    "ALERT_TOPIC",
    "ESCALATION_TOPIC",
    "TRANSITIONS",
    "AlertReport",
    "AppendOnlyError",
    "IllegalTransition",
    "acknowledge",
    "dedup_key",
    "resolve",
    "silence",
    "sync_alerts",
    "transition",
    "unsilence",
]
