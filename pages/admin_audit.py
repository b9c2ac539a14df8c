"""Admin: the audit trail — every workflow transition and comment on every document."""

from __future__ import annotations

import streamlit as st

from pages import _components as ui
from review import viewmodels as vm

actor = ui.require_actor("admin")
svc = ui.service()
ui.page_header(
    "Audit trail", "Every transition and comment, newest first. Entries are never rewritten."
)

ok, wl = ui.attempt(svc.worklist, actor, "all_documents")
rows = []
if ok:
    # One history read per document; the services offer no cross-document audit query yet.
    for d in wl.documents:
        done, history = ui.attempt(svc.history, actor, d.id)
        if not done:
            continue
        for seq, h in enumerate(history):
            rows.append(
                {
                    "time": h.time,
                    "seq": seq,
                    "When": vm.format_time(h.time),
                    "Document": d.title,
                    "Agency": d.agency_name,
                    "Action": vm.transition_label(h.action),
                    "By": h.actor,
                    "From": vm.state_label(h.from_state) if h.from_state else "—",
                    "To": vm.state_label(h.to_state),
                    "Comment": h.comment,
                }
            )
# newest first; within one second, later entries of a document's history first
rows.sort(key=lambda r: (r["time"], r["seq"]), reverse=True)
c1, c2 = st.columns(2)
actions = c1.multiselect("Action", sorted({r["Action"] for r in rows}), placeholder="All actions")
people = c2.multiselect("By", sorted({r["By"] for r in rows}), placeholder="Everyone")
shown = [
    r for r in rows if (not actions or r["Action"] in actions) and (not people or r["By"] in people)
]
st.caption(f"{len(shown)} of {len(rows)} entries")
st.dataframe(
    shown,
    hide_index=True,
    width="stretch",
    column_order=["When", "Document", "Agency", "Action", "By", "From", "To", "Comment"],
)
