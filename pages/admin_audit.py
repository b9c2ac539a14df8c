"""Admin: the audit trail.

Two views: "Decisions and accounts" — every change to a decision or an account (who, what, when,
from which client, before → after), filterable by document, user, agency, action and date, with
a CSV export (``svc.audit_events`` / ``svc.audit_csv``); and "Document histories" — every upload,
transition and comment on every document (``svc.audit_trail``: it reads only the documents it
needs, so the page asks for a page of entries and "Load more" for a larger one).
"""

from __future__ import annotations

import streamlit as st

from pages import _components as ui
from review import viewmodels as vm
from review.audit import ACTIONS as EVENT_ACTIONS
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
events_tab, history_tab = st.tabs(["Decisions and accounts", "Document histories"])

with events_tab:
    f1, f2, f3 = st.columns(3)
    ev_agency = f1.selectbox(
        "Agency",
        [""] + list(agency_names),
        format_func=lambda a: agency_names.get(a, "All agencies"),
        key="ev_agency",
    )
    ev_action = f2.selectbox(
        "Action",
        ["", *EVENT_ACTIONS],
        format_func=lambda a: EVENT_ACTIONS.get(a, "All actions"),
        key="ev_action",
    )
    ev_user = f3.text_input("User (who acted)", key="ev_user", placeholder="username")
    f4, f5, f6 = st.columns(3)
    ev_doc = f4.text_input("Document id", key="ev_doc", placeholder="from the document's URL")
    ev_since = f5.date_input("From", value=None, key="ev_since", format="YYYY-MM-DD")
    ev_until = f6.date_input("Until", value=None, key="ev_until", format="YYYY-MM-DD")
    filters = {
        "agency_id": ev_agency or None,
        "action": ev_action or None,
        "username": ev_user.strip() or None,
        "document_id": ev_doc.strip() or None,
        "since": ev_since.isoformat() if ev_since else None,
        "until": ev_until.isoformat() if ev_until else None,
    }
    ok_e, events = ui.attempt(svc.audit_events, actor, limit=PAGE_SIZE, **filters)
    events = events if ok_e else []
    st.caption(
        f"{len(events)} events"
        + (" (the newest; the CSV has them all)" if len(events) >= PAGE_SIZE else "")
        + ". Append-only: no event is ever changed or removed."
    )
    st.dataframe(
        [
            {
                "When": vm.format_time(e.time),
                "Action": e.label,
                "By": e.actor or "(unknown username)",
                "Client": e.client,
                "Agency": agency_names.get(e.agency_id, ""),
                "Document": e.document_id,
                "Target": e.target,
                "Change": e.change,
                "Detail": e.detail,
            }
            for e in events
        ],
        hide_index=True,
        width="stretch",
    )
    st.download_button(
        "Export the filtered trail (.csv)",
        lambda: svc.audit_csv(actor, **filters),
        "audit-trail.csv",
        "text/csv",
        key="ev_csv",
        on_click="ignore",
        icon=":material/download:",
    )

with history_tab:
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
        f"{len(entries)} entries"
        + (" (the newest; load more below)" if len(entries) >= limit else "")
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
