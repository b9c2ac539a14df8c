"""Admin: competency frameworks — list, view items and match phrases, import YAML/CSV."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from pages import _components as ui
from review.errors import ReviewError
from review.framework import list_frameworks, parse_framework_text

actor = ui.require_actor("admin")
svc = ui.service()
ui.page_header("Frameworks", "The competency frameworks reviews are made against.")

frameworks = list_frameworks()
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
            }
            for f in frameworks
        ],
        hide_index=True,
        width="stretch",
    )
    chosen = st.selectbox("View framework", [f.id for f in frameworks], key="fw_view")
    fw = next(f for f in frameworks if f.id == chosen)
    if fw.source:
        st.caption(fw.source)
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
upload = st.file_uploader("Framework file", type=["yaml", "yml", "csv", "json"], key="fw_import")
if upload is not None:
    try:
        text = upload.getvalue().decode("utf-8-sig")
        imported = parse_framework_text(text, upload.name, suffix=Path(upload.name).suffix.lower())
    except UnicodeDecodeError:
        st.error(f"{upload.name}: the file is not UTF-8 text.")
    except ReviewError as err:
        st.error(str(err))
    else:
        st.success(
            f"{imported.id} “{imported.title}” version {imported.version}: "
            f"{len(imported.items)} items, valid."
        )
        st.dataframe(
            [
                {
                    "Id": it.id,
                    "Tier": it.tier,
                    "Statement": it.statement,
                    "Match phrases": "; ".join(it.phrases),
                }
                for it in imported.items
            ],
            hide_index=True,
            width="stretch",
        )
        saver = getattr(svc, "import_framework", None)
        if saver is None:
            st.info(
                "Saving imported frameworks is not available yet in this installation; "
                "the file was validated only."
            )
        elif st.button("Install this framework", type="primary", key="fw_install"):
            done, _ = ui.attempt(saver, actor, text, upload.name)
            if done:
                ui.flash("success", f"Framework {imported.id} installed.")
                st.rerun()
