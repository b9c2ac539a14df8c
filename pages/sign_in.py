"""Sign in with a username and password from the store. Throttling lives in the service."""

from __future__ import annotations

import streamlit as st

from pages import _components as ui
from review.auth import client_key
from review.config import trusted_proxy_header
from review.errors import ReviewError

left, mid, right = st.columns([1, 2, 1])
with mid:
    st.title("Competency Review")
    st.caption(
        "Policy review against the Wisconsin Anti-Human Trafficking Task Force competency framework."
    )
    ui.show_flashes()
    with st.form("sign_in", enter_to_submit=True):
        username = st.text_input("Username", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        if not username.strip() or not password:
            st.error("Enter your username and password.")
        else:
            # a per-client key only where the address is real (review.auth.client_key): no key
            # for loopback peers unless a trusted proxy header is configured
            client = client_key(
                st.context.ip_address, dict(st.context.headers or {}), trusted_proxy_header()
            )
            try:
                actor = ui.service().authenticate(username.strip(), password, client)
            except ReviewError as err:
                st.error(ui.safe(str(err)))
            except Exception:
                ui.log.exception("sign-in failed unexpectedly")
                st.error(ui.GENERIC_ERROR)
            else:
                ui.sign_in_actor(actor)
                if ui.cookie_sessions():
                    # the browser reloads through /_cr/session, which sets the session cookie
                    # and comes back to this URL (a bookmarked page and its ?doc= survive)
                    ui.start_cookie_session(actor)
                    st.stop()
                st.rerun()  # same URL: a bookmarked page and its ?doc= survive the sign-in
