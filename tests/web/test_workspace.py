"""The inspectors' workspace per role: login, scope, alert actions, evidence, diffs, CSRF."""

from __future__ import annotations

from sqlalchemy import select

from monitor.alerts.models import Appeal
from monitor.store.models import Alert, AlertEvent
from monitor.web.models import Comment
from tests.web.conftest import csrf_of, login
from tests.web.seed import Seeded


def test_login_required_for_workspace(client):
    response = client.get("/workspace/alerts", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_wrong_password_is_refused(client):
    response = login(client, "east", "wrong")
    assert response.status_code == 401
    assert client.get("/workspace/alerts", follow_redirects=False).status_code == 303


def test_login_without_csrf_is_refused(client):
    client.get("/login")
    response = client.post("/login", data={"name": "east", "password": "x"})
    assert response.status_code == 403


def test_inspector_sees_only_own_jurisdiction(client, seeded: Seeded):
    assert login(client, "east").status_code == 303
    queue = client.get("/workspace/alerts").text
    assert "东城村: 财务公开 silently changed" in queue
    assert "山脚村" not in queue
    assert client.get(f"/workspace/alerts/{seeded.ids['alert_east']}").status_code == 200
    assert client.get(f"/workspace/alerts/{seeded.ids['alert_west']}").status_code == 403
    assert client.get(f"/workspace/evidence/{seeded.ids['evidence_west']}").status_code == 403
    assert client.get(f"/workspace/evidence/{seeded.ids['evidence_east']}").status_code == 200


def test_other_inspector_cannot_see_east(client, seeded: Seeded):
    login(client, "west")
    assert "东城村" not in client.get("/workspace/alerts").text
    assert client.get(f"/workspace/alerts/{seeded.ids['alert_east']}").status_code == 403
    assert client.get(f"/workspace/evidence/{seeded.ids['evidence_east']}").status_code == 403
    assert client.get(f"/workspace/items/{seeded.ids['item']}").status_code == 403
    # What does not exist at all is still 404.
    assert client.get("/workspace/alerts/999999").status_code == 404
    assert client.get("/workspace/evidence/999999").status_code == 404
    assert client.get("/workspace/items/999999").status_code == 404
    page = client.get(f"/workspace/alerts/{seeded.ids['alert_west']}")
    csrf = csrf_of(page.text)
    response = client.post(
        f"/workspace/alerts/{seeded.ids['alert_east']}/action",
        data={"action": "acknowledge", "csrf": csrf},
    )
    assert response.status_code == 403


def test_administrator_sees_everything(client, seeded: Seeded):
    login(client, "admin")
    queue = client.get("/workspace/alerts").text
    assert "东城村" in queue and "山脚村" in queue
    assert client.get(f"/workspace/alerts/{seeded.ids['alert_west']}").status_code == 200


def test_assessment_role_has_no_alert_queue(client, seeded: Seeded):
    login(client, "assess")
    assert client.get("/workspace/alerts").status_code == 403
    assert client.get(f"/workspace/evidence/{seeded.ids['evidence_east']}").status_code == 403
    assert client.get("/export/units.csv").status_code == 200


def test_queue_filters(client):
    login(client, "admin")
    high = client.get("/workspace/alerts?severity=high").text
    assert "东城村" in high and "山脚村" not in high
    by_unit = client.get("/workspace/alerts?unit=330101002").text
    assert "山脚村" in by_unit and "东城村" not in by_unit
    assert "No alerts match" in client.get("/workspace/alerts?state=resolved").text


def test_acknowledge_resolve_silence_and_comment(client, web_sessions, seeded: Seeded):
    login(client, "east")
    alert_id = seeded.ids["alert_east"]
    page = client.get(f"/workspace/alerts/{alert_id}")
    csrf = csrf_of(page.text)
    ack = client.post(
        f"/workspace/alerts/{alert_id}/action",
        data={"action": "acknowledge", "reason": "calling the village", "csrf": csrf},
    )
    assert ack.status_code == 200 and 'id="alert-state">acknowledged' in ack.text
    silence = client.post(
        f"/workspace/alerts/{alert_id}/action",
        data={"action": "silence", "hours": "48", "csrf": csrf},
    )
    assert "Silenced until" in silence.text
    client.post(
        f"/workspace/alerts/{alert_id}/comment",
        data={"body": "村里说是更正", "csrf": csrf},
    )
    resolved = client.post(
        f"/workspace/alerts/{alert_id}/action", data={"action": "resolve", "csrf": csrf}
    )
    assert 'id="alert-state">resolved' in resolved.text
    again = client.post(
        f"/workspace/alerts/{alert_id}/action", data={"action": "acknowledge", "csrf": csrf}
    )
    assert "cannot acknowledge" in again.text
    with web_sessions() as session:
        alert = session.get(Alert, alert_id)
        assert alert.state == "resolved" and alert.acknowledged_by == "east"
        events = session.scalars(select(AlertEvent).where(AlertEvent.alert_id == alert_id)).all()
        assert [(e.from_state, e.to_state) for e in events] == [
            ("open", "acknowledged"),
            ("acknowledged", "silenced"),
            ("silenced", "resolved"),
        ]
        assert events[0].reason == "calling the village"
        comment = session.scalars(select(Comment)).one()
        assert comment.body == "村里说是更正" and comment.author == "east"


def test_action_without_csrf_is_refused(client, web_sessions, seeded: Seeded):
    login(client, "east")
    alert_id = seeded.ids["alert_east"]
    response = client.post(
        f"/workspace/alerts/{alert_id}/action", data={"action": "acknowledge", "csrf": "forged"}
    )
    assert response.status_code == 403
    with web_sessions() as session:
        assert session.get(Alert, alert_id).state == "open"


def test_evidence_viewer_shows_archived_response(client, seeded: Seeded):
    login(client, "east")
    html = client.get(f"/workspace/evidence/{seeded.ids['evidence_east']}").text
    assert "收入 12,000 元" in html and "Content-Type" in html


def test_evidence_with_missing_archive_says_so(client, seeded: Seeded):
    login(client, "admin")
    html = client.get(f"/workspace/evidence/{seeded.ids['evidence_west']}").text
    assert "not found" in html


def test_diff_between_versions(client, seeded: Seeded):
    login(client, "east")
    html = client.get(f"/workspace/items/{seeded.ids['item']}").text
    assert '<span class="d-del">-支出 8,000 元</span>' in html
    assert '<span class="d-add">+支出 3,000 元</span>' in html


def test_alert_page_links_finding_evidence(client, seeded: Seeded):
    login(client, "east")
    html = client.get(f"/workspace/alerts/{seeded.ids['alert_east']}").text
    assert f"/workspace/evidence/{seeded.ids['evidence_east']}" in html
    assert f"/workspace/items/{seeded.ids['item']}" in html


def test_logout(client):
    login(client, "east")
    csrf = csrf_of(client.get("/workspace/alerts").text)
    client.post("/logout", data={"csrf": csrf})
    assert client.get("/workspace/alerts", follow_redirects=False).status_code == 303


def test_login_does_not_redirect_off_site(client):
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={
            "name": "east",
            "password": "correct horse battery staple",
            "csrf": token,
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/workspace/alerts"


def test_appeal_filed_and_decided_in_the_workspace(client, web_sessions, seeded: Seeded):
    login(client, "east")
    alert_id = seeded.ids["alert_east"]
    csrf = csrf_of(client.get(f"/workspace/alerts/{alert_id}").text)
    page = client.post(
        f"/workspace/alerts/{alert_id}/appeals",
        data={"operator": "村委会 王", "reason": "更正了笔误", "csrf": csrf},
    )
    assert "pending" in page.text and "村委会 王 (entered by east)" in page.text
    twice = client.post(
        f"/workspace/alerts/{alert_id}/appeals",
        data={"operator": "x", "reason": "again", "csrf": csrf},
    )
    assert "already has a pending appeal" in twice.text
    with web_sessions() as session:
        appeal = session.scalars(select(Appeal)).one()
    # Whoever entered the appeal does not judge it.
    own = client.post(
        f"/workspace/alerts/{alert_id}/appeals/{appeal.id}/decide",
        data={"outcome": "upheld", "reason": "变更未说明", "csrf": csrf},
    )
    assert "someone else decides" in own.text
    with web_sessions() as session:
        assert session.get(Appeal, appeal.id).state == "pending"
    login(client, "admin")
    csrf = csrf_of(client.get(f"/workspace/alerts/{alert_id}").text)
    decided = client.post(
        f"/workspace/alerts/{alert_id}/appeals/{appeal.id}/decide",
        data={"outcome": "upheld", "reason": "变更未说明", "csrf": csrf},
    )
    assert "upheld" in decided.text and "decided by admin" in decided.text
    with web_sessions() as session:
        assert session.get(Appeal, appeal.id).state == "upheld"


def test_appeal_on_other_jurisdiction_is_403(client, seeded: Seeded):
    login(client, "west")
    csrf = csrf_of(client.get("/workspace/alerts").text)
    response = client.post(
        f"/workspace/alerts/{seeded.ids['alert_east']}/appeals",
        data={"operator": "x", "reason": "y", "csrf": csrf},
    )
    assert response.status_code == 403


def test_evidence_links_are_listed_once():
    from monitor import i18n
    from monitor.web.workspace import evidence_links

    with i18n.using("en"):
        links = evidence_links(
            {"evidence_id": 1, "evidence_ids": [1, 2], "item_id": 5, "url": None}
        )
    assert links == [
        ("archived page 1", "/workspace/evidence/1"),
        ("archived page 2", "/workspace/evidence/2"),
        ("versions of item 5", "/workspace/items/5"),
    ]


def test_queue_export_is_scoped_and_filtered(client):
    login(client, "east")
    body = client.get("/workspace/alerts.csv").content.decode("utf-8-sig")
    assert "东城村" in body and "山脚村" not in body
    assert body.splitlines()[0].startswith("id,unit_code,unit_name,rule_id")
    client.cookies.clear()
    login(client, "admin")
    high = client.get("/workspace/alerts.csv?severity=medium").content.decode("utf-8-sig")
    assert "山脚村" in high and "东城村" not in high
    assert client.get("/workspace/alerts.xlsx").content[:2] == b"PK"
