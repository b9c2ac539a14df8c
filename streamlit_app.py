"""Competency Review: the Streamlit entry point. Thin: it reads input, calls review services, renders.

It decides only which pages the signed-in user sees (``st.navigation``: once it runs, files in
``pages/`` are pages only if listed here) and enforces the inactivity timeout. Each page
re-checks the actor, and the services re-check every permission.
"""

from __future__ import annotations

import time
from urllib.parse import quote

import streamlit as st

from pages import _components as ui
from review import audit
from review import viewmodels as vm
from review.errors import ReviewError

st.set_page_config(page_title="Competency Review", page_icon="📋", layout="wide")
# every audit event of this run names the client it came from
audit.set_client(f"web {st.context.ip_address or 'local'}")

#: page file, title, url path, icon; one place so tests and the deep-link logic agree
PAGES: dict[str, tuple[str, str, str, str]] = {
    "sign_in": ("pages/sign_in.py", "Sign in", "sign-in", ":material/login:"),
    "my_documents": ("pages/agency_documents.py", "My documents", "documents", ":material/folder:"),
    "upload": ("pages/agency_upload.py", "Upload a policy", "upload", ":material/upload_file:"),
    "document": ("pages/agency_document.py", "Document", "document", ":material/description:"),
    "coverage": (
        "pages/agency_coverage.py",
        "Agency coverage",
        "coverage",
        ":material/checklist:",
    ),
    "queue": ("pages/review_queue.py", "Review queue", "queue", ":material/inbox:"),
    "workspace": (
        "pages/review_workspace.py",
        "Review workspace",
        "workspace",
        ":material/fact_check:",
    ),
    "findings": (
        "pages/review_findings.py",
        "Findings",
        "findings",
        ":material/assignment:",
    ),
    "users": ("pages/admin_users.py", "Users & agencies", "users", ":material/group:"),
    "frameworks": (
        "pages/admin_frameworks.py",
        "Frameworks",
        "frameworks",
        ":material/account_tree:",
    ),
    "audit": ("pages/admin_audit.py", "Audit trail", "audit", ":material/history:"),
    "learning": ("pages/admin_learning.py", "Learning", "learning", ":material/school:"),
    "store": ("pages/admin_store.py", "Store health", "store", ":material/health_and_safety:"),
    "account": ("pages/account.py", "Account", "account", ":material/person:"),
}
#: the pages of each role, grouped as the sidebar shows them; the first is the landing page
ROLE_PAGES: dict[str, dict[str, list[str]]] = {
    "agency_user": {
        "Policies": ["my_documents", "upload", "document", "coverage"],
        "You": ["account"],
    },
    "reviewer": {"Reviews": ["queue", "workspace", "findings", "coverage"], "You": ["account"]},
    "admin": {
        "Reviews": ["queue", "workspace"],
        "Administration": ["users", "frameworks", "audit", "learning", "store"],
        "You": ["account"],
    },
}


ROLE_PAGES["admin"]["Reviews"] += ["findings", "coverage"]  # as for reviewers (issue 13)


def _page(key: str, default: bool = False) -> st.Page:
    path, title, url, icon = PAGES[key]
    return st.Page(path, title=title, url_path=url, icon=icon, default=default)


def _cookie_session() -> bool:
    """With the cookie routes (serve.py): the session cookie decides who is signed in, on every
    run — a reload, a new tab or a deep link resumes it; a sign-out elsewhere, an expired,
    revoked or forged token ends it. Returns True when it decided."""
    token = ui.session_token()
    if not token:
        return False
    try:
        actor = ui.service().resume_session(token)
    except ReviewError as err:
        # expired, revoked or forged: forget the session and have the browser drop the cookie
        # (then it lands on the sign-in form of the same URL)
        ui.sign_out(f"You were signed out: {err}.")
        ui.browser_redirect(f"/_cr/sign-out?next={quote(ui.current_path(), safe='')}")
        st.stop()
    if ui.current_actor() is None or ui.current_actor().username != actor.username:
        ui.sign_in_actor(actor)
    st.session_state[ui.ACTOR_KEY] = actor
    st.session_state[ui.ACTIVITY_KEY] = time.time()
    return True


def _expire_idle_session() -> None:
    actor = ui.current_actor()
    if actor is None:
        return
    now = time.time()
    minutes = vm.session_minutes()
    if vm.session_expired(st.session_state.get(ui.ACTIVITY_KEY), now, minutes):
        ui.sign_out(
            f"Your session expired after {minutes} minutes without activity. Please sign in again."
        )
        return
    st.session_state[ui.ACTIVITY_KEY] = now
    # Re-load the user each run: a role change or a deactivation takes effect at once.
    try:
        st.session_state[ui.ACTOR_KEY] = ui.service().actor(actor.username)
    except ReviewError as err:
        ui.sign_out(f"You were signed out: {err}.")


def _sidebar(actor) -> None:  # type: ignore[no-untyped-def]
    with st.sidebar:
        st.markdown(f"**{ui.safe(actor.name)}**")
        st.caption(
            vm.role_label(actor.role)
            + (f" · {ui.safe(actor.agency_name)}" if actor.agency_name else "")
        )
        if st.button("Sign out", icon=":material/logout:", key="sign_out"):
            ui.attempt(ui.service().sign_out, actor)
            token = ui.session_token()
            if token:  # ends the session in every tab, then the cookie is cleared
                ui.attempt(ui.service().end_session, token)
                ui.sign_out()
                ui.browser_redirect("/_cr/sign-out")
                st.stop()
            ui.sign_out("You are signed out.")
            st.rerun()


if not _cookie_session():
    _expire_idle_session()
actor = ui.current_actor()
if actor is None:
    # Every known URL shows the sign-in form while signed out, so a bookmarked link
    # (/workspace?doc=...) keeps its path and query through the sign-in: Streamlit identifies a
    # page by its url_path, and the rerun after sign-in lands on the real page of that path.
    stand_ins = [
        st.Page(PAGES["sign_in"][0], title=f"{title} · sign in", url_path=url)
        for key, (_, title, url, _) in PAGES.items()
        if key != "sign_in"
    ]
    nav = st.navigation([_page("sign_in", default=True), *stand_ins], position="hidden")
else:
    groups = ROLE_PAGES.get(actor.role, {})
    first = True
    sections: dict[str, list[st.Page]] = {}
    for group, keys in groups.items():
        sections[group] = []
        for key in keys:
            sections[group].append(_page(key, default=first))
            first = False
    nav = st.navigation(sections)
    _sidebar(actor)
nav.run()
