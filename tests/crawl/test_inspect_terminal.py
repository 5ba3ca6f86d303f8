"""``monitor inspect`` prints what a hostile page says without letting it drive the
operator's terminal: escape sequences and control characters are stripped in text
mode, and JSON mode escapes every one of them."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from monitor.cli.common import terminal_safe
from monitor.cli.main import app
from monitor.settings import Settings
from tests.crawl.test_cli import cli_env  # noqa: F401  (fixture)
from tests.fetch.servers import Page, Site, ThreadServer

HOSTILE = [
    "\x1b[2J\x1b[H清屏",  # clear the screen, cursor home
    "\x1b]0;window title\x07窗口",  # OSC 0: retitle the window
    "\x1b]8;;http://evil.invalid/\x1b\\链接\x1b]8;;\x1b\\",  # OSC 8 hyperlink
    "\x9b31m八位",  # 8-bit CSI
    "真标题\r假标题",  # carriage return rewrites the line
    "\x1bP+q\x1b\\设备",  # DCS
    "\u202etxt.exe",  # right-to-left override
    "\x07\x08\x7f控制",
]
CONTROL = [chr(c) for c in [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)]]


def _feed() -> bytes:
    items = [
        {"id": str(i), "title": t, "url": f"/a/{i}.html", "category": t, "published": "2026-11-02"}
        for i, t in enumerate(HOSTILE)
    ]
    return json.dumps({"data": {"list": items}}).encode()


def test_text_mode_strips_terminal_controls(
    cli_env: Settings,  # noqa: F811
    site: tuple[Site, ThreadServer],
) -> None:
    s, server = site
    s.pages["/api.json"] = Page(_feed(), content_type="application/json")
    args = ["inspect", server.url("/api.json"), "--kind", "json", "--option", "items=data.list"]
    result = CliRunner().invoke(app, [*args, "--option", "detail=false"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert not [c for c in CONTROL if c in out], repr(out)
    assert "\u202e" not in out
    for visible in ("清屏", "窗口", "链接", "八位", "真标题假标题", "设备", "txt.exe", "控制"):
        assert visible in out, visible
    assert "window title" not in out and "evil.invalid" not in out

    as_json = CliRunner().invoke(app, [*args, "--option", "detail=false", "--json"])
    assert as_json.exit_code == 0, as_json.output
    raw = as_json.stdout
    assert not [c for c in CONTROL if c in raw] and "\u202e" not in raw, repr(raw)
    titles = [i["title"] for i in json.loads(raw)["items"]]
    assert titles == HOSTILE  # escaped, not lost


def test_terminal_safe_keeps_text_tabs_and_newlines():
    assert terminal_safe("东城村\t财务公开\n第二行") == "东城村\t财务公开\n第二行"
