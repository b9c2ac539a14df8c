"""Reviewer (and admin): the review workspace of one document (``?doc=<id>``).

Built to stay fast at 300 sections: one filterable table of all links (row selection for bulk
confirm), and a detail panel with buttons for the *selected section only* — never hundreds of
expanders with buttons each. Every decision goes through the services, which check the role, the
state and the review lock.
"""

from __future__ import annotations

import streamlit as st

from pages import _components as ui
from review import viewmodels as vm
from review.table_selection import SelectionState, reconcile
from review.wording import numbered

actor = ui.require_actor("reviewer", "admin")
svc = ui.service()
doc_id = ui.requested_doc_id()

if doc_id is None:
    ui.worklist_picker(
        actor,
        "Review workspace",
        "Pick a document from your reviews or the queue.",
        "pages/review_workspace.py",
        ("my_reviews", "awaiting_review"),
    )
    st.stop()

view = ui.load_document(actor, doc_id)
if view is None:
    st.page_link("pages/review_queue.py", label="Back to the queue", icon=":material/arrow_back:")
    st.stop()

ui.document_header(view)
# the findings of this document, where each gets its remediation, owner and due date
st.page_link(
    "pages/review_findings.py",
    label="Findings and remediation plan",
    icon=":material/assignment:",
    query_params={"doc": doc_id},
    help="Each finding of the review report, with its remediation, owner and due date.",
)
ui.section_css()

try:
    fw = svc.framework(view.versions[-1].framework_id if view.versions else None)
    review_items = svc.review_items(actor, doc_id)
    sections = svc.sections(actor, doc_id)
    links = svc.links(actor, doc_id)
    coverage, summary = svc.coverage_overview(actor, doc_id)  # one read for both
except Exception as err:  # noqa: BLE001 - shown calmly, logged with the traceback
    from review.errors import ReviewError

    if isinstance(err, ReviewError):
        st.error(ui.safe(str(err)))
    else:
        ui.log.exception("workspace load failed for %s", doc_id)
        st.error(ui.GENERIC_ERROR)
    st.stop()

# The service says whether the actor may decide links now (role, state and review lock) and
# why not; it enforces the same rules on every change.
can_edit = view.can_edit_links
names = {it.id: it.short for it in fw.items}
by_id = {s.id: s for s in sections}
order = {s.id: i for i, s in enumerate(sections)}


def decide(fn, link_id: str, done_message: str, with_reason: str = "") -> None:  # type: ignore[no-untyped-def]
    """A card's decision, as a button callback: the outcome is a flash shown at the top."""
    from review.errors import ReviewError

    args = [actor, doc_id, link_id]
    if with_reason:
        args.append(st.session_state.get(f"reason_{link_id}", ""))
    try:
        fn(*args)
    except ReviewError as err:
        ui.flash("error", str(err))
    except Exception:
        ui.log.exception("a link decision failed")
        ui.flash("error", ui.GENERIC_ERROR)
    else:
        ui.flash("success", done_message)


# ----------------------------------------------------------------- lock and workflow
bar_left, bar_right = st.columns([2, 3])
with bar_left:
    st.markdown(ui.lock_line(view))
    if view.can_release_lock and st.button("Release the review lock", key=f"release_{doc_id}"):
        done, _ = ui.attempt(svc.release_lock, actor, doc_id)
        if done:
            ui.flash("info", "Review lock released.")
            st.rerun()
    if (
        can_edit
        and view.lock is None
        and st.button(
            "Take the review lock",
            key=f"take_{doc_id}",
            help="Approving needs the review lock; deciding a link also takes it.",
        )
    ):
        done, _ = ui.attempt(svc.acquire_lock, actor, doc_id)
        if done:
            ui.flash("info", "You hold the review lock.")
            st.rerun()
    if not can_edit:
        st.info(ui.safe(ui.sentence(view.edit_blocked_reason)), icon=":material/lock:")
with bar_right:
    ui.transition_buttons(actor, view)

main, side = st.columns([3, 1.25], gap="large")

