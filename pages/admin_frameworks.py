"""Admin: competency frameworks — list, view items and match phrases, import YAML/JSON/CSV.

Validation, the id rules and installing (into the data directory, with who and when) are the
services' (``preview_framework``, ``import_framework``); the page shows and asks.
"""

from __future__ import annotations

import streamlit as st

from pages import _components as ui
from review import viewmodels as vm

actor = ui.require_actor("admin")
svc = ui.service()
ui.page_header("Frameworks", "The competency frameworks reviews are made against.")

ok_f, frameworks = ui.attempt(svc.list_frameworks, actor)
frameworks = frameworks if ok_f else []
ok_i, imports = ui.attempt(svc.framework_imports, actor)
imported = {i.framework_id: i for i in (imports if ok_i else [])}
if not frameworks:
    st.info("No framework is installed.")
else:
    st.dataframe(
        [
            {
                "Id": f.id,
                "Title": f.title,
                "Version": f.version,
                "Items": len(f.items),
                "Default": "yes" if f.id == svc.framework_id else "",
                "Installed": (
                    f"imported by {imported[f.id].imported_by}, "
                    f"{vm.format_time(imported[f.id].imported_at)}"
                    if f.id in imported
                    else "shipped"
                ),
            }
            for f in frameworks
        ],
        hide_index=True,
        width="stretch",
    )
    chosen = st.selectbox("View framework", [f.id for f in frameworks], key="fw_view")
    fw = next(f for f in frameworks if f.id == chosen)
    if fw.source:
        st.caption(ui.safe(fw.source))
    tier = st.segmented_control("Tier", ["all", "core", "advanced"], default="all", key="fw_tier")
    items = [it for it in fw.items if tier in (None, "all") or it.tier == tier]
    st.dataframe(
        [
            {
                "Id": it.id,
                "Label": it.label,
                "Title": it.title,
                "Tier": it.tier,
                "Statement": it.statement,
                "Strong phrases": "; ".join(getattr(it, "strong_phrases", ())),
                "Match phrases": "; ".join(it.phrases),
                "Weak phrases": "; ".join(getattr(it, "weak_phrases", ())),
                "Training": ", ".join(it.training),
            }
            for it in items
        ],
        hide_index=True,
        width="stretch",
        column_config={
            "Statement": st.column_config.TextColumn(width="large"),
            "Match phrases": st.column_config.TextColumn(width="large"),
        },
    )

st.subheader("Import a framework")
st.caption(
    "YAML in the format of data/frameworks/, or a CSV with one row per item "
    "(framework_id, framework_title, framework_version, id, label, tier, parent, statement, phrases)."
)
# a fresh uploader after each install (its key changes), so the installed file is not shown again
upload_round = int(st.session_state.get("fw_import_round", 0))
upload = st.file_uploader(
    "Framework file", type=["yaml", "yml", "csv", "json"], key=f"fw_import_{upload_round}"
)
if upload is not None:
    data = upload.getvalue()
    ok, imported_fw = ui.attempt(svc.preview_framework, actor, upload.name, data)
    if ok:
        st.success(
            ui.safe(
                f"{imported_fw.id} “{imported_fw.title}” version {imported_fw.version}: "
                f"{len(imported_fw.items)} items, valid."
            )
        )
        st.dataframe(
            [
                {
                    "Id": it.id,
                    "Tier": it.tier,
                    "Statement": it.statement,
                    "Match phrases": "; ".join(it.phrases),
                }
                for it in imported_fw.items
            ],
            hide_index=True,
            width="stretch",
        )
        if st.button("Install this framework", type="primary", key="fw_install"):
            done, installed = ui.attempt(svc.import_framework, actor, upload.name, data)
            if done:
                st.session_state["fw_import_round"] = upload_round + 1
                ui.flash(
                    "success",
                    f"Framework {installed.id} version {installed.version} installed.",
                )
                st.rerun()
