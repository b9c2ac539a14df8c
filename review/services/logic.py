"""Pure review logic the service composes: links from suggestions and carrying them over to a new
version (coverage is :mod:`review.coverage`).

No store, no clock: inputs in, records out, so each rule is tested on its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from review.models import Section, Suggestion
from review.services.views import AssessmentChange, LinkChange

Record = dict[str, Any]
DECIDED = ("confirmed", "rejected", "added")


def new_id() -> str:
    """Short unique ids (48 random bits are plenty for one store; collisions are checked on insert)."""
    return uuid.uuid4().hex[:12]


def suggestion_links(
    version: int,
    sections: Sequence[Section],
    suggestions: Sequence[Sequence[Suggestion]],
    skip: set[tuple[str, str]] = frozenset(),  # type: ignore[assignment]
    flag_sections: set[str] = frozenset(),  # type: ignore[assignment]
    make_id: Callable[[], str] = new_id,
) -> list[Record]:
    """One ``suggested`` link per (section, competency) the suggester proposed, minus ``skip``."""
    out: list[Record] = []
    seen = set(skip)
    for section, suggs in zip(sections, suggestions, strict=True):
        for g in suggs:
            key = (section.id, g.competency)
            if key in seen:
                continue
            seen.add(key)
            out.append(
                link_record(
                    make_id(),
                    version,
                    section.id,
                    g.competency,
                    "suggested",
                    score=round(g.score, 1),
                    evidence=[e.to_dict() for e in g.evidence],
                    sentences=list(g.sentences),
                    reasons=[list(r) for r in g.reasons],
                    features=list(g.features),
                    flag="new" if section.id in flag_sections else "",
                )
            )
    return out


def link_record(
    link_id: str,
    version: int,
    section_id: str,
    competency: str,
    state: str,
    *,
    score: float | None = None,
    evidence: list[Record] | None = None,
    sentences: list[str] | None = None,
    reasons: list[list[str]] | None = None,
    features: list[float] | None = None,
    note: str = "",
    reason: str = "",
    decided_by: str = "",
    decided_at: str = "",
    flag: str = "",
    origin: str = "suggester",
    previous: Record | None = None,
) -> Record:
    return {
        "id": link_id,
        "version": version,
        "section_id": section_id,
        "competency": competency,
        "state": state,
        "score": score,
        "evidence": evidence or [],
        "sentences": sentences or [],
        "reasons": reasons or [],
        #: the model's inputs for the pair when it was suggested: a decision on it becomes a
        #: training example from these, without rebuilding the document's features
        "features": [round(float(x), 6) for x in features or ()],
        "note": note,
        "reason": reason,
        "decided_by": decided_by,
        "decided_at": decided_at,
        "flag": flag,
        "origin": origin,
        "previous": previous,
    }


def carry_over(
    old_sections: Sequence[Section],
    old_links: Iterable[Record],
    new_version: int,
    new_sections: Sequence[Section],
    new_suggestions: Sequence[Sequence[Suggestion]],
    make_id: Callable[[], str] = new_id,
) -> tuple[list[Record], list[LinkChange], list[LinkChange], list[LinkChange]]:
    """Links of a new version from the previous version's links and the new suggestions.

    * a link whose section id is unchanged keeps its state, note, reason and decider;
    * a confirmed/added link whose section changed (same heading path, new text) comes back as
      ``suggested`` with ``flag="changed"`` — a decision about old text is not a decision about
      new text; a rejected link on a changed section comes back (flagged) only if the suggester
      proposes it again;
    * a link whose section is gone (no section at that heading path) is dropped and reported;
    * every other new suggestion is ``suggested`` (flag ``"new"`` on new or changed sections).

    Returns (links, carried, needs_review, dropped).
    """
    new_by_id = {s.id: s for s in new_sections}
    new_ids = set(new_by_id)
    old_by_id = {s.id: s for s in old_sections}
    new_by_path: dict[tuple[str, ...], list[Section]] = {}
    for s in new_sections:
        new_by_path.setdefault(tuple(s.path), []).append(s)
    suggested_for: dict[str, dict[str, Suggestion]] = {
        s.id: {g.competency: g for g in sugg}
        for s, sugg in zip(new_sections, new_suggestions, strict=True)
    }
    old_ids = set(old_by_id)
    changed_sections = {s.id for s in new_sections if s.id not in old_ids}

    links: list[Record] = []
    taken: set[tuple[str, str]] = set()
    carried: list[LinkChange] = []
    needs_review: list[LinkChange] = []
    dropped: list[LinkChange] = []

    for old in old_links:
        sid, comp, state = old["section_id"], old["competency"], old["state"]
        old_section = old_by_id.get(sid)
        title = old_section.shown_title if old_section else ""
        if sid in new_ids:
            title = new_by_id[sid].shown_title  # as the new version shows it (its Word number)
            if (sid, comp) in taken:
                continue
            taken.add((sid, comp))
            links.append(
                {
                    **old,
                    "id": make_id(),
                    "version": new_version,
                    "flag": "" if state != "suggested" else old.get("flag", ""),
                    "origin": old.get("origin") if old.get("origin") == "hand" else "carried",
                }
            )
            if state != "suggested":
                carried.append(LinkChange(sid, title, comp, state, state, "section unchanged"))
            continue
        targets = new_by_path.get(tuple(old_section.path), []) if old_section else []
        if not targets:
            if state != "suggested":
                dropped.append(
                    LinkChange(
                        sid, title, comp, state, "", "the section is no longer in the document"
                    )
                )
            continue
        for target in targets:
            key = (target.id, comp)
            if key in taken:
                continue
            sugg = suggested_for[target.id].get(comp)
            if state == "rejected" and sugg is None:
                dropped.append(
                    LinkChange(
                        sid,
                        title,
                        comp,
                        state,
                        "",
                        "the section changed and the rejected suggestion was not made again",
                    )
                )
                continue
            if state == "suggested" and sugg is None:
                continue
            taken.add(key)
            links.append(
                link_record(
                    make_id(),
                    new_version,
                    target.id,
                    comp,
                    "suggested",
                    score=round(sugg.score, 1) if sugg else old.get("score"),
                    evidence=[e.to_dict() for e in sugg.evidence] if sugg else [],
                    sentences=list(sugg.sentences) if sugg else [],
                    reasons=[list(r) for r in sugg.reasons] if sugg else [],
                    features=list(sugg.features) if sugg else [],
                    note=old.get("note", ""),
                    flag="changed",
                    origin="carried",
                    previous={
                        "state": state,
                        "section_id": sid,
                        "reason": old.get("reason", ""),
                        "decided_by": old.get("decided_by", ""),
                    },
                )
            )
            if state != "suggested":
                needs_review.append(
                    LinkChange(
                        target.id,
                        target.shown_title,
                        comp,
                        state,
                        "suggested",
                        "the section's text changed",
                    )
                )

    links.extend(
        suggestion_links(
            new_version,
            new_sections,
            new_suggestions,
            skip=taken,
            flag_sections=changed_sections,
            make_id=make_id,
        )
    )
    return links, carried, needs_review, dropped


def carry_assessments(
    old_assessments: Iterable[Record],
    old_links: Iterable[Record],
    new_section_ids: set[str],
    new_items: Iterable[str],
) -> tuple[list[Record], list[AssessmentChange]]:
    """Assessments of a new version from the previous version's, decided like links.

    An assessment (``partial`` with a note, ``not_applicable`` with a justification) is a
    reviewer's decision about the sections that cite the competency. It carries over when the
    competency is still reviewed and every section that cited it (confirmed or added links of
    the previous version) is unchanged in the new one (same section id); a ``not_applicable``
    citing no section carries over as long as the competency is still reviewed. Otherwise it
    is dropped and reported, so the reviewer assesses it again on the new text.

    Returns (records to store on the new version, one change per old assessment).
    """
    items = set(new_items)
    cited: dict[str, set[str]] = {}
    for link in old_links:
        if link.get("state") in ("confirmed", "added"):
            cited.setdefault(link["competency"], set()).add(link["section_id"])
    kept: list[Record] = []
    changes: list[AssessmentChange] = []
    for a in sorted(old_assessments, key=lambda r: r["competency"]):
        comp, status, note = a["competency"], a["status"], a.get("note", "")
        if comp not in items:
            changes.append(
                AssessmentChange(comp, status, note, False, "the competency is no longer reviewed")
            )
            continue
        changed = sorted(cited.get(comp, set()) - new_section_ids)
        if changed:
            n = len(changed)
            changes.append(
                AssessmentChange(
                    comp,
                    status,
                    note,
                    False,
                    f"{n} section{'s' if n != 1 else ''} citing it changed or {'are' if n != 1 else 'is'} gone",
                )
            )
            continue
        record = {k: v for k, v in a.items() if k not in ("version", "competency")}
        kept.append({**record, "competency": comp, "carried_from": a.get("version")})
        changes.append(AssessmentChange(comp, status, note, True, "cited sections unchanged"))
    return kept, changes
