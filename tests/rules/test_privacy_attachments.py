"""The privacy rule on attachments: the finding names the file and where the value
sits (sheet and cell, page), with the value masked, never whole."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from monitor.calendar import WorkdayCalendar
from monitor.extract import extract
from rules.api import AttachmentView, ItemView, Period, RuleContext, Severity, UnitView
from rules.privacy.personal_data import PersonalData, column_name

FILES = Path(__file__).resolve().parents[1] / "fixtures" / "attachments"
NOON = datetime(2026, 3, 5, 4, tzinfo=UTC)


def attachment(name: str) -> AttachmentView:
    result = extract((FILES / name).read_bytes(), name)
    parts = tuple(p.as_json() for p in result.parts)
    return AttachmentView(
        f"https://gov.example/f/{name}", name, result.kind, result.not_read, parts
    )


def judge(*attachments: AttachmentView) -> list:
    item = ItemView(
        id=1, feed_id=1, key="k1", title="2026年3月低保公示", category=None,
        url="https://gov.example/c/t1.html", formed_date=None,
        published_date=date(2026, 3, 5), first_seen=NOON, last_seen=NOON,
        text="名单见附件", attachment_texts=attachments,
    )  # fmt: skip
    ctx = RuleContext(
        unit=UnitView(1, "445302100001", "和平村", "village", "village"),
        period=Period.parse("2026-03"),
        as_of=datetime(2026, 3, 31, tzinfo=UTC),
        calendar=WorkdayCalendar(),
        items=(item,),
        params=PersonalData.params(),
    )
    return list(PersonalData().evaluate(ctx))


def test_xlsx_finding_names_file_sheet_cell_and_masked_value() -> None:
    (finding,) = judge(attachment("dibao.xlsx"))
    assert finding.subject == "item:k1#attachment:dibao.xlsx"
    assert finding.message == (
        "personal data exposed in attachment dibao.xlsx: 1 resident id "
        "(first at sheet 低保名单 cell C2: 1101**********7571)"
    )
    assert finding.evidence["locations"] == [
        {"kind": "resident_id", "value": "1101**********7571", "sheet": "低保名单", "row": 2,
         "cell": "C2"}
    ]  # fmt: skip
    assert finding.evidence["attachment"]["name"] == "dibao.xlsx"
    assert "110101199003077571" not in repr(finding)


def test_pdf_docx_and_csv_findings_name_the_page_or_row() -> None:
    findings = judge(
        attachment("dibao.pdf"), attachment("jiuzhu.docx"), attachment("jiuzhu_gbk.csv")
    )
    assert [f.message.split("(first at ")[1] for f in findings] == [
        "page 1: 4403**********3413)",
        "table 1 row 2: 5101**********2088)",
        "row 2: 3201**********5627)",
    ]
    assert all("198506123413" not in repr(f) for f in findings)


def test_unread_attachment_is_an_info_finding_not_a_pass() -> None:
    (finding,) = judge(attachment("bomb.xlsx"))
    assert finding.severity == Severity.INFO and not finding.assessable
    assert finding.message.startswith("attachment bomb.xlsx not read: too large")


def test_column_names() -> None:
    assert [column_name(i) for i in (0, 2, 25, 26, 27, 701, 702)] == [
        "A", "C", "Z", "AA", "AB", "ZZ", "AAA",
    ]  # fmt: skip
