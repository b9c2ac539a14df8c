"""Every role: the signed-in user's account — who they are, and changing their own password.

The service checks the current password and the password rule; the page only compares the two
new entries, so a typo does not lock anyone out.
"""

from __future__ import annotations

import streamlit as st

from pages import _components as ui
from review import viewmodels as vm

actor = ui.require_actor()
ui.page_header("Account")
st.markdown(
    f"**{ui.safe(actor.name)}** · {ui.safe(actor.username)} · {vm.role_label(actor.role)}"
    + (f" · {ui.safe(actor.agency_name)}" if actor.agency_name else "")
)

st.subheader("Change your password")
with st.form("change_password", clear_on_submit=True):
    current = st.text_input(
        "Current password", type="password", key="pw_current", autocomplete="current-password"
    )
    new = st.text_input("New password", type="password", key="pw_new", autocomplete="new-password")
    again = st.text_input(
        "New password again", type="password", key="pw_again", autocomplete="new-password"
    )
    go = st.form_submit_button("Change password", type="primary")
if go:
    if new != again:
        st.error("The two new passwords differ; type the same new password twice.")
    else:
        done, _ = ui.attempt(
            ui.service().set_password, actor, actor.username, new, current_password=current
        )
        if done:
            ui.flash("success", "Your password was changed. Use the new one next time you sign in.")
            st.rerun()
