"""Agency user: the agency's documents with their state, reviewer and last action."""

from __future__ import annotations

import streamlit as st

from pages import _components as ui
from review import viewmodels as vm

actor = ui.require_actor("agency_user")
ui.page_header("My documents", "Your agency's policy documents and where each one stands.")

ok, lists = ui.attempt(ui.service().worklists, actor)
if ok:
    by_name = {w.name: w for w in lists}
    changes = by_name.get("changes_requested")
    mine = by_name.get("my_agency")
    if changes and changes.count:
        st.warning(
            f"**{changes.label}.** Read the reviewer's comments and upload a revised version.",
            icon=":material/edit_note:",
        )
        ui.document_links(list(changes.documents), "pages/agency_document.py", empty="")
        st.divider()
    st.subheader(mine.label if mine else "Documents")
    docs = list(mine.documents) if mine else []
    ui.document_links(
        docs, "pages/agency_document.py", empty="No documents yet. Upload your first policy."
    )
    if docs:
        with st.expander("Last action on each document"):
            st.dataframe(
                [
                    {
                        "Document": d.title,
                        "State": vm.state_label(d.state),
                        "Last action": vm.transition_label(d.last_action) if d.last_action else "—",
                        "By": d.last_actor_name or d.last_actor or "—",
                        "When": vm.format_time(d.last_action_at) if d.last_action_at else "—",
                    }
                    for d in docs
                ],
                hide_index=True,
                width="stretch",
            )
st.page_link("pages/agency_upload.py", label="Upload a policy", icon=":material/upload_file:")
