"""Reviewer (and admin): the review queue — awaiting review, my reviews, all documents."""

from __future__ import annotations

import streamlit as st

from pages import _components as ui
from review import viewmodels as vm

actor = ui.require_actor("reviewer", "admin")
svc = ui.service()
ui.page_header("Review queue")

ok, lists = ui.attempt(svc.worklists, actor)
if ok:
    tabs = st.tabs([w.label for w in lists])
    for tab, wl in zip(tabs, lists, strict=True):
        with tab:
            if wl.name == "awaiting_review" and wl.documents:
                st.caption("Oldest submission first. Claiming takes the review lock.")
                for d in wl.documents:
                    cols = st.columns([4, 2, 2, 2, 1], vertical_alignment="center")
                    cols[0].page_link(
                        "pages/review_workspace.py",
                        label=ui.safe(d.title),
                        query_params={"doc": d.id},
                    )
                    cols[1].markdown(ui.safe(d.agency_name))
                    cols[2].write(f"submitted {vm.format_time(d.submitted_at)}")
                    # a resubmission (version 2 or later) is marked: the reviewer re-checks
                    # what changed rather than starting over
                    cols[3].markdown(
                        vm.state_badge(d.state)
                        + (
                            f" :orange-badge[resubmission · v{d.current_version}]"
                            if d.current_version > 1
                            else ""
                        )
                    )
                    if cols[4].button("Claim", key=f"claim_{d.id}", type="primary"):
                        done, _ = ui.attempt(svc.transition, actor, d.id, "claim")
                        if done:
                            ui.flash(
                                "success", f"You claimed “{d.title}”. You hold its review lock."
                            )
                            st.switch_page("pages/review_workspace.py", query_params={"doc": d.id})
            else:
                ui.document_links(
                    list(wl.documents),
                    "pages/review_workspace.py",
                    empty="Nothing here.",
                    show_agency=True,
                )
