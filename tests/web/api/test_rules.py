"""``/api/v1/rules``: every rule with its basis, parameters and documentation."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("who", ["admin", "east", "assess"])
def test_rules_with_basis_and_parameters(client, auth, who):
    rules = client.get("/api/v1/rules", headers=auth(who)).json()
    by_id = {r["id"]: r for r in rules}
    lag = by_id["timeliness.publication_lag"]
    assert "art. 26" in lag["basis"] or "第二十六条" in lag["basis"]
    assert lag["params"] and all("default" in p for p in lag["params"])
    assert lag["doc"].strip()
    one = client.get("/api/v1/rules/timeliness.publication_lag", headers=auth(who)).json()
    assert one == lag
    assert client.get("/api/v1/rules/no.such_rule", headers=auth(who)).status_code == 404