# ----------------------------------------------------------------- coverage (live)
with side:
    st.subheader("Coverage")
    ui.coverage_panel(summary, coverage, names)
    if summary.undecided_links:
        st.caption(f"{summary.undecided_links} suggestions still undecided.")
    ok, misses = ui.attempt(svc.near_misses, actor, doc_id)
    if ok and misses:
        with st.expander(f"Where to look for {len(misses)} gap(s)"):
            st.caption(
                "The sections the engine ranks next for competencies it suggested nowhere, "
                "or whose suggestions were rejected. Open one to read it and add a link."
            )
            for comp, near in misses.items():
                st.markdown(f"**{ui.safe(names.get(comp, comp))}**")
                for m in near:
                    st.button(
                        f"{ui.safe(m.section_title)} · score {m.score:.0f}",
                        key=f"look_{doc_id}_{comp}_{m.section_id}",
                        on_click=st.session_state.__setitem__,
                        args=(f"sec_{doc_id}", m.section_id),
                        width="stretch",
                    )
                    if m.sentence:
                        st.caption(ui.safe(m.sentence))
    if can_edit:
        # Not clear_on_submit: a refused save (no justification) must keep the chosen
        # competency, or the retry lands on the first one (issue 12, item 1).
        with st.expander("Assess a competency"), st.form(f"assess_{doc_id}"):
            comp = st.selectbox(
                "Competency",
                [it.id for it in review_items],
                format_func=names.get,
                key=f"as_comp_{doc_id}",
            )
            status = st.radio(
                "Assessment",
                ["partial", "not_applicable", "clear"],
                format_func=lambda s: {"clear": "Clear assessment"}.get(s, vm.coverage_label(s)),
                horizontal=True,
                key=f"as_status_{doc_id}",
            )
            note = st.text_input("Note / justification", key=f"as_note_{doc_id}")
            if st.form_submit_button("Save assessment"):
                done, _ = ui.attempt(
                    svc.assess, actor, doc_id, comp, None if status == "clear" else status, note
                )
                if done:
                    ui.flash("success", f"{names.get(comp, comp)}: assessment saved.")
                    st.session_state.pop(f"as_note_{doc_id}", None)
                    st.rerun()

