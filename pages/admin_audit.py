"""Admin: the audit trail — every upload, transition and comment on every document, newest first.

The service reads only the documents it needs (``svc.audit_trail``), so the page asks for a page
of entries and "Load more" asks for a larger one; the filters are passed to the service.
"""

from __future__ import annotations

import streamlit as st

from pages import _components as ui
from review import viewmodels as vm
from review.workflow import WORKFLOW

PAGE_SIZE = 200
#: what a history entry can record: an upload, a workflow transition, a comment
ACTIONS = ("upload", *WORKFLOW.transitions, "comment")

actor = ui.require_actor("admin")
svc = ui.service()
ui.page_header(
    "Audit trail",
    "Every upload, transition and comment, newest first. Entries are never rewritten.",
)

ok_a, agencies = ui.attempt(svc.list_agencies, actor)
agency_names = {a.id: a.name for a in agencies} if ok_a else {}
c1, c2 = st.columns(2)
agency = c1.selectbox(
    "Agency",
    [""] + list(agency_names),
    format_func=lambda a: agency_names.get(a, "All agencies"),
    key="audit_agency",
)
action = c2.selectbox(
    "Action",
    ["", *ACTIONS],
    format_func=lambda a: vm.transition_label(a) if a else "All actions",
    key="audit_action",
)
# a new filter starts again from the first page
filters = (agency, action)
if st.session_state.get("audit_filters") != filters:
    st.session_state["audit_filters"] = filters
    st.session_state["audit_limit"] = PAGE_SIZE
limit = int(st.session_state.get("audit_limit", PAGE_SIZE))

ok, entries = ui.attempt(
    svc.audit_trail, actor, limit=limit, agency_id=agency or None, action=action or None
)
entries = entries if ok else []
st.caption(
    f"{len(entries)} entries" + (" (the newest; load more below)" if len(entries) >= limit else "")
)
st.dataframe(
    [
        {
            "When": vm.format_time(e.time),
            "Document": e.document_title,
            "Agency": e.agency_name,
            "Action": vm.transition_label(e.action),
            "By": e.actor_name,
            "From": vm.state_label(e.from_state) if e.from_state else "—",
            "To": vm.state_label(e.to_state),
            "Comment": e.comment,
        }
        for e in entries
    ],
    hide_index=True,
    width="stretch",
)
if len(entries) >= limit and st.button("Load more", key="audit_more"):
    st.session_state["audit_limit"] = limit + PAGE_SIZE
    st.rerun()
