"""The catalogues and the language choice, without the web."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

import pytest

from monitor import i18n
from monitor.i18n import check
from monitor.i18n.words import finding_text, indicator_name, rule_title
from monitor.notify.render import render
from rules.timeliness.publication_lag import PublicationLag


def test_catalogues_are_complete_and_keep_their_fields():
    assert check.problems() == []


def test_every_built_in_rule_title_and_message_is_in_chinese():
    from rules.registry import load_rules

    zh = i18n.translations("zh_CN")
    for rule in load_rules().rules.values():
        assert zh.gettext(rule.title) != rule.title, rule.id
        for template in rule.messages.values():
            assert zh.gettext(template) != template, (rule.id, template)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh_CN"),
        ("en-US,en;q=0.9,zh-CN;q=0.8", "en"),
        ("fr-FR, en;q=0.5, zh;q=0.7", "zh_CN"),
        ("fr-FR", None),
        ("", None),
    ],
)
def test_accept_language(header, expected):
    assert i18n.from_accept_language(header) == expected


def test_locale_environment():
    assert i18n.from_environment({"LANG": "zh_CN.UTF-8"}) == "zh_CN"
    assert i18n.from_environment({"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}) == "en"
    assert i18n.from_environment({"LANG": "C.UTF-8"}) is None


def test_say_keeps_the_english_text_and_stores_code_and_params():
    said = PublicationLag.say(
        "late", published=date(2026, 11, 20), lag=35, formed=date(2026, 9, 28), limit=20
    )
    assert str(said) == (
        "published 2026-11-20 is 35 working days after formation 2026-09-28 (limit 20)"
    )
    assert said.code == "late" and said.params["published"] == "2026-11-20"
    with pytest.raises(KeyError):
        PublicationLag.say("no-such-code")


class _Stored:
    rule_id = "timeliness.publication_lag"
    message = "published 2026-11-20 is 35 working days after formation 2026-09-28 (limit 20)"
    message_code = "late"
    message_params: ClassVar[dict] = {
        "published": "2026-11-20",
        "lag": 35,
        "formed": "2026-09-28",
        "limit": 20,
    }


def test_a_stored_finding_in_both_languages():
    with i18n.using("zh_CN"):
        assert finding_text(_Stored()) == (
            "2026-09-28 形成，2026-11-20 才公开，相隔 35 个工作日（时限 20 个工作日）"
        )
        assert rule_title("timeliness.publication_lag") == "信息形成之日起20个工作日内公开"
        assert [indicator_name(i) for i in ("completeness", "timeliness", "total")] == [
            "完整性",
            "及时性",
            "总分",
        ]
    with i18n.using("en"):
        assert finding_text(_Stored()) == _Stored.message


def test_an_old_finding_without_a_code_keeps_its_text():
    class Old(_Stored):
        message_code = None
        message = "free text from an older monitor"

    with i18n.using("zh_CN"):
        assert finding_text(Old()) == "free text from an older monitor"


def test_a_channel_may_ask_for_its_own_language():
    payload = {
        "unit": {"name": "东村", "code": "1"},
        "opened": [{"id": 3, "rule_id": "x.y", "subject": "s", "severity": "low", "title": "t"}],
    }
    subject, body = render("alert.notification", payload, lang="en")
    assert subject.startswith("[Disclosure monitor]") and "A-3 [low]" in body
    subject, _ = render("alert.notification", payload, lang="zh-CN")
    assert subject.startswith("[公开监测]") and "新告警 1" in subject


def test_cli_language_choice(monkeypatch):
    from monitor.cli.common import cli_locale
    from monitor.settings import Settings

    monkeypatch.delenv("MONITOR_LANGUAGE", raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    assert cli_locale("zh-CN", Settings()) == "zh_CN"  # --lang first
    assert cli_locale(None, Settings()) == "en"  # then the locale
    assert cli_locale(None, Settings(language="zh_CN")) == "zh_CN"  # a setting beats it
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert cli_locale(None, Settings()) == "zh_CN"  # the default
