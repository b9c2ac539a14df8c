"""Agency user: upload a new policy (.docx); it is parsed and matched, then previewed."""

from __future__ import annotations

import streamlit as st

from pages import _components as ui

actor = ui.require_actor("agency_user")
ui.page_header(
    "Upload a policy",
    "A Word document (.docx). Its sections are found and matched to the competencies your "
    "agency's review covers; nothing is sent to a reviewer until you submit it.",
)

with st.form("upload", clear_on_submit=True):
    title = st.text_input(
        "Title (optional)", help="Defaults to the document's own title or file name."
    )
    file = st.file_uploader("Policy document", type=["docx"], key="upload_file")
    go = st.form_submit_button("Upload and analyze", type="primary")

if go:
    if file is None:
        st.error("Choose a .docx file to upload.")
    else:
        with st.status("Analysing the policy…", expanded=True) as status:
            st.markdown(ui.safe(f"Reading {file.name} ({file.size / 1024:.0f} KB)"))
            st.write("Finding sections and suggesting competencies")
            ok, result = ui.attempt(
                ui.service().upload, actor, file.getvalue(), file.name, title=title.strip() or None
            )
            if ok:
                status.update(label="Analysed and saved as a draft", state="complete")
                st.session_state["last_upload"] = result.document_id
                ui.flash("success", result.message)
            else:
                status.update(label="The file was not accepted", state="error")

doc_id = st.session_state.get("last_upload")
if doc_id:
    ui.show_flashes()
    st.page_link(
        "pages/agency_document.py",
        label="Open the document to review the preview and submit it",
        query_params={"doc": doc_id},
        icon=":material/arrow_forward:",
    )
    ui.document_preview(actor, doc_id, limit=40)
