"""Shared rendering helpers for the pages (not a page: ``st.navigation`` lists pages explicitly).

Everything here is Streamlit glue: the cached service object, the signed-in actor, the error
guard that turns a :class:`review.errors.ReviewError` into ``st.error`` (and anything unexpected
into a generic message, logged, never a traceback), one-shot "flash" messages that survive the
rerun after an action, and the download buttons. Rules live in :mod:`review.services`.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import streamlit as st

from review import viewmodels as vm
from review.config import data_dir
from review.errors import ReviewError

log = logging.getLogger("competency_review.ui")

ACTOR_KEY = "actor"
ACTIVITY_KEY = "last_activity"
FLASH_KEY = "flash"
GENERIC_ERROR = (
    "Something went wrong on our side and the action was not completed. "
    "Please try again; if it keeps happening, tell your administrator (the error was logged)."
)


@st.cache_resource(show_spinner=False)
def _service_for(path: str) -> Any:
    """One service object per data directory, shared by every session of this server.

    The services re-read the store on each call (other processes and sessions write), so
    caching the object only saves its construction (framework loading, repository setup).
    """
    from review.services import ReviewService

    return ReviewService(data_dir=Path(path))


def service() -> Any:
    return _service_for(str(data_dir()))


# --------------------------------------------------------------------------- the actor


def current_actor() -> Any | None:
    return st.session_state.get(ACTOR_KEY)


def sign_in_actor(actor: Any) -> None:
    st.session_state[ACTOR_KEY] = actor
    st.session_state[ACTIVITY_KEY] = time.time()


def sign_out(message: str | None = None) -> None:
    """Forget everything the session knew (documents, selections), keep only a flash."""
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    if message:
        flash("info", message)


# --------------------------------------------------------------------------- cookie sessions
# ``serve.py`` adds two HTTP routes that set and clear the session cookie; these helpers are
# the script's side (see review/services/sessions.py for the design).


def cookie_sessions() -> bool:
    """Whether the server runs with the cookie routes (``streamlit run serve.py``)."""
    import os

    return os.environ.get("COMPETENCY_REVIEW_COOKIE_ROUTES") == "1"


def session_token() -> str:
    from review.services.sessions import COOKIE_NAME

    if not cookie_sessions():
        return ""
    try:
        value = st.context.cookies.get(COOKIE_NAME)
    except Exception:  # no request context (bare mode)
        return ""
    return value if isinstance(value, str) else ""


def browser_redirect(url: str) -> None:
    """Send the browser to ``url`` (a path on this site) as a full page load: the message
    Streamlit's own ``st.login`` uses, so no JavaScript of ours runs in the page."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None:
        return
    msg = ForwardMsg()
    msg.auth_redirect.url = url
    ctx.enqueue(msg)


def current_path() -> str:
    """This page's path and query (where to come back after the cookie is set)."""
    from urllib.parse import urlencode, urlsplit

    try:
        path = urlsplit(st.context.url or "").path or "/"
    except Exception:
        path = "/"
    query = urlencode({k: st.query_params.get(k) for k in st.query_params})
    return path + (f"?{query}" if query else "")


def start_cookie_session(actor: Any) -> None:
    """After a password sign-in: have the browser trade a one-time code for the cookie."""
    from urllib.parse import quote

    if not cookie_sessions():
        return
    ok, code = attempt(service().grant_sign_in, actor)
    if ok:
        browser_redirect(f"/_cr/session?code={quote(code)}&next={quote(current_path(), safe='')}")


def require_actor(*roles: str) -> Any:
    """The signed-in actor, or stop the page. The services re-check every permission anyway;
    this only keeps a page from rendering half-way for someone it is not meant for."""
    actor = current_actor()
    if actor is None:
        st.warning("Please sign in.")
        st.stop()
    if roles and actor.role not in roles:
        st.error("This page is not available to your role.")
        st.stop()
    return actor


# --------------------------------------------------------------------------- messages


