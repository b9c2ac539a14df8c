"""Admin: users and agencies — create, change role or display name, deactivate / reactivate."""

from __future__ import annotations

import streamlit as st

from pages import _components as ui
from review import viewmodels as vm
from review.models import AGENCY_KINDS, ROLES

actor = ui.require_actor("admin")
svc = ui.service()
ui.page_header("Users & agencies")

ok_a, agencies = ui.attempt(svc.list_agencies, actor)
ok_u, users = ui.attempt(svc.list_users, actor)
agencies = agencies if ok_a else []
users = users if ok_u else []
agency_names = {a.id: a.name for a in agencies}

# a reset password is shown once: popped from the session as it is displayed
reset = st.session_state.pop("reset_password", None)
if reset is not None:
    st.warning(
        f"New password for **{ui.safe(reset[0])}** — hand it over now; it is not shown again and is "
        "stored only as a hash. They can change it on their Account page.",
        icon=":material/key:",
    )
    st.code(reset[1], language=None)

users_tab, agencies_tab = st.tabs([f"Users ({len(users)})", f"Agencies ({len(agencies)})"])

with users_tab:
    st.dataframe(
        [
            {
                "Username": u.username,
                "Name": u.display_name,
                "Role": vm.role_label(u.role),
                "Agency": u.agency_name or "—",
                "Active": u.active,
                "Created": vm.format_time(u.created_at),
            }
            for u in users
        ],
        hide_index=True,
        width="stretch",
    )
    new_col, change_col = st.columns(2, gap="large")
    # Not clear_on_submit: a refused password must not wipe what the admin typed.
    with new_col, st.form("new_user"):
        st.markdown("**New user**")
        username = st.text_input("Username", key="nu_username")
        display = st.text_input("Display name", key="nu_display")
        role = st.selectbox("Role", list(ROLES), format_func=vm.role_label, key="nu_role")
        agency = st.selectbox(
            "Agency (agency users only)",
            [""] + list(agency_names),
            format_func=lambda a: agency_names.get(a, "—"),
            key="nu_agency",
        )
        password = st.text_input("Initial password", type="password", key="nu_password")
        if st.form_submit_button("Create user", type="primary"):
            done, created = ui.attempt(
                svc.create_user, actor, username, password, role, agency or None, display
            )
            if done:
                ui.flash("success", f"User {created.username} created.")
                for key in ("nu_username", "nu_display", "nu_password"):
                    st.session_state.pop(key, None)
                st.rerun()
    with change_col:
        if users:
            target = st.selectbox(
                "User",
                [u.username for u in users],
                key="ch_user",
                format_func=lambda n: next(
                    f"{u.display_name} ({u.username})" for u in users if u.username == n
                ),
            )
            current = next(u for u in users if u.username == target)
            with st.form("change_role"):
                st.markdown(
                    f"**Change role of {ui.safe(current.username)}** "
                    f"(now {vm.role_label(current.role)})"
                )
                new_role = st.selectbox(
                    "Role",
                    list(ROLES),
                    index=list(ROLES).index(current.role),
                    format_func=vm.role_label,
                    key="ch_role",
                )
                agency_ids = [""] + list(agency_names)
                new_agency = st.selectbox(
                    "Agency (agency users only)",
                    agency_ids,
                    index=agency_ids.index(current.agency_id)
                    if current.agency_id in agency_ids
                    else 0,
                    format_func=lambda a: agency_names.get(a, "—"),
                    key="ch_agency",
                )
                if st.form_submit_button("Change role"):
                    # a confirmation step first: a role change takes effect at once
                    st.session_state["pending_user_change"] = (
                        "role",
                        current.username,
                        new_role,
                        new_agency or None,
                    )
            with st.form("change_name"):
                st.markdown(f"**Display name of {ui.safe(current.username)}**")
                new_name = st.text_input(
                    "New display name",
                    value=current.display_name,
                    key=f"ch_name_{current.username}",
                    help="How the audit trail and the reports name them.",
                )
                if st.form_submit_button("Change display name"):
                    done, changed = ui.attempt(
                        svc.set_display_name, actor, current.username, new_name
                    )
                    if done:
                        ui.flash(
                            "success",
                            f"{current.username} is now shown as {changed.display_name}.",
                        )
                        # the field shows the name as stored (spaces collapsed) after the save
                        st.session_state.pop(f"ch_name_{current.username}", None)
                        st.rerun()
            if current.username.casefold() != actor.username.casefold() and st.button(
                f"Reset the password of {ui.safe(current.username)}",
                key="ch_reset",
                help="A new random password is generated and shown once, to hand over.",
            ):
                done, generated = ui.attempt(svc.reset_password, actor, current.username)
                if done:
                    st.session_state["reset_password"] = (current.username, generated)
                    st.rerun()
            label = "Deactivate" if current.active else "Reactivate"
            if st.button(f"{label} {ui.safe(current.username)}", key="ch_active"):
                st.session_state["pending_user_change"] = (
                    "active",
                    current.username,
                    not current.active,
                    None,
                )
            pending = st.session_state.get("pending_user_change")
            if pending is not None and pending[1] == current.username:
                kind, who, value, agency_id = pending
                own = who.casefold() == actor.username.casefold()
                if kind == "role":
                    question = f"Change the role of {who} to {vm.role_label(value).lower()}?" + (
                        " You will lose the admin pages." if own and value != "admin" else ""
                    )
                else:
                    question = f"{'Reactivate' if value else 'Deactivate'} {who}?" + (
                        "" if value else " They are signed out at once."
                    )
                st.warning(question, icon=":material/help:")
                yes, no = st.columns(2)
                if yes.button("Yes, apply", key="ch_confirm", type="primary"):
                    st.session_state.pop("pending_user_change", None)
                    if kind == "role":
                        done, _ = ui.attempt(svc.set_role, actor, who, value, agency_id)
                        message = f"{who} is now {vm.role_label(value).lower()}."
                    else:
                        done, _ = ui.attempt(svc.set_user_active, actor, who, value)
                        message = f"{who} {'reactivated' if value else 'deactivated'}."
                    if done:
                        ui.flash("success", message)
                        st.rerun()
                if no.button("Cancel", key="ch_cancel"):
                    st.session_state.pop("pending_user_change", None)
                    st.rerun()

with agencies_tab:
    st.dataframe(
        [
            {
                "Agency": a.name,
                "Kind": vm.agency_kind_name(a.kind),
                "Created": vm.format_time(a.created_at),
            }
            for a in agencies
        ],
        hide_index=True,
        width="stretch",
    )
    st.caption(
        "General agencies are reviewed against the Core Competencies; specialized agencies "
        "against the Core and the Advanced Competencies."
    )
    with st.form("new_agency", clear_on_submit=True):
        st.markdown("**New agency**")
        name = st.text_input("Name", key="na_name")
        kind = st.radio(
            "Kind",
            list(AGENCY_KINDS),
            horizontal=True,
            key="na_kind",
            format_func=vm.agency_kind_name,
        )
        if st.form_submit_button("Create agency", type="primary"):
            done, created = ui.attempt(svc.create_agency, actor, name, kind)
            if done:
                ui.flash("success", f"Agency {created.name} created.")
                st.rerun()
