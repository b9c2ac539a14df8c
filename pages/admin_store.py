"""Admin: store health — documents whose stored file is damaged, quarantined by the store.

Everything else keeps working while a document is quarantined (to everyone else it is not
there). The repair: restore the document's file (for example from a backup), then re-check it
here; the page only lists and calls the services.
"""

from __future__ import annotations

import streamlit as st

from pages import _components as ui
from review import viewmodels as vm

actor = ui.require_actor("admin")
svc = ui.service()
ui.page_header("Store health", "Documents whose stored file cannot be read.")

ok, damaged = ui.attempt(svc.damaged_documents, actor)
damaged = damaged if ok else []
if not damaged:
    st.success("Every document file reads correctly.")
    st.stop()

st.warning(
    f"{len(damaged)} document(s) are quarantined: their stored file is damaged. Agencies and "
    "reviewers do not see them; everything else works. Restore each file (for example from a "
    "backup, into the path shown), then re-check it.",
    icon=":material/report:",
)
for d in damaged:
    with st.container(border=True):
        st.markdown(
            f"**{ui.safe(d.title or d.id)}** · {ui.safe(d.agency_name or '—')} · "
            f"{vm.state_label(d.state) if d.state else '—'}"
        )
        st.caption(
            f"File {ui.safe(d.path)} · quarantined {vm.format_time(d.since)} · {ui.safe(d.reason)}"
        )
        if st.button("Re-check the file", key=f"recheck_{d.id}"):
            done, healthy = ui.attempt(svc.recheck_document, actor, d.id)
            if done:
                if healthy:
                    ui.flash("success", f"{d.title or d.id} reads correctly again.")
                else:
                    ui.flash("error", f"{d.title or d.id} is still damaged.")
                st.rerun()