def safe(value: object) -> str:
    """User- or document-supplied text (titles, headings, names, comments, notes, reasons, file
    names, error messages) as Markdown that shows exactly that text: no live link, image, HTML
    or ``:color[…]`` style. Every Markdown-rendering call of a page (``st.title``,
    ``st.markdown``, ``st.caption``, ``st.error``…, ``st.page_link`` and widget labels) wraps
    such text in this; the helpers below do it for what they render."""
    return vm.md_text(value)


def flash(kind: str, message: str) -> None:
    """Queue a message for the next run (after ``st.rerun``/``st.switch_page``)."""
    st.session_state.setdefault(FLASH_KEY, []).append((kind, message))


def show_flashes() -> None:
    for kind, message in st.session_state.pop(FLASH_KEY, []):
        {"success": st.success, "info": st.info, "warning": st.warning, "error": st.error}.get(
            kind, st.info
        )(safe(message))


@contextlib.contextmanager
def guarded() -> Iterator[None]:
    """Show errors a user can cause as a clear message; never show a traceback.

    ``st.rerun``/``st.stop`` raise BaseException subclasses, which pass through untouched.
    """
    try:
        yield
    except ReviewError as err:
        st.error(safe(str(err)))
    except Exception:  # an unexpected failure: log it with its traceback, show a calm message
        log.exception("unexpected error in a page")
        st.error(GENERIC_ERROR)


