"""Account owners: `leadctl rep owns|owners|disown` — what the ``account_owner`` routing model reads.

A rep owns an account by its e-mail/website domain (``acme.com``) or by its company name
(stored as ``routing.company_key``: lower case, no punctuation, no legal suffix, so "Acme,
Inc." and "ACME" are one account), on one campaign or on every campaign (no campaign). An
account has at most one owner per scope: owning one another rep owns is a conflict naming
them (disown it first); owning it again is a no-op.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, delete, insert, select
from sqlalchemy.engine import Connection, Engine

from leadctl.errors import ConflictError, InputError, NotFound
from leadctl.services.admin.lookup import find_campaign, find_rep
from leadctl.services.assign.routing import company_key
from leadctl.storage import schema
from leadctl.storage.engine import read, write
from leadctl.timeutil import now

OWN = schema.account_owner
R = schema.rep
CAMP = schema.campaign


def normal_domain(value: str) -> str:
    text = value.strip().lower().split("://")[-1].split("/")[0].removeprefix("www.")
    text = text.rsplit("@", 1)[-1]
    if not text or "." not in text or any(ch.isspace() for ch in text):
        raise InputError(f"domain: {value!r} is not a domain such as acme.com")
    return text


def _account(domain: str | None, company: str | None) -> tuple[str, str]:
    if (domain is None) == (company is None):
        raise InputError("give exactly one of domain or company")
    if domain is not None:
        return "domain", normal_domain(domain)
    key = company_key(company)
    if key is None:
        raise InputError(f"company: {company!r} has no letters or digits")
    return "company", key


def _match(kind: str, key: str, campaign_id: int | None) -> Any:
    col = OWN.c.domain if kind == "domain" else OWN.c.company_key
    scope = OWN.c.campaign_id.is_(None) if campaign_id is None else OWN.c.campaign_id == campaign_id
    return and_(col == key, scope)


def _scope(conn: Connection, campaign_ref: str | None) -> tuple[int | None, str | None]:
    if campaign_ref is None:
        return None, None
    camp = find_campaign(conn, campaign_ref)
    return int(camp["id"]), str(camp["name"])


def own(
    engine: Engine,
    rep_ref: str,
    *,
    domain: str | None = None,
    company: str | None = None,
    campaign_ref: str | None = None,
) -> dict[str, Any]:
    """Make the rep the owner of an account; ``added`` is False when they already owned it."""
    kind, key = _account(domain, company)
    with write(engine) as conn:
        rep = find_rep(conn, rep_ref)
        cid, cname = _scope(conn, campaign_ref)
        holder = conn.execute(
            select(OWN.c.rep_id, R.c.email).join(R, R.c.id == OWN.c.rep_id).where(_match(kind, key, cid))
        ).first()
        out = {"rep": rep["email"], "kind": kind, "account": key, "campaign": cname}
        if holder is not None:
            if holder[0] != rep["id"]:
                raise ConflictError(
                    f"{kind} {key!r} is already owned by {holder[1]}"
                    + (f" on campaign {cname!r}" if cname else "")
                    + f"; run 'leadctl rep disown {holder[1]} --{kind} {key}' first"
                )
            return {**out, "added": False}
        conn.execute(
            insert(OWN).values(
                rep_id=rep["id"],
                campaign_id=cid,
                domain=key if kind == "domain" else None,
                company_key=key if kind == "company" else None,
                created_at=now(),
            )
        )
        return {**out, "added": True}


def disown(
    engine: Engine,
    rep_ref: str,
    *,
    domain: str | None = None,
    company: str | None = None,
    campaign_ref: str | None = None,
) -> dict[str, Any]:
    """The rep no longer owns the account (NotFound when they did not)."""
    kind, key = _account(domain, company)
    with write(engine) as conn:
        rep = find_rep(conn, rep_ref)
        cid, cname = _scope(conn, campaign_ref)
        gone = conn.execute(delete(OWN).where(_match(kind, key, cid), OWN.c.rep_id == rep["id"])).rowcount
        if not gone:
            where = f" on campaign {cname!r}" if cname else " on every campaign"
            raise NotFound(f"{rep['email']} does not own {kind} {key!r}{where} (see 'leadctl rep owners')")
        return {"rep": rep["email"], "kind": kind, "account": key, "campaign": cname, "removed": True}


def owners(
    engine: Engine, rep_ref: str | None = None, campaign_ref: str | None = None
) -> list[dict[str, Any]]:
    """Owned accounts (of one rep, or one campaign's including the every-campaign ones)."""
    with read(engine) as conn:
        q = (
            select(
                R.c.email.label("rep"),
                OWN.c.domain,
                OWN.c.company_key,
                CAMP.c.name.label("campaign"),
                OWN.c.created_at,
            )
            .select_from(OWN.join(R, R.c.id == OWN.c.rep_id).outerjoin(CAMP, CAMP.c.id == OWN.c.campaign_id))
            .order_by(R.c.email, OWN.c.domain, OWN.c.company_key, OWN.c.id)
        )
        if rep_ref is not None:
            q = q.where(OWN.c.rep_id == find_rep(conn, rep_ref)["id"])
        if campaign_ref is not None:
            cid, _ = _scope(conn, campaign_ref)
            q = q.where((OWN.c.campaign_id == cid) | OWN.c.campaign_id.is_(None))
        rows = []
        for r in conn.execute(q).mappings():
            kind = "domain" if r["domain"] else "company"
            rows.append(
                {
                    "rep": r["rep"],
                    "kind": kind,
                    "account": r["domain"] or r["company_key"],
                    "campaign": r["campaign"],
                    "created_at": r["created_at"],
                }
            )
        return rows
