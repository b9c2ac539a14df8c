"""The reviewer's remediation plan: per finding, the remediation line (replacing the framework's
recommendation in the reports), an owner and a due date.

Stored on the document record per version (``remediations[<version>][<competency>]``), changed
under the same rules as links (a reviewer or admin, in review, holding the review lock), and
every change is a history entry ("Remediation edited"), so the audit trail keeps it.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from review.errors import ValidationFailed

if TYPE_CHECKING:
    from review.auth import Actor
    from review.reports.decisions import Finding
    from review.services.core import ReviewService

MAX_TEXT = 2000
MAX_OWNER = 200


def _clean(value: str | None, limit: int, what: str) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    if len(text) > limit:
        raise ValidationFailed(f"the {what} is longer than {limit} characters")
    return text


def set_remediation(
    svc: ReviewService,
    actor: Actor,
    document_id: str,
    competency: str,
    *,
    text: str | None = None,
    owner: str | None = None,
    due: str | None = None,
) -> dict[str, str]:
    """Set (``None``: keep; ``""``: clear) the remediation text, owner and due date (YYYY-MM-DD)
    of one required competency of the current version. Returns the stored entry."""
    text = _clean(text, MAX_TEXT, "remediation")
    owner = _clean(owner, MAX_OWNER, "owner")
    due = _clean(due, 10, "due date")
    if due:
        try:
            date.fromisoformat(due)
        except ValueError:
            raise ValidationFailed("a due date is written YYYY-MM-DD, e.g. 2025-06-30") from None
    a = svc._current(actor)
    with svc.repo.document(document_id, write=True) as tx:
        rec = tx.get()
        svc._visible(a, rec)
        svc._require_edit(a, tx, rec)
        number = int(rec["current_version"])
        v = tx.version(number)
        agency = svc._agency(rec["agency_id"])
        required = {it.id for it in svc.framework(v["framework_id"]).required_items(agency["kind"])}
        if competency not in required:
            raise ValidationFailed(f"{competency!r} is not a competency this review covers")
        plans: dict[str, Any] = dict(rec.get("remediations") or {})
        mine = dict(plans.get(str(number)) or {})
        entry = dict(mine.get(competency) or {})
        for key, value in (("text", text), ("owner", owner), ("due", due)):
            if value is not None:
                entry[key] = value
        entry.update(by=a.username, at=svc._now())
        mine[competency] = entry
        plans[str(number)] = mine
        rec["remediations"] = plans
        rec["rev"] = int(rec.get("rev", 0)) + 1
        tx.update({"remediations": plans, "rev": rec["rev"]})
        said = "; ".join(
            f"{k}: {entry.get(k) or '—'}" for k in ("text", "owner", "due") if k in entry
        )
        svc._history(
            tx, rec, "edit_remediation", a, rec["state"], rec["state"], f"{competency} – {said}"
        )
    svc._save_summary(rec)
    return {k: str(entry.get(k, "")) for k in ("text", "owner", "due", "by", "at")}


def remediation_extra(rec: dict[str, Any], number: int) -> dict[str, Any]:
    """What the reports read (``ReportContext.extra``): ``remediations`` (competency → text) and
    ``plan`` (competency → owner, due) of one version."""
    mine = (rec.get("remediations") or {}).get(str(number)) or {}
    return {
        "remediations": {c: e["text"] for c, e in mine.items() if e.get("text")},
        "plan": {
            c: {"owner": e.get("owner", ""), "due": e.get("due", "")} for c, e in mine.items()
        },
    }


def findings_for_editing(
    svc: ReviewService, actor: Actor, document_id: str
) -> list[tuple[Finding, dict[str, str]]]:
    """The findings of the current version as the review report lists them, each with the stored
    plan entry (``text``, ``owner``, ``due``; empty when none). Needs the report permission."""
    from review.reports.decisions import decisions_of

    ctx = svc.report_context(actor, document_id, with_original=False)
    d = decisions_of(ctx, svc.framework(ctx.framework_id))
    plan = ctx.extra.get("plan") or {}
    texts = ctx.extra.get("remediations") or {}
    return [
        (
            f,
            {
                "text": texts.get(f.competency, ""),
                "owner": (plan.get(f.competency) or {}).get("owner", ""),
                "due": (plan.get(f.competency) or {}).get("due", ""),
            },
        )
        for f in d.findings
    ]
