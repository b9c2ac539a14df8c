"""Agency coverage: each required competency across an agency's whole policy set, where it is
met, and the gaps; with the agency coverage report. Agency users see their own agency; reviewers
and admins choose any agency."""

from __future__ import annotations

import streamlit as st

from pages import _components as ui
from review import viewmodels as vm
from review.services.agency_coverage import (
    agency_choices,
    agency_coverage,
    agency_coverage_report,
)

actor = ui.require_actor("agency_user", "reviewer", "admin")
ui.page_header(
    "Agency coverage",
    "What the agency's approved documents (and, marked provisional, those in review) show "
    "together, competency by competency.",
)
svc = ui.service()

ok, choices = ui.attempt(agency_choices, svc, actor)
if ok and choices:
    agency_id = None
    if actor.role != "agency_user":
        names = dict(choices)
        wanted = st.query_params.get("agency")
        ids = list(names)
        index = ids.index(wanted) if wanted in names else 0
        agency_id = st.selectbox(
            "Agency", ids, index=index, format_func=lambda i: names[i], key="coverage_agency"
        )
        st.query_params["agency"] = agency_id
    ok, cov = ui.attempt(agency_coverage, svc, actor, agency_id)
    if ok:
        total = len(cov.rows)
        met = cov.counts.get("met", 0)
        cols = st.columns(4)
        cols[0].metric("Met", f"{met} of {total}")
        cols[1].metric("Partially met", cov.counts.get("partial", 0))
        cols[2].metric("Not addressed", cov.counts.get("not_addressed", 0))
        cols[3].metric("Documents counted", f"{len(cov.counted)} of {len(cov.documents)}")
        st.caption(
            f"{vm.agency_kind_name(cov.agency_kind)} agency · {cov.framework_title}, "
            f"version {cov.framework_version}"
        )

        st.subheader("Coverage across the policy set")
        st.dataframe(
            vm.agency_coverage_rows(cov.rows),
            hide_index=True,
            width="stretch",
        )

        st.subheader("Documents")
        page = (
            "pages/agency_document.py"
            if actor.role == "agency_user"
            else "pages/review_workspace.py"
        )
        if not cov.documents:
            st.caption("The agency has no document on file.")
        for d in cov.documents:
            c1, c2, c3 = st.columns([4, 2, 4], vertical_alignment="center")
            c1.page_link(page, label=d.title, query_params={"doc": d.document_id})
            c2.markdown(vm.state_badge(d.state))
            c3.write(d.reason or d.basis)

        def report() -> bytes:
            return agency_coverage_report(svc, actor, cov.agency_id)

        st.download_button(
            "Agency coverage report (.docx)",
            report,
            f"{vm.download_stem(cov.agency_name)}-agency-coverage.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            key=f"dl_agency_{cov.agency_id}",
            icon=":material/download:",
        )
elif ok:
    st.caption("No agency yet.")
