"""Admin: learning from reviewers — how many decisions the suggester has learned from, its
measured effect, and the switch and reset. The services compute and enforce everything."""

from __future__ import annotations

import streamlit as st

from pages import _components as ui

actor = ui.require_actor("admin")
svc = ui.service()
ui.page_header(
    "Learning from reviewers",
    "Every confirmed, rejected and hand-added link teaches the suggester. It keeps numbers "
    "(features of the link), never document text.",
)

ok, status = ui.attempt(svc.learning_status, actor)
if ok:
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Decisions learned from", status.decisions)
    c2.metric("Confirmed", status.confirmed)
    c3.metric("Rejected", status.rejected)
    c4.metric("Added by hand", status.added)
    if status.volume_from_shipped:
        st.write(
            f"From {status.documents} reviewed document version(s). The learned model orders "
            "the suggestions; each document gets as many as the shipped model would give it "
            "until enough documents are reviewed to choose a threshold from the decisions."
        )
    else:
        st.write(
            f"From {status.documents} reviewed document version(s). "
            f"Suggestion threshold in use: {status.threshold:.2f} "
            f"(shipped: {status.shipped_threshold:.2f})."
        )
    if status.learned_f1 is None:
        st.caption("The effect is measured once decisions on two or more documents exist.")
    else:
        st.write(
            "Measured on your reviewers' own decisions (each document scored by a model that "
            f"learned from the others): F1 {status.learned_f1:.2f} with learning, "
            f"{status.shipped_f1:.2f} with the shipped model."
        )
        st.write(status.effect_verdict)
    st.toggle(
        "Learn from reviewers' decisions",
        value=status.enabled,
        key="learning_enabled",
        on_change=lambda: ui.attempt(
            svc.set_learning_enabled, actor, st.session_state["learning_enabled"]
        ),
    )
    with st.form("learning_reset"):
        st.write("Reset forgets every decision learned so far; the shipped model is used again.")
        sure = st.checkbox("I understand this cannot be undone")
        if st.form_submit_button("Reset learning", disabled=False):
            if not sure:
                st.error("Tick the box to confirm the reset.")
            else:
                ok_r, n = ui.attempt(svc.reset_learning, actor)
                if ok_r:
                    st.success(f"Forgot {n} recorded decision(s).")
