"""User- and document-supplied text is rendered as text on every page (issue 11, item 4).

A store is filled with hostile names — a Markdown image (a tracking beacon), a "verify your
login" link, a ``:red[…]`` style, raw HTML, a bare URL — as the document title, the section
headings, the file name, agency and display names, a rejection reason, notes and the reviewer's
comment. Every page of every role is run under AppTest and every string the pages hand
Streamlit to render as Markdown (bodies, labels, help texts, radio options) is rendered as
CommonMark (raw HTML allowed, to see it pass through): no link, image or HTML element, and none
of the hostile constructs unescaped (Streamlit's directives and GFM autolinks included).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from review import viewmodels as vm
from review.auth import SYSTEM
from tests.e2e_support import policy_docx

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")
ROOT = Path(__file__).resolve().parent.parent

EVIL = (
    "![t](http://track.example/b.png) [verify your login](http://evil.example/login) "
    ":red[urgent] <img src=x onerror=alert(1)> <b>bold</b> www.evil.example **loud**"
)
#: constructs that are live when they reach Markdown unescaped
LIVE = ["![", "](http", ":red[", "<img", "<b>", "http://", "www.", "**loud**"]
_MD = MarkdownIt("commonmark", {"html": True})


def _unescaped(text: str, marker: str) -> bool:
    """``marker`` occurs with its first character not backslash-escaped."""
    i = text.find(marker)
    while i >= 0:
        j = i
        while j > 0 and text[j - 1] == "\\":
            j -= 1
        if (i - j) % 2 == 0:
            return True
        i = text.find(marker, i + 1)
    return False


def _check_markdown(where: str, text: str) -> None:
    for marker in LIVE:
        assert not _unescaped(text, marker), f"{where}: live {marker!r} in {text!r}"
    html = _MD.render(text)
    for tag in ("<a ", "<img", "<b>"):
        assert tag not in html, f"{where}: {tag} in {html!r}"


def _strings(msg, names: set[str]):
    """(field, value) of every string field called one of ``names``, recursively."""
    for fd, value in msg.ListFields():
        items = list(value) if hasattr(value, "__len__") and not isinstance(value, str) else [value]
        if fd.type == fd.TYPE_MESSAGE:
            for v in items:
                yield from _strings(v, names)
        elif fd.type == fd.TYPE_STRING and fd.name in names:
            for v in items:
                yield fd.name, v


#: element types whose strings are not Markdown (st.html is sanitised HTML, escaped by
#: vm.section_html; select boxes and tables show plain text; st.code is code)
_NOT_MARKDOWN = {"html", "arrow_data_frame", "code", "text_input", "text_area"}
_OPTION_MARKDOWN = {"radio", "button_group"}


def _walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def _rendered(at: AppTest) -> list[tuple[str, str]]:
    out = []
    for root in (at.main, at.sidebar):
        for node in _walk(root):
            proto = getattr(node, "proto", None)
            kind = getattr(node, "type", "")
            if proto is None or not hasattr(proto, "ListFields") or kind in _NOT_MARKDOWN:
                continue
            names = {"body", "label", "help"}
            if kind in _OPTION_MARKDOWN:
                names.add("options")
            if kind in ("selectbox", "multiselect"):
                names = {"label", "help"}
            out += [(f"{kind}.{f}", v) for f, v in _strings(proto, names)]
    return out


@pytest.fixture
def hostile(data_dir: Path):
    from review.services import ReviewService

    svc = ReviewService(data_dir=data_dir)
    ag = svc.create_agency(SYSTEM, f"Agency {EVIL}", "general")
    pw = "hostile password 1"
    for username, role, agency in (
        ("admin", "admin", None),
        ("rita", "reviewer", None),
        ("rob", "reviewer", None),
        ("alice", "agency_user", ag.id),
    ):
        svc.create_user(SYSTEM, username, pw, role, agency, f"{username} {EVIL}")

    def actor(name):
        return svc.authenticate(name, pw)

    sections = [
        (f"Reporting {EVIL}", "Staff are mandated reporters and call the hotline at once."),
        (f"Training {EVIL}", "All staff complete human trafficking 101 training every year."),
    ]
    data = policy_docx(sections, title=f"Policy {EVIL}")
    up = svc.upload(actor("alice"), data, "![x](http://e.example/i.png).docx")
    doc_id = up.document_id
    svc.transition(actor("alice"), doc_id, "submit")
    svc.transition(actor("rita"), doc_id, "claim")
    links = svc.links(actor("rita"), doc_id)
    svc.reject_link(actor("rita"), doc_id, links[0].id, f"reason {EVIL}", note=f"note {EVIL}")
    secs = svc.sections(actor("rita"), doc_id)
    svc.add_link(actor("rita"), doc_id, secs[-1].id, "C2", f"added {EVIL}")
    # a second document stays in review, held by rita (its lock line names her)
    up2 = svc.upload(actor("alice"), data, f"second {EVIL}.docx", title=f"Second {EVIL}")
    svc.transition(actor("alice"), up2.document_id, "submit")
    svc.transition(actor("rita"), up2.document_id, "claim")
    # the first goes back to the agency with the reviewer's comment
    for lk in svc.links(actor("rita"), doc_id):
        if lk.state == "suggested":
            svc.confirm_link(actor("rita"), doc_id, lk.id)
    svc.transition(actor("rita"), doc_id, "request_changes", f"comment {EVIL}")
    return svc, actor, doc_id, up2.document_id


def _app(actor, page: str, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["actor"] = actor
    at.session_state["last_activity"] = time.time()
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


PAGES = {
    "alice": [
        ("pages/agency_documents.py", None),
        ("pages/agency_upload.py", None),
        ("pages/agency_document.py", "first"),
        ("pages/agency_document.py", "second"),
        ("pages/account.py", None),
    ],
    "rita": [
        ("pages/review_queue.py", None),
        ("pages/review_workspace.py", None),
        ("pages/review_workspace.py", "first"),
        ("pages/review_workspace.py", "second"),
        ("pages/account.py", None),
    ],
    "rob": [("pages/review_workspace.py", "second")],  # sees rita's lock
    "admin": [
        ("pages/review_queue.py", None),
        ("pages/admin_users.py", None),
        ("pages/admin_frameworks.py", None),
        ("pages/admin_audit.py", None),
        ("pages/account.py", None),
    ],
}


def test_every_page_renders_hostile_names_as_text(hostile):
    svc, actor, first, second = hostile
    seen_escaped = set()
    escaped = vm.md_text(EVIL)
    for user, pages in PAGES.items():
        for page, which in pages:
            query = {"doc": first if which == "first" else second} if which else {}
            at = _app(actor(user), page, **query)
            strings = _rendered(at)
            assert strings, page
            for where, text in strings:
                _check_markdown(f"{user} {page} {where}", text)
                if escaped in text:
                    seen_escaped.add((user, page, which))
    # the hostile text was really on those pages (as text), so the check above was not vacuous
    assert ("alice", "pages/agency_document.py", "first") in seen_escaped
    assert ("rita", "pages/review_workspace.py", "first") in seen_escaped
    assert ("rob", "pages/review_workspace.py", "second") in seen_escaped
    assert ("rita", "pages/review_queue.py", None) in seen_escaped


def test_safe_text_renders_as_the_same_text():
    for text in (EVIL, "a_b_c *x* `code` 1. item # h > q | t $x$ & &amp; ~s~ \\ back"):
        html = _MD.render(vm.md_text(text))
        assert "<a " not in html and "<img" not in html and "<em>" not in html
        assert "<code>" not in html and "<h1>" not in html and "<ol>" not in html
        import html as h

        inner = html.strip().removeprefix("<p>").removesuffix("</p>")
        assert h.unescape(inner).replace("\u2060", "") == " ".join(text.split())
