"""Pure parsing and derivation of unit and feed rows."""

from __future__ import annotations

import pytest

from monitor.units import (
    RegistryError,
    derive_kind,
    derive_level,
    parent_code_of,
    read_feed_rows,
    read_unit_rows,
)


@pytest.mark.parametrize(
    ("code", "level", "parent"),
    [
        ("445302", "county", None),
        ("445302000000", "county", None),
        ("445302102", "town", "445302000000"),
        ("445302102000", "town", "445302000000"),
        ("445302102202", "village", "445302102000"),
    ],
)
def test_level_and_parent_follow_the_code(code: str, level: str, parent: str | None) -> None:
    assert derive_level(code) == level
    assert parent_code_of(code) == parent


@pytest.mark.parametrize(
    ("name", "level", "kind"),
    [
        ("云城街道", "town", "street"),
        ("云城街道办事处", "town", "street"),
        ("腰古镇", "town", "town"),
        ("大湾乡", "town", "township"),
        ("水东村", "village", "village"),
        ("水东村民委员会", "village", "village"),
        ("星岩社区", "village", "community"),
        ("星岩社区居民委员会", "village", "community"),
        ("云城区", "county", "county"),
    ],
)
def test_kind_follows_the_name_suffix(name: str, level: str, kind: str) -> None:
    assert derive_kind(name, level) == kind


def test_kind_that_cannot_be_derived_is_an_error() -> None:
    with pytest.raises(ValueError, match="kind column"):
        derive_kind("农场", "village")


def test_province_code_is_rejected() -> None:
    with pytest.raises(ValueError, match="province or city"):
        derive_level("440000000000")


def test_unit_rows_missing_columns_are_derived() -> None:
    rows = read_unit_rows("code,name\n445302,云城区\n445302102,腰古镇\n445302102202,水东村\n")
    assert [(r.code, r.level, r.kind, r.parent_code) for r in rows] == [
        ("445302000000", "county", "county", None),
        ("445302102000", "town", "town", "445302000000"),
        ("445302102202", "village", "village", "445302102000"),
    ]


def test_bad_unit_row_names_its_line() -> None:
    text = "code,name\n445302,云城区\n\n445302102,\n"
    with pytest.raises(RegistryError) as info:
        read_unit_rows(text, "x.csv")
    assert info.value.line == 4
    assert str(info.value) == "x.csv:4: name is empty"


def test_repeated_code_is_an_error() -> None:
    with pytest.raises(RegistryError, match=r"u.csv:3: code 445302102000 repeats line 2"):
        read_unit_rows("code,name\n445302102,腰古镇\n445302102000,腰古镇\n", "u.csv")


def test_missing_required_column() -> None:
    with pytest.raises(RegistryError, match=r"u.csv:1: missing column\(s\): name"):
        read_unit_rows("code,title\n445302,云城区\n", "u.csv")


def test_feed_csv_options_are_json_and_interval_defaults() -> None:
    text = (
        "unit_code,url,kind,category,options,interval_minutes\n"
        '445302102,https://a.example/list.html,HTML,,"{""item"": ""li""}",\n'
    )
    [(line, row)] = read_feed_rows(text)
    assert line == 2
    assert row.unit_code == "445302102000"
    assert row.kind == "html"
    assert row.category is None
    assert row.options == {"item": "li"}
    assert row.interval_minutes == 360


def test_feed_yaml_error_names_the_entry_line() -> None:
    text = "- unit_code: '445302102000'\n  url: https://a.example/\n  kind: rss\n" + (
        "- unit_code: '445302102000'\n  url: https://a.example/x\n  kind: gopher\n"
    )
    with pytest.raises(RegistryError) as info:
        read_feed_rows(text, "f.yaml", yaml_format=True)
    assert info.value.line == 4
    assert "kind 'gopher' is not one of rss, atom, html, json" in str(info.value)


def test_feed_unknown_field_is_rejected() -> None:
    with pytest.raises(RegistryError, match=r"f\.csv:2: colour: Extra inputs"):
        read_feed_rows("unit_code,url,kind,colour\n445302,https://a.example/,rss,red\n", "f.csv")


def test_kind_must_fit_the_level() -> None:
    with pytest.raises(RegistryError, match=r"u\.csv:2: kind 'street' is not a village kind"):
        read_unit_rows("code,name,kind\n445302102202,水东村,street\n", "u.csv")
