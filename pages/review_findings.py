"""Reviewer (and admin): the findings of one document (``?doc=<id>``) as the review report lists
them, with the remediation line, owner and due date the reviewer can edit (the report uses them).
Saving goes through ``set_remediation``, which checks the role, the state and the review lock."""

from __future__ import annotations

import streamlit as st

from pages import _components as ui
from review import viewmodels as vm
from review.services.remediation import findings_for_editing, set_remediation

actor = ui.require_actor("reviewer", "admin")
svc = ui.service()
doc_id = ui.requested_doc_id()

if doc_id is None:
    ui.worklist_picker(
        actor,
        "Findings",
        "The findings and remediation plan of a document you review.",
        "pages/review_findings.py",
        ("my_reviews", "all_documents"),
    )
    st.stop()

view = ui.load_document(actor, doc_id)
if view is None:
    st.stop()
ui.document_header(view)
st.page_link(
    "pages/review_workspace.py",
    label="Back to the workspace",
    icon=":material/arrow_back:",
    query_params={"doc": doc_id},
)

ok, findings = ui.attempt(findings_for_editing, svc, actor, doc_id)
if ok:
    st.subheader(f"Findings ({len(findings)})")
    if not findings:
        st.caption("No findings: every required competency is met or not applicable.")
    st.dataframe(vm.finding_rows([f for f, _ in findings]), hide_index=True, width="stretch")
    editable = view.can_edit_links
    if not editable:
        st.caption(view.edit_blocked_reason or "The remediation plan cannot be changed now.")
    for f, entry in findings:
        with st.expander(f"{f.ref} · {f.name}"):
            st.caption(f"Framework recommendation: {f.recommendation}")
            with st.form(f"remediation_{f.competency}"):
                text = st.text_area(
                    "Remediation (leave empty for the framework's recommendation)",
                    value=entry["text"],
                    disabled=not editable,
                )
                c1, c2 = st.columns(2)
                owner = c1.text_input("Owner", value=entry["owner"], disabled=not editable)
                due = c2.text_input(
                    "Due date (YYYY-MM-DD)", value=entry["due"], disabled=not editable
                )
                if st.form_submit_button("Save", disabled=not editable):
                    done, _ = ui.attempt(
                        set_remediation,
                        svc,
                        actor,
                        doc_id,
                        f.competency,
                        text=text,
                        owner=owner,
                        due=due,
                    )
                    if done:
                        ui.flash("success", f"{f.ref}: remediation plan saved.")
                        st.rerun()