# ----------------------------------------------------------------- links table
with main:
    counts = vm.link_state_counts(links)
    st.subheader(f"Suggestions and links ({counts['suggested']} undecided of {len(links)})")
    f1, f2, f3, f4 = st.columns([2, 2, 2, 1])
    comp_filter = f1.multiselect(
        "Competency",
        sorted({lk.competency for lk in links}, key=lambda c: (c[0] != "C", c)),
        format_func=names.get,
        key=f"f_comp_{doc_id}",
        placeholder="All competencies",
    )
    state_filter = f2.multiselect(
        "Link state",
        list(vm.LINK_STATES),
        format_func=vm.link_state_label,
        key=f"f_state_{doc_id}",
        placeholder="All states",
    )
    section_filter = f3.selectbox(
        "Section",
        [""] + [s.id for s in sections],
        format_func=lambda sid: (
            "All sections" if not sid else numbered(order[sid], vm.section_label(by_id[sid]))
        ),
        key=f"f_sec_{doc_id}",
    )
    min_score = f4.number_input("Min score", 0, 100, 0, 5, key=f"f_score_{doc_id}")
    flt = vm.LinkFilter(
        competencies=tuple(comp_filter),
        states=tuple(state_filter),
        section_ids=(section_filter,) if section_filter else (),
        min_score=float(min_score),
    )
    shown = vm.filter_links(links, flt)
    rows = vm.link_rows(shown, sections, names)
    link_by_key = {vm.link_key(lk): lk for lk in links}
    table_key = f"tbl_{doc_id}"
    # The selection is kept by link (section × competency), not by row position: when the rows
    # change (a decision from a card, a filter), a tick stays on the link that was ticked.
    sel_key = f"tblsel_{doc_id}"
    row_ids = [r["link_key"] for r in rows]
    widget = st.session_state.get(table_key)
    reported = list(widget["selection"]["rows"]) if widget else []
    sel_state, tick = reconcile(
        st.session_state.get(sel_key) or SelectionState(), reported, row_ids
    )
    st.session_state[sel_key] = sel_state
    if tick != reported:
        st.session_state[table_key] = {"selection": {"rows": tick, "columns": [], "cells": []}}
    st.dataframe(
        rows,
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * max(len(rows), 1), 420),
        # what a decision needs first: at 1280 px the wide Section/Evidence columns scroll
        column_order=["#", "Competency", "State", "Score", "Section", "Evidence", "Note"],
        column_config={
            "#": st.column_config.NumberColumn("#", width="small"),
            "Score": st.column_config.ProgressColumn(
                "Score",
                min_value=0,
                max_value=100,
                format="%d",
                help=(
                    "The chance in 100 that a reviewer confirms the link, calibrated on labeled "
                    "policies: of suggestions scored about 60, about 6 in 10 were confirmed."
                ),
            ),
        },
        on_select="rerun",
        selection_mode="multi-row",
        key=table_key,
    )
    by_key = {r["link_key"]: r for r in rows}
    picked = [by_key[k] for k in sel_state.ids if k in by_key]
    picked_suggested = [r for r in picked if r["state"] == "suggested"]
    if can_edit and picked_suggested:
        bulk = st.button(
            f"Confirm {len(picked_suggested)} selected suggestion(s)",
            type="primary",
            key=f"bulk_{doc_id}",
        )
        to_confirm = [link_by_key[r["link_key"]] for r in picked_suggested] if bulk else []
    elif picked:
        st.caption(
            f"{len(picked)} row(s) selected; only undecided suggestions can be bulk-confirmed."
        )
        to_confirm = []
    else:
        shown_undecided = [lk for lk in shown if lk.state == "suggested"]
        bulk = (
            can_edit
            and bool(shown_undecided)
            and st.button(
                f"Confirm all {len(shown_undecided)} undecided suggestion(s) shown",
                key=f"bulk_shown_{doc_id}",
                help="Narrow the table with the filters first, or select rows to confirm only those.",
            )
        )
        to_confirm = shown_undecided if bulk else []
    if to_confirm:
        # One service call, one transaction: all confirmed or none (and the reason shown).
        done, done_n = ui.attempt(svc.confirm_links, actor, doc_id, [lk.id for lk in to_confirm])
        if done:
            ui.flash("success", f"Confirmed {done_n} suggestion(s).")
            st.session_state.pop(table_key, None)
            st.session_state.pop(sel_key, None)
            st.rerun()

    # ------------------------------------------------------------- section detail
    st.divider()
    sec_key = f"sec_{doc_id}"
    last_pick_key = f"lastpick_{doc_id}"
    first_pick = picked[0]["section_id"] if picked else None
    if first_pick and first_pick in by_id and st.session_state.get(last_pick_key) != first_pick:
        st.session_state[sec_key] = first_pick  # follow the table selection
    st.session_state[last_pick_key] = first_pick
    if st.session_state.get(sec_key) not in by_id and sections:
        linked = [lk.section_id for lk in links if lk.section_id in by_id]
        st.session_state[sec_key] = min(linked, key=order.get) if linked else sections[0].id
    if not sections:
        st.info("This document has no sections.")
        st.stop()
    sid = st.selectbox(
        "Section",
        [s.id for s in sections],
        format_func=lambda s: numbered(order[s], vm.section_label(by_id[s])),
        key=sec_key,
    )
    section = by_id[sid]
    sec_links = sorted(
        (lk for lk in links if lk.section_id == sid), key=lambda lk: -(lk.score or 0)
    )
    text_col, act_col = st.columns([3, 2], gap="medium")
    with text_col:
        if section.shown_path[:-1]:
            st.caption(" › ".join(ui.safe(p) for p in section.shown_path[:-1]))
        spans = vm.evidence_spans(lk for lk in sec_links if lk.state != "rejected")
        st.html(vm.section_html(section, spans))
    with act_col:
        if not sec_links:
            st.caption("No suggestions for this section.")
            if view.agency_kind == "general":
                st.caption(
                    "Only the Core Competencies are reviewed for a general agency; the Advanced "
                    "Competencies (A1–A12) apply to specialized agencies, so none is suggested."
                )
        for lk in sec_links:
            with st.container(border=True):
                score = "" if lk.score is None else f" · score {lk.score:.0f}"
                flag = " · :orange-badge[text changed: re-review]" if lk.flag == "changed" else ""
                st.markdown(
                    f"**{ui.safe(names.get(lk.competency, lk.competency))}**  \n"
                    f"{vm.link_state_badge(lk.state)}{score}{flag}"
                )
                for sentence in lk.sentences[:2]:  # the sentence that carries the suggestion
                    st.markdown("> " + ui.safe(sentence))
                phrases = list(dict.fromkeys(e.phrase for e in lk.evidence))
                if phrases:
                    st.caption("Evidence: " + "; ".join(ui.safe(p) for p in phrases[:6]))
                if lk.state == "suggested":
                    for line in vm.reasons_lines(lk.reasons):  # why the score (the model's terms)
                        st.caption(ui.safe(line))
                if lk.reason:
                    st.caption(f"Rejected because: {ui.safe(lk.reason)}")
                if lk.note:
                    st.caption(f"Note: {ui.safe(lk.note)}")
                if not can_edit:
                    continue
                if lk.state == "suggested":
                    b1 = b2 = st.container()
                    # decisions run as callbacks, before the page is drawn: one run per click
                    # (not a run plus an st.rerun), with the decision already in what is drawn
                    b1.button(
                        "Confirm",
                        key=f"ok_{lk.id}",
                        type="primary",
                        width="stretch",
                        on_click=decide,
                        args=(svc.confirm_link, lk.id, f"Confirmed {lk.competency}."),
                    )
                    b2.text_input(
                        "Reason to reject",
                        key=f"reason_{lk.id}",
                        placeholder="Why it does not apply",
                    )
                    b2.button(
                        "Reject",
                        key=f"rej_{lk.id}",
                        on_click=decide,
                        args=(svc.reject_link, lk.id, f"Rejected {lk.competency}.", "reason"),
                    )
                elif lk.state == "added":
                    confirm_key = f"rm_ask_{lk.id}"
                    if not st.session_state.get(confirm_key):
                        if st.button("Remove", key=f"rm_{lk.id}"):
                            st.session_state[confirm_key] = True
                            st.rerun()
                    else:
                        st.warning(f"Remove the link to {lk.competency}? It was added by hand.")
                        y, n = st.columns(2)
                        if y.button("Yes, remove", key=f"rm_yes_{lk.id}", type="primary"):
                            st.session_state.pop(confirm_key, None)
                            done, _ = ui.attempt(svc.remove_link, actor, doc_id, lk.id)
                            if done:
                                ui.flash("success", f"Removed {lk.competency}.")
                                st.rerun()
                        if n.button("Keep it", key=f"rm_no_{lk.id}"):
                            st.session_state.pop(confirm_key, None)
                            st.rerun()
                else:
                    st.button(
                        "Undo decision",
                        key=f"undo_{lk.id}",
                        on_click=decide,
                        args=(svc.undo_link, lk.id, f"{lk.competency} is undecided again."),
                    )
        if can_edit:
            with st.form(f"add_{doc_id}_{sid}", clear_on_submit=True):
                st.markdown("**Add a link to this section**")
                comp = st.selectbox(
                    "Competency",
                    [it.id for it in review_items],
                    format_func=names.get,
                    key=f"addc_{sid}",
                    index=None,  # no preset: one stray click must not add a false link
                    placeholder="Choose a competency",
                )
                note = st.text_input("Note", key=f"addn_{sid}")
                if st.form_submit_button("Add link"):
                    if comp is None:
                        st.error("Choose the competency this section addresses.")
                    else:
                        done, _ = ui.attempt(svc.add_link, actor, doc_id, sid, comp, note)
                        if done:
                            ui.flash("success", f"Linked this section to {comp}.")
                            st.rerun()

# ----------------------------------------------------------------- history and downloads
with st.expander("History", expanded=False):
    ok, history = ui.attempt(svc.history, actor, doc_id)
    if ok:
        ui.history_table(history)
with st.expander("Downloads", expanded=view.state == "approved"):
    ui.downloads(actor, view)