def attempt(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[bool, Any]:
    """Call a service; on a ReviewError show it and return ``(False, None)``."""
    with guarded():
        return True, fn(*args, **kwargs)
    return False, None


# --------------------------------------------------------------------------- small renderers


def page_header(title: str, caption: str | None = None) -> None:
    st.title(safe(title))
    if caption:
        st.caption(safe(caption))
    show_flashes()


def history_table(history: list[Any]) -> None:
    if not history:
        st.caption("No history yet.")
        return
    st.dataframe(
        [
            {
                "When": vm.format_time(h.time),
                "Step": vm.action_label(h.action),
                "By": h.actor,
                "State": vm.state_change(h.from_state, h.to_state) or "—",
                "Comment": h.comment,
            }
            for h in history
        ],
        hide_index=True,
        width="stretch",
    )


SECTION_CSS = """
<style>
.cr-section { white-space: normal; line-height: 1.55; padding: 0.6rem 0.9rem;
  border-left: 3px solid #2f6f8f; background: #ffffff; border-radius: 4px; max-height: 28rem;
  overflow-y: auto; }
.cr-section mark { background: #ffe58a; padding: 0 2px; border-radius: 2px; }
</style>
"""


def section_css() -> None:
    st.html(SECTION_CSS)


# --------------------------------------------------------------------------- documents


def worklist_picker(
    actor: Any, title: str, caption: str, page: str, lists: tuple[str, ...]
) -> None:
    """A document page opened without ``?doc=``: its header and the actor's worklists named in
    ``lists``, each document a link to ``page``."""
    page_header(title, caption)
    ok, worklists = attempt(service().worklists, actor)
    if ok:
        for wl in worklists:
            if wl.name in lists:
                st.subheader(wl.label)
                document_links(list(wl.documents), page, empty="Nothing here.", show_agency=True)


def document_links(docs: list[Any], page: str, *, empty: str, show_agency: bool = False) -> None:
    """A compact list of documents: title (an in-app link keeping the session), state badge,
    version, reviewer, last update. Links are ``st.page_link`` with ``?doc=<id>`` so the URL can
    be bookmarked and shared."""
    if not docs:
        st.caption(empty)
        return
    widths = [4, 2, 1, 2, 2] + ([2] if show_agency else [])
    head = st.columns(widths)
    labels = ["Document", "State", "Version", "Reviewer", "Updated"] + (
        ["Agency"] if show_agency else []
    )
    for col, label in zip(head, labels, strict=True):
        col.caption(label)
    for d in docs:
        cols = st.columns(widths, vertical_alignment="center")
        cols[0].page_link(page, label=safe(d.title or d.id), query_params={"doc": d.id})
        cols[1].markdown(vm.state_badge(d.state))
        cols[2].write(f"v{d.current_version}")
        cols[3].markdown(safe(d.reviewer or "—"))
        cols[4].write(vm.format_time(d.updated_at))
        if show_agency:
            cols[5].markdown(safe(d.agency_name))


def requested_doc_id() -> str | None:
    """The ``?doc=`` of the URL: pages take the document from the URL so it can be bookmarked."""
    raw = st.query_params.get("doc")
    return raw.strip() if raw and raw.strip() else None


def load_document(actor: Any, doc_id: str) -> Any | None:
    """The document as the actor may see it, or a "not found" message (NotFound is also what an
    agency user gets for another agency's document: it does not exist for them)."""
    from review.errors import NotFound

    try:
        return service().get_document(actor, doc_id)
    except NotFound:
        st.error("Document not found. It may have been removed, or you may not have access to it.")
    except ReviewError as err:
        st.error(safe(str(err)))
    except Exception:
        log.exception("loading document %s failed", doc_id)
        st.error(GENERIC_ERROR)
    return None


def document_header(view: Any) -> None:
    s = view.summary
    st.title(safe(s.title or "Untitled document"))
    bits = [
        vm.state_badge(s.state),
        f"**{safe(s.agency_name)}** ({safe(view.agency_kind)})",
        f"version {s.current_version}",
        f"reviewer: {safe(view.reviewer_name or s.reviewer or '—')}",
        f"updated {vm.format_time(s.updated_at)}",
    ]
    st.markdown(" · ".join(bits))
    # text in the file that Word does not show was left out of the review: everyone is told
    note = view.versions[-1].left_out_note if view.versions else ""
    if note:
        st.info(safe(note), icon=":material/visibility_off:")
    show_flashes()


def lock_line(view: Any) -> str:
    lock = view.lock
    if lock is None:
        return "Review lock: free."
    if lock.mine:
        return f"You hold the review lock (until {vm.format_time(lock.expires_at)} unless you keep working)."
    return (
        f"Review lock held by **{safe(lock.holder_name or lock.holder)}** since "
        f"{vm.format_time(lock.since)} (expires {vm.format_time(lock.expires_at)})."
    )


def transition_buttons(actor: Any, view: Any, *, exclude: tuple[str, ...] = ()) -> None:
    """One button per transition the actor's role could take from this state, as the service
    reports them (:meth:`ReviewService.transition_options`): an allowed one is a button (a form
    with a comment box when it needs a comment), a refused one a disabled button with the
    guard's reason beside it ("3 suggestions are still undecided")."""
    ok, options = attempt(service().transition_options, actor, view.id)
    options = [o for o in (options if ok else []) if o.action not in exclude]
    if not options:
        st.caption("No workflow action is available to you in this state.")
        return
    gated = [o for o in options if o.allowed and o.action == "approve" and o.open_findings]
    plain = [o for o in options if not (o.allowed and o.requires_comment) and o not in gated]
    commented = [o for o in options if o.allowed and o.requires_comment and o not in gated]
    if plain:
        cols = st.columns(len(plain))
        for col, o in zip(cols, plain, strict=True):
            kind = "primary" if o.action in ("submit", "approve", "claim") else "secondary"
            if col.button(
                _option_label(o),
                key=f"tr_{o.action}_{view.id}",
                type=kind,
                width="stretch",
                disabled=not o.allowed,
                help=None if o.allowed else safe(sentence(o.reason)),
            ):
                _do_transition(actor, view, o.action, "")
            if not o.allowed:
                col.caption(safe(sentence(o.reason)))
    for o in commented:
        with st.form(f"tr_form_{o.action}_{view.id}", clear_on_submit=False):
            comment = st.text_area(
                f"Comment for “{o.label}” (required)",
                key=f"tr_comment_{o.action}_{view.id}",
                placeholder="What should the agency change, and why?"
                if o.action == "request_changes"
                else "Why is this being reopened?",
            )
            if st.form_submit_button(o.label):
                _do_transition(actor, view, o.action, comment)
    for o in gated:
        _approve_with_findings_form(actor, view, o)


def _option_label(o: Any) -> str:
    if o.action == "approve" and o.four_eyes:
        return "Approve (second approval)" if o.first_approver else "Approve (first of two)"
    return o.label


def _approve_with_findings_form(actor: Any, view: Any, o: Any) -> None:
    """Approving with open gaps: the reviewer's conclusion and an explicit acceptance of exactly
    these findings (the service refuses a count that no longer matches)."""
    n = len(o.open_findings)
    findings = "1 open finding" if n == 1 else f"{n} open findings"
    with st.form(f"tr_form_approve_{view.id}", clear_on_submit=False):
        st.markdown(
            f"**{_option_label(o)} with {findings}** — required competencies no section "
            f"addresses: {', '.join(o.open_findings)}"
        )
        comment = st.text_area(
            "Your conclusion (required; it goes into the history and the review report)",
            key=f"tr_comment_approve_{view.id}",
            placeholder="Why the policy can be approved although these competencies are not addressed",
        )
        accept = st.checkbox(f"I accept the {findings}", key=f"tr_accept_{view.id}")
        if st.form_submit_button(f"Approve with {findings}", type="primary"):
            _do_transition(actor, view, "approve", comment, n if accept else 0)


def sentence(text: str) -> str:
    """A service reason ("3 suggestions are still undecided") as a sentence for the page."""
    text = text.strip()
    return (text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")) if text else ""


#: what a transition leaves the document as, in words ("The document is now changes
#: requested." read badly)
_STATE_SENTENCES = {
    "draft": "The document is a draft again.",
    "submitted": "The document is waiting in the review queue.",
    "in_review": "The document is in review.",
    "changes_requested": "Changes were requested of the agency.",
    "approved": "The document is approved.",
}


def _do_transition(
    actor: Any, view: Any, action: str, comment: str, accept: int | None = None
) -> None:
    ok, result = attempt(
        service().transition, actor, view.id, action, comment, accept_open_findings=accept
    )
    if ok:
        if action == "approve" and result.state != "approved":
            message = "First approval recorded; a second reviewer must approve (four-eyes rule)."
        else:
            message = (
                f"{vm.transition_label(action)}: done. {_STATE_SENTENCES.get(result.state, '')}"
            )
        flash("success", message)
        st.rerun()


def downloads(actor: Any, view: Any) -> None:
    """Report downloads, generated only when clicked (``data`` is a callable), offered only when
    the service says the actor may download now."""
    if not view.permissions.get("download_reports"):
        st.caption("Reports can be downloaded once the review is finished.")
        return
    svc = service()
    doc_id = view.id
    stem = _file_stem(view.title or doc_id)

    def report() -> bytes:
        return svc.review_report(actor, doc_id)

    def annotated() -> bytes:
        return svc.annotated_policy(actor, doc_id)

    def coverage_csv() -> bytes:
        return svc.coverage_csv(actor, doc_id)

    def coverage_xlsx() -> bytes:
        return svc.coverage_xlsx(actor, doc_id)

    docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    cols = st.columns(4)
    cols[0].download_button(
        "Review report (.docx)",
        report,
        f"{stem}-review-report.docx",
        docx,
        key=f"dl_report_{doc_id}",
        on_click="ignore",
        icon=":material/download:",
    )
    if view.annotatable:
        cols[1].download_button(
            "Annotated policy (.docx)",
            annotated,
            f"{stem}-annotated.docx",
            docx,
            key=f"dl_annot_{doc_id}",
            on_click="ignore",
            icon=":material/download:",
        )
    cols[2].download_button(
        "Coverage matrix (.csv)",
        coverage_csv,
        f"{stem}-coverage.csv",
        "text/csv",
        key=f"dl_csv_{doc_id}",
        on_click="ignore",
        icon=":material/download:",
    )
    cols[3].download_button(
        "Coverage matrix (.xlsx)",
        coverage_xlsx,
        f"{stem}-coverage.xlsx",
        xlsx,
        key=f"dl_xlsx_{doc_id}",
        on_click="ignore",
        icon=":material/download:",
    )


def _file_stem(title: str) -> str:
    return vm.download_stem(title)


def coverage_panel(summary: Any, coverage: list[Any], names: dict[str, str] | None = None) -> None:
    """Progress bar, a bar chart of required competencies by status, and the gaps."""
    import altair as alt

    total = max(summary.total, 1)
    st.progress(min(summary.decided / total, 1.0), text=summary.text)
    rows = vm.coverage_chart_rows(coverage)
    statuses = [r["status"] for r in rows]
    colours = [vm.COVERAGE_COLOURS[s] for s in vm.COVERAGE_STATUSES]
    chart = (
        alt.Chart(alt.Data(values=rows))
        .mark_bar()
        .encode(
            # the axis ends at the number of required competencies, so no bar runs past it
            x=alt.X(
                "count:Q",
                title="Required competencies",
                axis=alt.Axis(tickMinStep=1),
                scale=alt.Scale(domain=[0, total], nice=False, clamp=True),
            ),
            y=alt.Y("status:N", sort=statuses, title=None),
            color=alt.Color(
                "status:N", scale=alt.Scale(domain=statuses, range=colours), legend=None
            ),
            tooltip=["status:N", "count:Q"],
        )
        .properties(height=160)
    )
    st.altair_chart(chart, width="stretch")
    gap_rows = vm.gaps(coverage)
    if gap_rows:
        st.markdown(f"**Gaps — no section addresses {len(gap_rows)} required competencies**")
        short = names or {}
        st.markdown(
            "  \n".join(
                safe(short.get(g.competency, f"{g.competency} {g.label}")) for g in gap_rows
            )
        )
        with st.expander("Recommendations for the gaps"):
            for g in gap_rows:
                st.markdown(
                    f"- **{safe(g.competency)}** — "
                    f"{safe(g.recommendation or 'No recommendation recorded.')}"
                )
    else:
        st.caption("No gaps: every required competency is addressed or assessed.")


def document_preview(actor: Any, doc_id: str, *, limit: int | None = None) -> None:
    """Read-only preview: each section with the competencies linked or suggested for it."""
    svc = service()
    ok, sections = attempt(svc.sections, actor, doc_id)
    ok2, links = attempt(svc.links, actor, doc_id)
    if not (ok and ok2):
        return
    by_section: dict[str, list[Any]] = {}
    for lk in links:
        by_section.setdefault(lk.section_id, []).append(lk)
    rows = []
    for i, s in enumerate(sections, start=1):
        lks = sorted(by_section.get(s.id, []), key=lambda lk: -(lk.score or 0))
        rows.append(
            {
                "#": i,
                "Section": vm.section_label(s),
                "Words": len(s.text.split()),
                "Competencies": ", ".join(
                    f"{lk.competency} ({vm.link_state_label(lk.state).lower()})" for lk in lks
                )
                or "—",
                "Re-review": "yes" if any(lk.flag == "changed" for lk in lks) else "",
                "Text": vm.snippet(s.shown_text, 160),
            }
        )
    st.markdown(
        f"**{len(sections)} sections, {sum(1 for lk in links if lk.state == 'suggested')} "
        f"suggestions awaiting a reviewer's decision**"
    )
    shown = rows if limit is None else rows[:limit]
    st.dataframe(shown, hide_index=True, width="stretch")
    if limit is not None and len(rows) > limit:
        st.caption(f"Showing the first {limit} sections; open the document for all of them.")
