"""leadctl rep owns | owners | disown: account owners that the account_owner routing model uses."""

from __future__ import annotations

from datetime import UTC, datetime

from leadctl.rules.loader import Rules, defaults, merge, parse_text
from leadctl.services.assign import routing
from leadctl.storage.engine import write
from tests.conftest import Leadctl

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OWNER_FIRST = Rules.build(
    merge(defaults(), parse_text("routing:\n  models: [account_owner, pool]\n", "t")), None
)


def _setup(leadctl: Leadctl) -> dict[str, int]:
    camp = leadctl.json("campaign", "create", "Outbound")
    other = leadctl.json("campaign", "create", "Inbound")
    ana = leadctl.json("rep", "add", "ana@example.com", "--name", "Ana")
    ben = leadctl.json("rep", "add", "ben@example.com", "--name", "Ben")
    leadctl("campaign", "approve", "Outbound", "ana@example.com", "ben@example.com")
    leadctl("campaign", "approve", "Inbound", "ana@example.com", "ben@example.com")
    return {"camp": camp["id"], "other": other["id"], "ana": ana["id"], "ben": ben["id"]}


def _route(leadctl: Leadctl, clients: dict[int, dict[str, object]]) -> dict[int, int | None]:
    with write(leadctl.engine()) as conn:
        got = routing.route_batch(conn, OWNER_FIRST, clients, NOW)
    return {k: d.rep_id for k, d in got.items()}


def test_owned_accounts_route_to_their_owner(leadctl: Leadctl) -> None:
    ids = _setup(leadctl)
    row = leadctl.json("rep", "owns", "ana@example.com", "--domain", "https://www.Acme.com/about")
    assert (row["kind"], row["account"], row["added"], row["campaign"]) == ("domain", "acme.com", True, None)
    leadctl("rep", "owns", "ben@example.com", "--company", "Globex, Inc.", "--campaign", "Outbound")
    clients: dict[int, dict[str, object]] = {
        -1: {"campaign_id": ids["camp"], "email": "jo@acme.com"},
        -2: {"campaign_id": ids["other"], "website": "acme.com"},  # every campaign
        -3: {"campaign_id": ids["camp"], "email": "x@gmail.com", "company": "GLOBEX"},
        -4: {"campaign_id": ids["other"], "email": "y@gmail.com", "company": "Globex"},  # Outbound only
        -5: {"campaign_id": ids["camp"], "email": "z@initech.com"},
    }
    assert _route(leadctl, clients) == {-1: ids["ana"], -2: ids["ana"], -3: ids["ben"], -4: None, -5: None}

    listed = leadctl.json("rep", "owners")
    assert [(r["rep"], r["kind"], r["account"], r["campaign"]) for r in listed] == [
        ("ana@example.com", "domain", "acme.com", None),
        ("ben@example.com", "company", "globex", "Outbound"),
    ]
    assert [r["account"] for r in leadctl.json("rep", "owners", "ben@example.com")] == ["globex"]
    assert [r["account"] for r in leadctl.json("rep", "owners", "--campaign", "Inbound")] == ["acme.com"]

    leadctl("rep", "disown", "ana@example.com", "--domain", "acme.com")
    assert _route(leadctl, clients)[-1] is None
    assert [r["rep"] for r in leadctl.json("rep", "owners")] == ["ben@example.com"]


def test_one_owner_per_account_and_clear_errors(leadctl: Leadctl) -> None:
    _setup(leadctl)
    leadctl("rep", "owns", "ana@example.com", "--domain", "acme.com")
    again = leadctl.json("rep", "owns", "ana@example.com", "--domain", "ACME.com")
    assert again["added"] is False
    taken = leadctl("rep", "owns", "ben@example.com", "--domain", "acme.com", ok=False)
    assert taken.exit_code == 1
    assert "already owned by ana@example.com" in taken.stderr
    assert "rep disown ana@example.com --domain acme.com" in taken.stderr
    # another scope is another account
    assert leadctl.json("rep", "owns", "ben@example.com", "--domain", "acme.com", "--campaign", "Inbound")[
        "added"
    ]

    both = leadctl("rep", "owns", "ana@example.com", "--domain", "a.com", "--company", "A", ok=False)
    assert both.exit_code == 2 and "exactly one of --domain or --company" in both.stderr
    bad = leadctl("rep", "owns", "ana@example.com", "--domain", "not a domain", ok=False)
    assert bad.exit_code == 1 and "domain: 'not a domain' is not a domain" in bad.stderr
    missing = leadctl("rep", "disown", "ben@example.com", "--domain", "acme.com", ok=False)
    assert (
        missing.exit_code == 1
        and "ben@example.com does not own domain 'acme.com' on every campaign" in missing.stderr
    )
    assert len(leadctl.json("rep", "owners")) == 2  # the failed commands changed nothing
