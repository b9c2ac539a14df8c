"""Store health for admins: documents whose stored file is damaged (quarantined by the store).

A damaged document file never takes the app down: the store quarantines the document (to
everyone else it is simply not there) and lists it here; after an operator restores or fixes
the file (e.g. from a backup), :func:`recheck` reads it again and it is back.
"""

from __future__ import annotations

from dataclasses import dataclass

from review.storage import Repository


@dataclass(frozen=True)
class DamagedDocument:
    id: str
    reason: str
    since: str
    #: from the index row, when there is one ("" otherwise)
    title: str = ""
    agency_name: str = ""
    state: str = ""
    path: str = ""


def damaged_documents(repo: Repository, agency_names: dict[str, str]) -> list[DamagedDocument]:
    out = []
    for q in repo.quarantined():
        row = repo.summary(q["id"]) or {}
        out.append(
            DamagedDocument(
                id=q["id"],
                reason=q.get("reason", ""),
                since=q.get("since", ""),
                title=row.get("title") or "",
                agency_name=agency_names.get(row.get("agency_id") or "", ""),
                state=row.get("state") or "",
                path=f"store/documents/{q['id']}.json",
            )
        )
    return out
