"""Support code (no tests here): build store content directly through the repository, without the
parser: for the concurrency, crash and benchmark scripts, which measure the store, not the suggester."""

from __future__ import annotations

import hashlib
from pathlib import Path

from review.models import ParsedDocument, Section
from review.storage import TinyDBRepository, summary_of

NOW = "2024-05-01T09:00:00+00:00"


def make_sections(n: int, words: int = 60) -> tuple[Section, ...]:
    out = []
    for i in range(n):
        text = " ".join(f"policy{i}w{j}" for j in range(words))
        sid = hashlib.sha1(f"{i}{text}".encode()).hexdigest()[:16]
        out.append(Section(sid, f"Section {i}", 1, (f"Section {i}",), text, i, i))
    return tuple(out)


def seed_document(
    repo: TinyDBRepository,
    doc_id: str,
    *,
    agency_id: str,
    sections: int = 100,
    links_per_section: int = 1,
    state: str = "in_review",
    reviewer: str = "",
    uploaded_by: str = "alice",
) -> list[str]:
    """A document with one version and ``sections × links_per_section`` suggested links.
    Returns the link ids."""
    secs = make_sections(sections)
    parsed = ParsedDocument(f"{doc_id}.docx", "docx", secs, len(secs), title=f"Policy {doc_id}")
    rec = {
        "id": doc_id,
        "agency_id": agency_id,
        "title": f"Policy {doc_id}",
        "state": state,
        "current_version": 1,
        "reviewer": reviewer,
        "uploaded_by": uploaded_by,
        "created_by": uploaded_by,
        "created_at": NOW,
        "updated_at": NOW,
        "submitted_at": NOW if state != "draft" else "",
        "approved_by": "",
        "approved_at": "",
        "rev": 1,
    }
    comps = ["C1", "C2", "C3", "C4", "C5"]
    links = []
    for i, s in enumerate(secs):
        for k in range(links_per_section):
            links.append(
                {
                    "id": f"{doc_id}-l{i}-{k}",
                    "version": 1,
                    "section_id": s.id,
                    "competency": comps[(i + k) % len(comps)],
                    "state": "suggested",
                    "score": 70.0,
                    "evidence": [
                        {
                            "phrase": "policy",
                            "matched": "policy",
                            "start": 0,
                            "end": 6,
                            "score": 90.0,
                        }
                    ],
                    "note": "",
                    "reason": "",
                    "decided_by": "",
                    "decided_at": "",
                    "flag": "",
                    "origin": "suggester",
                    "previous": None,
                }
            )
    with repo.create_document(rec) as tx:
        tx.add_version(
            {
                "number": 1,
                "filename": f"{doc_id}.docx",
                "sha256": "0" * 64,
                "ext": ".docx",
                "size": 0,
                "uploaded_by": uploaded_by,
                "uploaded_at": NOW,
                "framework_id": "wisconsin-2017",
                "framework_version": "2017-03-21",
                "items": comps,
                "parsed": parsed.to_dict(),
            }
        )
        tx.add_links(links)
        tx.append_history(
            {
                "action": "upload",
                "actor": uploaded_by,
                "from_state": "",
                "to_state": "draft",
                "time": NOW,
                "comment": "",
            }
        )
    repo.put_summary(summary_of(rec))
    return [lk["id"] for lk in links]


def seed_people(repo: TinyDBRepository, *, agency_id: str = "ag1") -> None:
    """An agency, an agency user and two reviewers (password hashes are real but cheap to skip:
    these users act through ``Actor`` objects, never sign in)."""
    repo.add_agency(
        {"id": agency_id, "name": f"Agency {agency_id}", "kind": "general", "created_at": NOW}
    )
    for username, role, ag in (
        ("alice", "agency_user", agency_id),
        ("rita", "reviewer", None),
        ("rob", "reviewer", None),
    ):
        repo.add_user(
            {
                "username": username,
                "display_name": username.title(),
                "role": role,
                "agency_id": ag,
                "active": True,
                "password": {},
                "created_at": NOW,
            }
        )


def open_repo(path: str | Path) -> TinyDBRepository:
    return TinyDBRepository(path)
