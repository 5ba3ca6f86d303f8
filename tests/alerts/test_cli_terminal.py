"""``monitor alerts list/show`` print crawled text (subjects, titles, evidence) without
letting it drive the terminal."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session, sessionmaker

from monitor.settings import Settings
from tests.alerts.test_cli import cli
from tests.scoring.factories import add_finding, make_tree

SUBJECT = "\x1b]0;owned\x07标题\x1b[2J\x9b1m\u202e"


def test_alert_text_is_terminal_safe(
    sqlite_sessions: sessionmaker[Session], settings: Settings
) -> None:
    with sqlite_sessions.begin() as s:
        units = make_tree(s)
        add_finding(s, units["v1"], "privacy.personal_data", SUBJECT, severity="high")
    assert cli(settings, "alerts", "sync", "--as-of", "2026-11-20").exit_code == 0
    (alert,) = json.loads(cli(settings, "alerts", "list", "--json").output)
    assert alert["subject"] == SUBJECT
    for argv in (["alerts", "list"], ["alerts", "show", str(alert["id"])]):
        result = cli(settings, *argv)
        assert result.exit_code == 0, result.output
        assert "标题" in result.output
        for bad in ("\x1b", "\x07", "\x9b", "\u202e"):
            assert bad not in result.output, (argv, bad)
    # The window title the OSC sequence carried is gone with it.
    assert "owned" not in cli(settings, "alerts", "list").output
