"""The pure rules the service composes: coverage of parent items and carry-over of links."""

from __future__ import annotations

from review.coverage import compute_coverage
from review.framework import get_framework
from review.models import Evidence, Section, Suggestion
from review.services.logic import carry_over


def _link(section: str, comp: str, state: str) -> dict:
    return {
        "id": f"{section}-{comp}",
        "version": 1,
        "section_id": section,
        "competency": comp,
        "state": state,
    }


def test_parent_item_takes_its_status_from_sub_skills():
    fw = get_framework()
    required = fw.required_items("general")
    kids = [it.id for it in required if it.parent == "C6"]
    assert kids  # C6.i ... C6.xi
    rows = {
        r.competency: r
        for r in compute_coverage(fw, required, [_link("s1", kids[0], "confirmed")], [])
    }
    assert rows["C6"].status == "partial" and rows["C6"].sections == ("s1",)
    all_met = [_link(f"s{i}", k, "added") for i, k in enumerate(kids)]
    rows = {r.competency: r for r in compute_coverage(fw, required, all_met, [])}
    assert rows["C6"].status == "met"
    rows = {
        r.competency: r
        for r in compute_coverage(fw, required, [_link("s1", kids[0], "rejected")], [])
    }
    assert rows["C6"].status == "not_addressed"
    assert rows["C6"].recommendation and rows[kids[0]].status == "not_addressed"


def _sec(sid: str, title: str) -> Section:
    return Section(sid, title, 1, (title,), f"text of {sid}", 0, 0)


def _sugg(comp: str) -> Suggestion:
    return Suggestion(comp, 80.0, (Evidence("p", "p", 0, 1, 80.0),))


def test_carry_over_rules():
    old = [
        _sec("a1", "Purpose"),
        _sec("b1", "Training"),
        _sec("c1", "Leave"),
        _sec("d1", "Records"),
    ]
    links = [
        _link("a1", "C1", "confirmed"),  # unchanged section: kept
        _link("b1", "C4", "confirmed"),  # changed section: back to suggested, flagged
        _link("b1", "C2", "rejected"),  # changed, not suggested again: dropped
        _link("c1", "C5", "confirmed"),  # section gone: dropped
        _link("d1", "C3", "rejected"),  # changed and suggested again: flagged suggestion
    ]
    new = [
        _sec("a1", "Purpose"),
        _sec("b2", "Training"),
        _sec("d2", "Records"),
        _sec("e2", "New part"),
    ]
    suggestions = [[_sugg("C1")], [], [_sugg("C3")], [_sugg("C6")]]
    out, carried, needs_review, dropped = carry_over(old, links, 2, new, suggestions)
    got = {(lk["section_id"], lk["competency"]): (lk["state"], lk["flag"]) for lk in out}
    assert got == {
        ("a1", "C1"): ("confirmed", ""),
        ("b2", "C4"): ("suggested", "changed"),
        ("d2", "C3"): ("suggested", "changed"),
        ("e2", "C6"): ("suggested", "new"),
    }
    assert all(lk["version"] == 2 for lk in out)
    assert [c.competency for c in carried] == ["C1"]
    assert sorted(c.competency for c in needs_review) == ["C3", "C4"]
    assert sorted((c.section_title, c.competency) for c in dropped) == [
        ("Leave", "C5"),
        ("Training", "C2"),
    ]
