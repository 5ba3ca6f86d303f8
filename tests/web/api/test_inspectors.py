"""``/api/v1/inspectors`` and ``/api/v1/accounts``: administrators only."""

from __future__ import annotations

from monitor.store.models import Inspector, Unit


def test_accounts_with_their_scopes(client, auth):
    accounts = client.get("/api/v1/accounts", headers=auth("admin")).json()
    scopes = {a["name"]: (a["role"], a["scope_unit_code"]) for a in accounts["items"]}
    assert scopes["east"] == ("inspector", "330101001000")
    assert scopes["admin"] == ("administrator", None)


def test_inspectors_with_masked_channels(client, auth, web_sessions):
    with web_sessions.begin() as session:
        east = session.query(Unit).filter_by(code="330101001000").one()
        session.add(
            Inspector(
                name="东城督查",
                unit_id=east.id,
                min_severity="high",
                channels=[
                    {
                        "type": "webhook",
                        "url": "https://hooks.example/x?token=s3cret",
                        "secret": "k",
                    }
                ],
            )
        )
    listed = client.get("/api/v1/inspectors", headers=auth("admin")).json()
    (one,) = listed["items"]
    assert one["scope_unit_code"] == "330101001000" and one["min_severity"] == "high"
    assert "s3cret" not in str(one) and "secret" not in one["channels"][0]


def test_only_administrators(client, auth):
    for who in ("east", "assess"):
        assert client.get("/api/v1/accounts", headers=auth(who)).status_code == 403
        assert client.get("/api/v1/inspectors", headers=auth(who)).status_code == 403
