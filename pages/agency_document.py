"""Agency user: one document — state, reviewer comments, submit/retract, new version, preview,
history, downloads. The document id comes from ``?doc=`` (bookmarkable)."""

from __future__ import annotations

import html

import streamlit as st

from pages import _components as ui
from review import viewmodels as vm
from review.config import UploadLimits
from review.upload_rules import ACCEPTED_TYPES

actor = ui.require_actor("agency_user")
svc = ui.service()
doc_id = ui.requested_doc_id()

if doc_id is None:
    ui.page_header("Document")
    ok, wl = ui.attempt(svc.worklist, actor, "my_agency")
    if ok:
        ui.document_links(list(wl.documents), "pages/agency_document.py", empty="No documents yet.")
    st.stop()

view = ui.load_document(actor, doc_id)
if view is None:
    st.page_link(
        "pages/agency_documents.py", label="Back to my documents", icon=":material/arrow_back:"
    )
    st.stop()

ui.document_header(view)
ok, history = ui.attempt(svc.history, actor, doc_id)
history = history if ok else []

# The reviewer's newest change request stays on top after a revision too (until approval), in
# full-contrast text; the reviewer's words are shown as text, never as Markdown.
latest = view.latest_change_request
if latest is not None and view.state != "approved":
    heading = (
        "The reviewer requested changes"
        if view.state == "changes_requested"
        else "The reviewer's last change request (answered by your revision)"
    )
    st.html(
        '<div style="border-left:4px solid #8a5a00;background:#ffffff;color:#1f1f1f;'
        'padding:0.6rem 0.9rem;border-radius:4px;line-height:1.5">'
        f"<strong>{html.escape(heading)}</strong><br>"
        f'<span style="white-space:pre-wrap">{html.escape(latest.comment)}</span><br>'
        f'<span style="color:#4a4a4a">— {html.escape(latest.actor)}, '
        f"{html.escape(vm.format_time(latest.time))}</span></div>"
    )

left, right = st.columns([3, 2])
with left:
    st.subheader("Actions")
    if "submit" in view.actions and latest is not None:
        # a resubmission: the agency may answer the reviewer's request as it submits
        ui.transition_buttons(actor, view, exclude=("submit",))
        with st.form(f"resubmit_{doc_id}"):
            reply = st.text_area(
                "Your reply to the reviewer (optional)",
                key=f"reply_{doc_id}",
                placeholder="What you changed in response to the request",
            )
            if st.form_submit_button("Submit the revision for review", type="primary"):
                done, _ = ui.attempt(svc.transition, actor, doc_id, "submit", reply)
                if done:
                    ui.flash("success", "Submitted for review. Your reply is in the history.")
                    st.rerun()
    else:
        ui.transition_buttons(actor, view)
with right:
    if view.permissions.get("upload_version"):
        st.subheader("Upload a new version")
        with st.form(f"new_version_{doc_id}", clear_on_submit=True):
            file = st.file_uploader(
                "Revised policy",
                type=list(ACCEPTED_TYPES),
                key=f"rev_{doc_id}",
                max_upload_size=UploadLimits().max_upload_bytes // (1024 * 1024),
            )
            go = st.form_submit_button("Upload new version")
        if go:
            if file is None:
                st.error("Choose the revised policy file to upload.")
            else:
                with st.status("Analyzing the new version…") as status:
                    ok, result = ui.attempt(
                        svc.upload, actor, file.getvalue(), file.name, document_id=doc_id
                    )
                    status.update(
                        label="New version saved" if ok else "The file was not accepted",
                        state="complete" if ok else "error",
                    )
                if ok:
                    st.session_state[f"carry_{doc_id}"] = result
                    ui.flash("success", result.message)
                    st.rerun()

result = st.session_state.get(f"carry_{doc_id}")
if result is not None:
    with st.expander(f"What happened to the links in version {result.version}", expanded=True):
        for label, changes in (
            ("Carried over (section unchanged)", result.carried),
            ("Need re-review (section text changed)", result.needs_review),
            ("Dropped (section no longer present)", result.dropped),
        ):
            st.markdown(f"**{label}: {len(changes)}**")
            if changes:
                st.dataframe(
                    [
                        {
                            "Section": c.section_title or "(preamble)",
                            "Competency": c.competency,
                            "Was": vm.link_state_label(c.previous_state),
                            "Now": vm.link_state_label(c.state) if c.state else "—",
                            "Why": c.reason,
                        }
                        for c in changes
                    ],
                    hide_index=True,
                    width="stretch",
                )
        kept, redo = result.assessments_carried, result.assessments_dropped
        st.markdown(
            f"**Competency assessments carried over: {len(kept)}; to assess again: {len(redo)}**"
        )
        if result.assessments:
            st.dataframe(
                [
                    {
                        "Competency": a.competency,
                        "Assessment": vm.coverage_label(a.status),
                        "Now": "carried over" if a.carried else "to assess again",
                        "Why": a.reason,
                    }
                    for a in result.assessments
                ],
                hide_index=True,
                width="stretch",
            )

if view.state in ("approved", "changes_requested"):
    # the outcome of the review, for the agency: coverage, gaps and why suggestions were rejected
    st.subheader("Review outcome")
    ok_c, coverage = ui.attempt(svc.coverage, actor, doc_id)
    ok_s, summary = ui.attempt(svc.coverage_summary, actor, doc_id)
    ok_l, links = ui.attempt(svc.links, actor, doc_id)
    if ok_c and ok_s:
        ui.coverage_panel(summary, coverage)
    rejected = [lk for lk in links if lk.state == "rejected"] if ok_l else []
    if rejected:
        st.markdown(f"**Suggestions the reviewer rejected ({len(rejected)})**")
        st.dataframe(
            [{"Competency": lk.competency, "Reason": lk.reason} for lk in rejected],
            hide_index=True,
            width="stretch",
        )

st.subheader("Sections and suggested competencies")
ui.document_preview(actor, doc_id)

st.subheader("Downloads")
ui.downloads(actor, view)

st.subheader("History")
ui.history_table(history)
