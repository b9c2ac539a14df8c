"""Coverage: which required competencies a document's links cite, as one rule for every caller.

The services compute it from reviewed links (confirmed or added), the one-off ``analyze`` reports
from machine suggestions; both call :func:`compute_coverage`, so the review screen, the report
and the statement of applicability never disagree about a status.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from review.framework import Framework, Item
from review.models import CoverageRow

#: link states that count as evidence once a reviewer has decided
CITING = ("confirmed", "added")
#: link states that count as evidence in an unreviewed analysis
CITING_UNREVIEWED = ("suggested", "confirmed", "added")


def recommendation_for(item: Item) -> str:
    """The framework's recommendation for a gap, or one built from the competency's statement."""
    return (
        item.recommendation or f"Add written policy that addresses {item.label}: {item.statement}"
    )


def training_titles(fw: Framework, module_ids: Iterable[str]) -> list[str]:
    """``"Scope of child sex trafficking (HT101-1)"`` for each module id (unknown ids as they are)."""
    out = []
    for mid in module_ids:
        m = fw.training_module(mid)
        out.append(f"{m.title} ({m.id})" if m else mid)
    return out


def compute_coverage(
    fw: Framework,
    required: Sequence[Item],
    links: Iterable[Mapping[str, Any]],
    assessments: Iterable[Mapping[str, Any]] = (),
    citing: Sequence[str] = CITING,
) -> list[CoverageRow]:
    """Coverage rows for the required items, in their order.

    ``links`` are mappings with ``state``, ``competency`` and ``section_id`` (in the order the
    sections should be cited: pass them best score first); ``assessments`` carry a reviewer's
    ``status`` (``partial`` or ``not_applicable``) and ``note`` per ``competency``.

    * ``met``: a link in one of the ``citing`` states cites the item;
    * a parent item (C6) not cited itself takes its status from its required sub-skills: met
      when all are met, partial when some are met or partial, otherwise not addressed;
    * the reviewer's assessment overrides: ``partial`` (note) or ``not_applicable`` (justification);
    * otherwise ``not_addressed``: a gap, with the item's recommendation and training module ids.
    """
    cited: dict[str, list[str]] = {}
    for link in links:
        if link["state"] in citing:
            sections = cited.setdefault(link["competency"], [])
            if link["section_id"] not in sections:
                sections.append(link["section_id"])
    assessed = {a["competency"]: a for a in assessments}
    required_ids = {it.id for it in required}
    children: dict[str, list[str]] = {}
    for it in required:
        if it.parent and it.parent in required_ids:
            children.setdefault(it.parent, []).append(it.id)

    def base_status(item_id: str) -> str:
        if item_id in cited:
            return "met"
        a = assessed.get(item_id)
        return "partial" if a and a["status"] == "partial" else "not_addressed"

    rows: list[CoverageRow] = []
    for it in required:
        a = assessed.get(it.id)
        note = (a or {}).get("note", "")
        note_from = "reviewer" if note else ""
        sections = tuple(cited.get(it.id, ()))
        if a and a["status"] in ("not_applicable", "partial"):
            status = a["status"]
        elif sections:
            status = "met"
        elif it.id in children:
            kids = children[it.id]
            statuses = [base_status(c) for c in kids]
            if all(k == "met" for k in statuses):
                status = "met"
            elif any(k in ("met", "partial") for k in statuses):
                status = "partial"
            else:
                status = "not_addressed"
            sections = tuple(dict.fromkeys(s for c in kids for s in cited.get(c, ())))
            covered = [c for c, k in zip(kids, statuses, strict=True) if k != "not_addressed"]
            if covered and not note:
                note = f"From its sub-skills: {', '.join(covered)}"
                note_from = "sub-skills"
        else:
            status = "not_addressed"
        gap = status in ("not_addressed", "partial")
        rows.append(
            CoverageRow(
                competency=it.id,
                label=it.label,
                statement=it.statement,
                status=status,
                sections=sections,
                justification=note,
                recommendation=recommendation_for(it) if gap else "",
                training=it.training if gap else (),
                note_from=note_from,
            )
        )
    return rows
