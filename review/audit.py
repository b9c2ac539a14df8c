"""The audit trail of everything that changes a decision or an account.

Each event says who did what, when, from which client, to which document / user / link, and the
before -> after of the change: link decisions, assessments, uploads, workflow transitions (with
an approval's accepted findings), comments, user creation, role changes, (de)activation, password
resets and changes, display-name changes, sign-ins, failed sign-ins and sign-outs.

What never goes in: document text (events carry ids, states, competency ids and what the
reviewer wrote — a rejection reason, a note, a conclusion) and passwords (a password event says
only that it changed; a failed sign-in names the username only when such a user exists, since
people type passwords into the username box).

The store keeps events append-only (:meth:`review.storage.Repository.append_audit`; there is no
method to change or delete one). This module holds the event shape, the client of the current
request (set by the UI or CLI around a request, read by the services) and the CSV export.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

Record = dict[str, Any]

#: the client of the request being served: "web 203.0.113.9"; "cli" outside a web request
_CLIENT: ContextVar[str] = ContextVar("competency_review_client", default="cli")

#: every action the trail records, grouped as the audit page filters them
ACTIONS: dict[str, str] = {
    "sign_in": "Signed in",
    "sign_in_failed": "Failed sign-in",
    "sign_out": "Signed out",
    "user_create": "User created",
    "user_role": "Role changed",
    "user_active": "Account (de)activated",
    "user_display_name": "Display name changed",
    "password_reset": "Password reset by an admin",
    "password_change": "Password changed",
    "agency_create": "Agency created",
    "framework_import": "Framework imported",
    "upload": "Version uploaded",
    "transition": "Workflow transition",
    "comment": "Comment",
    "link_decide": "Link decided",
    "link_confirm_bulk": "Links confirmed in bulk",
    "link_add": "Link added",
    "link_remove": "Link removed",
    "link_note": "Link note changed",
    "assessment": "Assessment changed",
}

CSV_COLUMNS = (
    "time",
    "action",
    "actor",
    "client",
    "agency_id",
    "document_id",
    "version",
    "target",
    "before",
    "after",
    "detail",
)


@dataclass(frozen=True)
class AuditEvent:
    time: str  # ISO 8601, UTC
    action: str  # a key of ACTIONS
    actor: str  # username ("" for an unknown username at a failed sign-in)
    client: str = ""
    agency_id: str = ""
    document_id: str = ""
    version: int = 0
    target: str = ""  # the user, the link (section|competency) or the competency changed
    before: Mapping[str, Any] = field(default_factory=dict)
    after: Mapping[str, Any] = field(default_factory=dict)
    detail: str = ""

    def to_dict(self) -> Record:
        return {
            "time": self.time,
            "action": self.action,
            "actor": self.actor,
            "client": self.client,
            "agency_id": self.agency_id,
            "document_id": self.document_id,
            "version": self.version,
            "target": self.target,
            "before": dict(self.before),
            "after": dict(self.after),
            "detail": self.detail,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> AuditEvent:
        return cls(
            time=str(d.get("time") or ""),
            action=str(d.get("action") or ""),
            actor=str(d.get("actor") or ""),
            client=str(d.get("client") or ""),
            agency_id=str(d.get("agency_id") or ""),
            document_id=str(d.get("document_id") or ""),
            version=int(d.get("version") or 0),
            target=str(d.get("target") or ""),
            before=dict(d.get("before") or {}),
            after=dict(d.get("after") or {}),
            detail=str(d.get("detail") or ""),
        )

    @property
    def label(self) -> str:
        return ACTIONS.get(self.action, self.action.replace("_", " ").capitalize())

    @property
    def change(self) -> str:
        """``before -> after`` in one line, for tables."""
        return f"{_compact(self.before) or '—'} → {_compact(self.after) or '—'}"


def _compact(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}: {_value(v)}" for k, v in values.items() if v not in (None, "", [], {}))


def _value(v: Any) -> str:
    if isinstance(v, list | tuple):
        return " ".join(str(x) for x in v)
    return str(v)


def current_client() -> str:
    return _CLIENT.get()


@contextlib.contextmanager
def client_scope(client: str) -> Iterator[None]:
    """Every audit event recorded inside the block names ``client`` ("web 10.0.0.5", "cli")."""
    token = _CLIENT.set(client)
    try:
        yield
    finally:
        _CLIENT.reset(token)


def set_client(client: str) -> None:
    """Set the client for the rest of this thread's current context (one Streamlit run)."""
    _CLIENT.set(client)


def to_csv(events: Iterable[AuditEvent]) -> bytes:
    """The events as CSV (UTF-8 with a BOM, so Excel opens it right); before/after as JSON.
    Cells that a spreadsheet would run as a formula are prefixed with an apostrophe."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(CSV_COLUMNS)
    for e in events:
        d = e.to_dict()
        d["before"] = json.dumps(d["before"], ensure_ascii=False, sort_keys=True)
        d["after"] = json.dumps(d["after"], ensure_ascii=False, sort_keys=True)
        w.writerow([_cell(d[c]) for c in CSV_COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _cell(v: Any) -> str:
    s = str(v)
    return "'" + s if s[:1] in ("=", "+", "-", "@", "\t", "\r") else s
