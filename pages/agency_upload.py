"""Agency user: upload a new policy (.docx, .pdf, .doc, .txt, .md); it is parsed and matched,
then previewed. The accepted types and the size limit are the server's own (one source)."""

from __future__ import annotations

import streamlit as st

from pages import _components as ui
from review.config import UploadLimits
from review.upload_rules import ACCEPTED_TYPES, accepted_text

actor = ui.require_actor("agency_user")
limit_mb = UploadLimits().max_upload_bytes // (1024 * 1024)
ui.page_header(
    "Upload a policy",
    f"{accepted_text()}, at most {limit_mb} MB. Its sections are found and matched to the "
    "competencies your agency's review covers; nothing is sent to a reviewer until you submit it.",
)

with st.form("upload", clear_on_submit=True):
    title = st.text_input(
        "Title (optional)", help="Defaults to the document's own title or file name."
    )
    file = st.file_uploader(
        "Policy document",
        type=list(ACCEPTED_TYPES),
        key="upload_file",
        max_upload_size=limit_mb,
    )
    go = st.form_submit_button("Upload and analyze", type="primary")

if go:
    # a new attempt clears the previous upload's results: they must never pass for this file's
    st.session_state.pop("last_upload", None)
    if file is None:
        st.error("Choose a policy file to upload.")
    else:
        from review.errors import ReviewError

        refusal = None
        with st.status("Analyzing the policy…", expanded=False) as status:
            st.markdown(ui.safe(f"Reading {file.name} ({file.size / 1024:.0f} KB)"))
            st.write("Finding sections and suggesting competencies")
            try:
                result = ui.service().upload(
                    actor, file.getvalue(), file.name, title=title.strip() or None
                )
            except ReviewError as err:
                refusal = str(err)
                status.update(label="The file was not accepted", state="error")
            except Exception:
                ui.log.exception("upload failed unexpectedly")
                refusal = ui.GENERIC_ERROR
                status.update(label="The file was not accepted", state="error")
            else:
                status.update(label="Analyzed and saved as a draft", state="complete")
                st.session_state["last_upload"] = result.document_id
                ui.flash("success", result.message)
        if refusal:
            # the reason in plain sight, not inside the collapsed status box
            st.error(ui.safe(f"{file.name} was not accepted. {refusal}"), icon=":material/block:")

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
